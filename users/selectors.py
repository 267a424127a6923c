from django.db.models import Q, QuerySet

from users.models import (
    AgentChannelCapacity, AgentPresence, AgentSkill, ApiToken, AssignmentGroup, Skill, User, api_token_digest,
)
from users.permissions import is_internal
from users.roles import INTERNAL_ROLES


def user_list_for_user(*, user) -> QuerySet[User]:
    qs = User.objects.prefetch_related("groups", "assignment_groups").order_by("username")
    if user.has_perm("users.view_user"):
        return qs
    return qs.filter(pk=user.pk)


def user_list_internal() -> QuerySet[User]:
    """Active staff of the support organisation (an internal role, or a superuser): the people
    who may join or manage an assignment group and hold skills, presence and capacity."""
    with_role = User.groups.through.objects.filter(group__name__in=INTERNAL_ROLES).values("user_id")
    return User.objects.filter(Q(is_superuser=True) | Q(pk__in=with_role), is_active=True)


def user_list_nameable_by(*, user) -> QuerySet[User]:
    """The people a caller may name by id in a write (an assignee, a watcher, a contributor, an
    approver): staff name active staff; anyone else only themself. Every other id, whoever holds
    it (a customer's login, an inactive or a missing user), is the same "no such user" to the
    caller (users.api.fields.UserIdField), so a write never tells whether an id exists."""
    if is_internal(user):
        return user_list_internal()
    if not user or not user.is_authenticated:
        return User.objects.none()
    return User.objects.filter(pk=user.pk, is_active=True)


def user_list_for_group_by(*, user) -> QuerySet[User]:
    """Whom a caller may name as a group's manager or member: admins, who read every user, anyone
    (the service then says why a customer cannot be one); everyone else, whom they may name."""
    if user.has_perm("users.view_user"):
        return User.objects.all()
    return user_list_nameable_by(user=user)


def assignment_group_list_for_user(*, user) -> QuerySet[AssignmentGroup]:
    qs = AssignmentGroup.objects.select_related("manager").prefetch_related("members")
    if user.has_perm("users.view_assignmentgroup"):
        return qs
    return qs.filter(Q(manager=user) | Q(members=user)).distinct()


def skill_list_for_user(*, user) -> QuerySet[Skill]:
    return Skill.objects.all() if user.has_perm("users.view_skill") else Skill.objects.none()


def agent_skill_list_for_user(*, user) -> QuerySet[AgentSkill]:
    qs = AgentSkill.objects.select_related("user", "skill")
    return qs if user.has_perm("users.view_agentskill") else qs.filter(user=user)


def agent_presence_list_for_user(*, user) -> QuerySet[AgentPresence]:
    qs = AgentPresence.objects.select_related("user")
    return qs if user.has_perm("users.view_agentpresence") else qs.filter(user=user)


def agent_capacity_list_for_user(*, user) -> QuerySet[AgentChannelCapacity]:
    qs = AgentChannelCapacity.objects.select_related("user")
    return qs if user.has_perm("users.view_agentchannelcapacity") else qs.filter(user=user)


def api_token_list_for_user(*, user) -> QuerySet[ApiToken]:
    """A person's own API tokens, expired ones included (they say so), newest first. Everyone sees
    only their own here, admins too: other people's tokens are in the admin console."""
    if not user or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get_by_key(*, key: str) -> ApiToken | None:
    """The token a presented key stands for (with its person), or None. Looked up by the key's
    SHA-256: the keys themselves are not stored."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.select_related("user").filter(digest=api_token_digest(key)).first()
