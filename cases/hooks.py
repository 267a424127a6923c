"""Hook points where later capabilities plug into case creation without cases importing them.

- The service-levels issue registers an entitlement resolver (the reference's weighted choice
  among active, in-date entitlements whose channels include the case's channel).
- Routing, SLAs and notifications register callbacks run when a case is created (inside the
  creating transaction: schedule side effects with transaction.on_commit).
- SLAs, auto-close and the like register callbacks run after every save of a case row (Django's
  post_save, connected in CasesConfig.ready), inside the saving transaction. A callback that needs
  to write to the case itself uses a queryset `update()` so that it does not re-enter.
"""
from collections.abc import Callable

_entitlement_resolver: Callable | None = None
_created_callbacks: list[Callable] = []
_saved_callbacks: list[Callable] = []


def register_entitlement_resolver(resolver: Callable) -> None:
    global _entitlement_resolver
    _entitlement_resolver = resolver


def register_case_created(callback: Callable) -> None:
    if callback not in _created_callbacks:
        _created_callbacks.append(callback)


def register_case_saved(callback: Callable) -> None:
    """callback(case, created) after every save of a Case row."""
    if callback not in _saved_callbacks:
        _saved_callbacks.append(callback)


def entitlement_for(case):
    """The entitlement a new case gets: the resolver's choice, or the one given explicitly."""
    return _entitlement_resolver(case) if _entitlement_resolver else case.entitlement


def case_created(case) -> None:
    for callback in list(_created_callbacks):
        callback(case)


def case_saved(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    if raw:  # fixtures
        return
    for callback in list(_saved_callbacks):
        callback(instance, created)
