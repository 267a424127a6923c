"""Hook points where later capabilities plug into case creation without cases importing them.

- The service-levels issue registers an entitlement resolver (the reference's weighted choice
  among active, in-date entitlements whose channels include the case's channel).
- Routing and SLAs register callbacks run when a case is created (inside the creating
  transaction: schedule side effects with transaction.on_commit). Notifications are not a hook:
  the services call cases.services.notify explicitly.
- SLAs, auto-close, offers and the like register callbacks run after every service that saves a
  case (each calls `case_changed` right after its save), inside the saving transaction. A callback
  that writes to the case itself uses a queryset `update()` so that it does not re-enter.
"""
from collections.abc import Callable
from dataclasses import dataclass

_entitlement_resolver: Callable | None = None
_creating_callbacks: list[Callable] = []
_created_callbacks: list[Callable] = []
_changed_callbacks: list[Callable] = []


def register_entitlement_resolver(resolver: Callable) -> None:
    global _entitlement_resolver
    _entitlement_resolver = resolver


def register_case_creating(callback: Callable) -> None:
    """callback(case) in case_create after the case is built and checked, before its INSERT: to
    compute what the row should be inserted with (the SLAs' due time). Writes belong after the
    INSERT (a `case_changed` callback)."""
    if callback not in _creating_callbacks:
        _creating_callbacks.append(callback)


def case_creating(case) -> None:
    for callback in list(_creating_callbacks):
        callback(case)


def register_case_created(callback: Callable) -> None:
    if callback not in _created_callbacks:
        _created_callbacks.append(callback)


def register_case_changed(callback: Callable) -> None:
    """callback(case) after every service that saves a case (creation included)."""
    if callback not in _changed_callbacks:
        _changed_callbacks.append(callback)


def entitlement_for(case):
    """The entitlement a new case gets: the resolver's choice, or the one given explicitly."""
    return _entitlement_resolver(case) if _entitlement_resolver else case.entitlement


def case_created(case) -> None:
    for callback in list(_created_callbacks):
        callback(case)


def case_changed(case) -> None:
    for callback in list(_changed_callbacks):
        callback(case)


@dataclass(frozen=True)
class CasePanel:
    """A related list on the agent's case record page, contributed by an app above cases.

    `loader(*, user, case)` returns the template's context: rows already scoped to the user, in
    a bounded number of queries whatever the data size. `template` renders one panel's body.
    `presence` (a model and the name of its foreign key to the case): the record page probes
    whether the case has any such row in the statement that reads the case, and the loader
    skips its own query when `case_panel_has_rows(case, key)` says there is none.
    """

    key: str
    title: str
    template: str
    loader: Callable
    order: int = 100
    presence: tuple | None = None


_case_panels: dict[str, CasePanel] = {}


def register_case_panel(
    *, key: str, title: str, template: str, loader: Callable, order: int = 100, presence: tuple | None = None
) -> None:
    _case_panels[key] = CasePanel(key=key, title=title, template=template, loader=loader, order=order,
                                  presence=presence)


def case_panels() -> list[CasePanel]:
    return sorted(_case_panels.values(), key=lambda panel: (panel.order, panel.key))


def case_panel_has_rows(case, key: str) -> bool:
    """Whether the panel `key` may have rows for this case: False only when the record page's
    read of the case probed its `presence` and found none (a case read elsewhere: True)."""
    return getattr(case, f"has_panel_{key}", True)


# --- demo data ---------------------------------------------------------------------------------
_demo_seeders: list[Callable] = []


def register_demo_seeder(seeder: Callable) -> None:
    """seeder() -> number of records added; `manage.py seed_demo` runs each after its own data.
    It must be idempotent (a second run adds nothing), like the command itself."""
    if seeder not in _demo_seeders:
        _demo_seeders.append(seeder)


def demo_seeders() -> list[Callable]:
    return list(_demo_seeders)
