"""Explaining access: "can this user see this object, and why?" and "who can see it?".

Each app registers an `AccessPolicy` per model in its permissions module. The reasons are
computed from the same rules its selectors use, and a test holds them equal for every persona,
so the explanation can never disagree with what the user is actually shown.
"""
from dataclasses import asdict, dataclass, field

from django.contrib.auth.models import Group
from django.db import models


@dataclass(frozen=True)
class Reason:
    kind: str  # superuser | role | relation | grant
    detail: str
    role: str = ""
    permission: str = ""
    via: str = ""


@dataclass
class AudienceEntry:
    kind: str  # superuser | role | relation | grant
    detail: str
    users: list[str] = field(default_factory=list)
    count: int = 0
    role: str = ""
    permission: str = ""


@dataclass
class Explanation:
    can_view: bool
    reasons: list[Reason]

    def as_dict(self) -> dict:
        return {"can_view": self.can_view, "reasons": [asdict(r) for r in self.reasons]}


class AccessPolicy:
    """Override `relation_reasons` and `grant_reasons` (and their audience twins)."""

    #: model permission that lets internal roles see every row, e.g. "customers.view_account"
    view_permission: str = ""

    def explain(self, obj, user) -> Explanation:
        if not user or not user.is_authenticated or not user.is_active:
            return Explanation(False, [])
        reasons = []
        if user.is_superuser:
            reasons.append(Reason("superuser", "Superusers see everything."))
        elif self.view_permission:
            reasons += role_reasons(user, self.view_permission)
        reasons += self.relation_reasons(obj, user)
        reasons += self.grant_reasons(obj, user)
        return Explanation(bool(reasons), reasons)

    def audience(self, obj) -> list[AudienceEntry]:
        entries = [superuser_audience()]
        if self.view_permission:
            entries += role_audience(self.view_permission)
        entries += self.relation_audience(obj)
        entries += self.grant_audience(obj)
        return [e for e in entries if e.count]

    def relation_reasons(self, obj, user) -> list[Reason]:
        return []

    def grant_reasons(self, obj, user) -> list[Reason]:
        return []

    def relation_audience(self, obj) -> list[AudienceEntry]:
        return []

    def grant_audience(self, obj) -> list[AudienceEntry]:
        return []


_registry: dict[type[models.Model], AccessPolicy] = {}
AUDIENCE_SAMPLE = 20


def register(model: type[models.Model], policy: AccessPolicy) -> None:
    _registry[model] = policy


def policy_for(model: type[models.Model]) -> AccessPolicy | None:
    return _registry.get(model)


def registered_models() -> list[type[models.Model]]:
    return list(_registry)


def access_explain(obj, user) -> Explanation:
    policy = policy_for(type(obj))
    if policy is None:
        raise LookupError(f"no access policy for {type(obj).__name__}")
    return policy.explain(obj, user)


def access_audience(obj) -> list[AudienceEntry]:
    policy = policy_for(type(obj))
    if policy is None:
        raise LookupError(f"no access policy for {type(obj).__name__}")
    return policy.audience(obj)


def _perm_filter(permission: str) -> dict:
    app_label, codename = permission.split(".", 1)
    return {"permissions__codename": codename, "permissions__content_type__app_label": app_label}


def role_reasons(user, permission: str) -> list[Reason]:
    groups = user.groups.filter(**_perm_filter(permission)).values_list("name", flat=True)
    return [
        Reason("role", f"Holds the {name} role, which grants {permission}.", role=name, permission=permission)
        for name in groups
    ]


def role_audience(permission: str) -> list[AudienceEntry]:
    entries = []
    for group in Group.objects.filter(**_perm_filter(permission)).order_by("name"):
        users = group.user_set.filter(is_active=True)
        entries.append(
            AudienceEntry(
                "role",
                f"Everyone holding the {group.name} role ({permission}).",
                users=list(users.order_by("username").values_list("username", flat=True)[:AUDIENCE_SAMPLE]),
                count=users.count(),
                role=group.name,
                permission=permission,
            )
        )
    return entries


def superuser_audience() -> AudienceEntry:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_superuser=True, is_active=True)
    return AudienceEntry(
        "superuser",
        "Superusers see everything.",
        users=list(users.order_by("username").values_list("username", flat=True)[:AUDIENCE_SAMPLE]),
        count=users.count(),
    )


class RolePolicy(AccessPolicy):
    """Data only internal roles read: the model permission is the whole rule."""

    def __init__(self, view_permission: str):
        self.view_permission = view_permission
