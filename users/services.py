"""Every write to people, roles and teams, and to their API tokens."""
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.services import model_apply
from users import permissions
from users.choices import Presence
from users.models import (
    AgentChannelCapacity, AgentPresence, AgentSkill, ApiToken, AssignmentGroup, Skill, User, api_token_digest,
    password_fingerprint,
)
from users.roles import EXTERNAL_ROLES, INTERNAL_ROLES, ROLES, SERVICE_ROLES, user_roles_forget

_USER_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "time_zone", "phone")


def roles_validate(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValidationError(
            {"roles": f"Unknown role {', '.join(repr(r) for r in unknown)}. Known roles: {', '.join(ROLES)}."}
        )
    internal = [r for r in roles if r in INTERNAL_ROLES]
    external = [r for r in roles if r in EXTERNAL_ROLES]
    if internal and external:
        raise ValidationError(
            {
                "roles": "A user is internal or external, never both: "
                f"{', '.join(internal)} cannot be combined with {', '.join(external)}."
            }
        )
    service = [r for r in roles if r in SERVICE_ROLES]
    if service and len(roles) > 1:
        raise ValidationError(
            {"roles": f"{', '.join(service)} is a machine account's role and is held alone, without other roles."}
        )
    return roles


def _password_validate(user: User, password: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


def _roles_apply(user: User, roles: list[str]) -> None:
    keep = user.groups.exclude(name__in=ROLES)
    user.groups.set([*keep, *Group.objects.filter(name__in=roles)])
    user_roles_forget(user)
    is_staff = user.is_superuser or "admin" in roles
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str | None = None,
    roles: Iterable[str] = (),
    assignment_groups: Iterable[AssignmentGroup] = (),
    **fields,
) -> User:
    """`actor=None` only for trusted internal callers (seed data, other services); an interface
    passes the person acting, and then a password must also pass AUTH_PASSWORD_VALIDATORS."""
    if actor is not None:
        permissions.require_can_manage_users(actor)
    roles = roles_validate(roles)
    user = User(username=username)
    model_apply(user, {k: v for k, v in fields.items() if k in _USER_FIELDS}, exclude_clean=("password",))
    if password:
        if actor is not None:
            _password_validate(user, password)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    _roles_apply(user, roles)
    if assignment_groups:
        _groups_require_internal(user, roles, assignment_groups)
        user.assignment_groups.set(assignment_groups)
    return user


@transaction.atomic
def user_update(
    *,
    actor: User | None,
    instance: User,
    password: str | None = None,
    roles: Iterable[str] | None = None,
    assignment_groups: Iterable[AssignmentGroup] | None = None,
    **fields,
) -> User:
    if actor is not None:
        permissions.require_can_manage_users(actor)
    user = User.objects.select_for_update().get(pk=instance.pk)
    model_apply(user, {k: v for k, v in fields.items() if k in _USER_FIELDS}, exclude_clean=("password",))
    if password:
        if actor is not None:
            _password_validate(user, password)
        user.set_password(password)
    user.save()
    if password:
        api_token_revoke_all(user=user)
    if roles is not None:
        _roles_apply(user, roles_validate(roles))
        user_roles_forget(instance)
    if assignment_groups is not None:
        _groups_require_internal(user, user.roles, assignment_groups)
        user.assignment_groups.set(assignment_groups)
    if roles is not None:
        _teams_require_internal(user)
    return user


@transaction.atomic
def user_password_set(*, actor: User | None, user: User, password: str | None) -> User:
    """Set a new password, or (None) switch password sign-in off for the user."""
    if actor is not None:
        permissions.require_can_manage_users(actor)
    user = User.objects.select_for_update().get(pk=user.pk)
    if password is None:
        user.set_unusable_password()
    else:
        if actor is not None:
            _password_validate(user, password)
        user.set_password(password)
    user.save(update_fields=["password"])
    api_token_revoke_all(user=user)
    return user


def password_temporary_make() -> str:
    """A temporary password: 14 characters from a 57-letter alphabet (about 80 bits), with no
    look-alike characters, since people type it from a mail."""
    alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(14))


@transaction.atomic
def user_password_temporary_set(*, actor: User | None, user: User) -> str:
    """Give `user` a new temporary password and require a change at the next sign-in. Returns the
    password so the caller can mail it. Trusted callers only (the registration and account-user
    services check their own actor first and pass None)."""
    if actor is not None:
        permissions.require_can_manage_users(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    password = password_temporary_make()
    locked.set_password(password)
    locked.password_change_required = True
    locked.save(update_fields=["password", "password_change_required"])
    api_token_revoke_all(user=locked)
    user.password, user.password_change_required = locked.password, True  # the caller's copy
    return password


@transaction.atomic
def user_password_change(*, actor: User | None, user: User, password: str) -> User:
    """The person themself chooses a new password (after a temporary one, a reset link, or just
    because): validated by AUTH_PASSWORD_VALIDATORS, and the change requirement is cleared.
    `actor` is the person (a signed-in change) or None (a valid reset token stands for them)."""
    if actor is not None and actor.pk != user.pk:
        permissions.require_can_manage_users(actor)
    locked = User.objects.select_for_update().get(pk=user.pk)
    _password_validate(locked, password)
    locked.set_password(password)
    locked.password_change_required = False
    locked.save(update_fields=["password", "password_change_required"])
    api_token_revoke_all(user=locked)
    user.password, user.password_change_required = locked.password, False  # the caller's copy (session hash)
    return locked


# --- API tokens (users.ApiToken) --------------------------------------------------------------
API_TOKEN_TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is this exact, so a busy client writes seldom
API_TOKEN_KEEP_EXPIRED = timedelta(days=30)  # an expired token still says "expired" this long, then goes


@transaction.atomic
def api_token_create(*, user: User, name: str = "") -> tuple[ApiToken, str]:
    """A new token for `user`, who has just proved their password (POST /api/v1/auth/token/).
    Returns the row and the key: the key is shown this once and never stored. Past
    API_TOKEN_MAX_PER_USER live tokens, the person's least recently used ones are revoked."""
    now = timezone.now()
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:100] or "API token",
        prefix=key[:8],
        digest=api_token_digest(key),
        password_digest=password_fingerprint(user.password),
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    ApiToken.objects.filter(user=user, expires_at__lte=now - API_TOKEN_KEEP_EXPIRED).delete()
    live = ApiToken.objects.filter(user=user, expires_at__gt=now).order_by(
        Coalesce("last_used_at", "created_at").desc(), "-id"
    )
    surplus = list(live.values_list("pk", flat=True)[settings.API_TOKEN_MAX_PER_USER:])
    if surplus:
        ApiToken.objects.filter(pk__in=surplus).delete()
    return token, key


def api_token_touch(*, token: ApiToken) -> None:
    """Note that the token was just used (at most every API_TOKEN_TOUCH_EVERY: one UPDATE)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= API_TOKEN_TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> None:
    """Revoke one token: its owner (the API, the portal) or an admin (the admin console)."""
    if actor.pk != token.user_id:
        permissions.require_can_manage_users(actor)
    ApiToken.objects.filter(pk=token.pk).delete()


def api_token_revoke_all(*, user: User) -> int:
    """Revoke every token of `user`: called by each service that changes or resets a password."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def _holds_internal_role(user: User, roles: Iterable[str]) -> bool:
    return user.is_superuser or any(r in INTERNAL_ROLES for r in roles)


def _groups_require_internal(user: User, roles: Iterable[str], groups: Iterable[AssignmentGroup]) -> None:
    if list(groups) and not _holds_internal_role(user, roles):
        raise ValidationError({"assignment_groups": "Only internal users (agents, managers, ...) join assignment groups."})


def _teams_require_internal(user: User) -> None:
    """A user who loses every internal role may not stay in (or keep managing) a team."""
    if _holds_internal_role(user, user.roles):
        return
    teams = sorted({g.name for g in user.assignment_groups.all()} | {g.name for g in user.managed_groups.all()})
    if teams:
        raise ValidationError(
            {
                "roles": f"{user.username} would have no internal role but still belongs to or manages "
                f"{', '.join(teams)}. Remove them from those assignment groups first."
            }
        )


@transaction.atomic
def user_set_roles(*, actor: User | None, user: User, roles: Iterable[str]) -> User:
    return user_update(actor=actor, instance=user, roles=roles)


@transaction.atomic
def assignment_group_create(
    *, actor: User | None, name: str, members: Iterable[User] = (), **fields
) -> AssignmentGroup:
    if actor is not None:
        permissions.require_can_manage_assignment_group(actor)
    group = AssignmentGroup(name=name)
    model_apply(group, fields)
    _group_validate_people(group.manager, members)
    group.save()
    group.members.set(members)
    return group


@transaction.atomic
def assignment_group_update(
    *, actor: User | None, instance: AssignmentGroup, members: Iterable[User] | None = None, **fields
) -> AssignmentGroup:
    group = AssignmentGroup.objects.select_for_update().get(pk=instance.pk)
    if actor is not None:
        permissions.require_can_manage_assignment_group(actor, group)
    model_apply(group, fields)
    _group_validate_people(group.manager, members if members is not None else group.members.all())
    group.save()
    if members is not None:
        group.members.set(members)
    return group


def _group_validate_people(manager: User | None, members: Iterable[User]) -> None:
    if manager is not None and not permissions.is_internal(manager):
        raise ValidationError({"manager": f"{manager.username} is not an internal user and cannot manage a group."})
    outsiders = [m.username for m in members if not permissions.is_internal(m)]
    if outsiders:
        raise ValidationError({"members": f"Not internal users: {', '.join(outsiders)}."})


@transaction.atomic
def skill_create(*, actor: User | None, name: str, **fields) -> Skill:
    if actor is not None and not actor.has_perm("users.add_skill"):
        raise PermissionDenied("Only admins define skills.")
    skill = Skill(name=name)
    model_apply(skill, fields)
    skill.save()
    return skill


@transaction.atomic
def skill_update(*, actor: User | None, instance: Skill, **fields) -> Skill:
    if actor is not None and not actor.has_perm("users.change_skill"):
        raise PermissionDenied("Only admins change skills.")
    skill = Skill.objects.select_for_update().get(pk=instance.pk)
    model_apply(skill, fields)
    skill.save()
    return skill


def _require_agent(user: User) -> None:
    if not permissions.is_internal(user):
        raise ValidationError({"user": f"{user.username} is not an agent."})


def _require_self_or_manager(actor: User | None, user: User) -> None:
    if actor is not None and actor.pk != user.pk and not permissions.can_manage_agent(actor):
        raise PermissionDenied("Only the agent themself or a manager changes this.")


@transaction.atomic
def agent_skill_set(*, actor: User | None, user: User, skill: Skill, level: int = 3) -> AgentSkill:
    if actor is not None and not actor.has_perm("users.change_agentskill"):
        raise PermissionDenied("Only managers and admins set agent skills.")
    _require_agent(user)
    row = AgentSkill.objects.filter(user=user, skill=skill).select_for_update().first() or AgentSkill(
        user=user, skill=skill
    )
    model_apply(row, {"level": level}, exclude_clean=("user", "skill"))
    row.save()
    return row


@transaction.atomic
def agent_skill_remove(*, actor: User | None, user: User, skill: Skill) -> None:
    if actor is not None and not actor.has_perm("users.delete_agentskill"):
        raise PermissionDenied("Only managers and admins remove agent skills.")
    AgentSkill.objects.filter(user=user, skill=skill).delete()


@transaction.atomic
def agent_skill_update(
    *, actor: User | None, instance: AgentSkill, skill: Skill | None = None, level: int | None = None
) -> AgentSkill:
    if actor is not None and not actor.has_perm("users.change_agentskill"):
        raise PermissionDenied("Only managers and admins set agent skills.")
    row = AgentSkill.objects.select_for_update().select_related("user").get(pk=instance.pk)
    _require_agent(row.user)
    changes = {"level": level if level is not None else row.level}
    if skill is not None:
        changes["skill"] = skill
    model_apply(row, changes)
    row.save()
    return row


@transaction.atomic
def agent_presence_set(*, actor: User | None, user: User, status: str) -> AgentPresence:
    _require_self_or_manager(actor, user)
    if actor is not None and actor.pk == user.pk and not permissions.is_internal(user):
        roles = ", ".join(user.roles) or "no role"
        raise PermissionDenied(
            f"Only agents have a presence: {user.username} holds {roles}, not an internal role, "
            "so there is no availability for routing to set."
        )
    _require_agent(user)
    if status not in Presence.values:
        raise ValidationError({"status": f"'{status}' is not one of {', '.join(Presence.values)}."})
    row, _ = AgentPresence.objects.select_for_update().get_or_create(user=user)
    if row.status != status:
        row.status = status
        row.save()
    return row


@transaction.atomic
def agent_capacity_set(*, actor: User | None, user: User, channel: str, max_items: int) -> AgentChannelCapacity:
    if actor is not None and not actor.has_perm("users.change_agentchannelcapacity"):
        raise PermissionDenied("Only managers and admins set agent capacity.")
    _require_agent(user)
    row = AgentChannelCapacity.objects.filter(user=user, channel=channel).select_for_update().first()
    row = row or AgentChannelCapacity(user=user, channel=channel)
    model_apply(row, {"max_items": max_items}, exclude_clean=("user",))
    row.save()
    return row


@transaction.atomic
def agent_capacity_update(
    *, actor: User | None, instance: AgentChannelCapacity, channel: str | None = None, max_items: int | None = None
) -> AgentChannelCapacity:
    if actor is not None and not actor.has_perm("users.change_agentchannelcapacity"):
        raise PermissionDenied("Only managers and admins set agent capacity.")
    row = AgentChannelCapacity.objects.select_for_update().select_related("user").get(pk=instance.pk)
    _require_agent(row.user)
    changes = {"max_items": max_items if max_items is not None else row.max_items}
    if channel is not None:
        changes["channel"] = channel
    model_apply(row, changes)
    row.save()
    return row


@transaction.atomic
def agent_capacity_remove(*, actor: User | None, user: User, channel: str) -> None:
    if actor is not None and not actor.has_perm("users.delete_agentchannelcapacity"):
        raise PermissionDenied("Only admins remove agent capacity; managers change max_items instead.")
    AgentChannelCapacity.objects.filter(user=user, channel=channel).delete()
