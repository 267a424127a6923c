"""Who may manage people and teams, and the access policies for users and groups."""
from django.core.exceptions import PermissionDenied

from core import access
from users.models import AssignmentGroup, User
from users.roles import INTERNAL_ROLES, user_roles


def is_internal(user) -> bool:
    """Staff of the support organisation (any internal role, or a superuser)."""
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(role in INTERNAL_ROLES for role in user_roles(user))


def can_manage_users(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("users.change_user"))


def require_can_manage_users(user) -> None:
    if not can_manage_users(user):
        raise PermissionDenied("Only admins manage users and roles.")


def can_manage_assignment_group(user, group: AssignmentGroup | None = None) -> bool:
    if not user or not user.is_authenticated:
        return False
    if group is None:
        return user.has_perm("users.add_assignmentgroup")
    return user.has_perm("users.change_assignmentgroup") or (group.manager_id == user.pk)


def require_can_manage_assignment_group(user, group: AssignmentGroup | None = None) -> None:
    if not can_manage_assignment_group(user, group):
        raise PermissionDenied("Only admins, managers and the group's manager change assignment groups.")


def can_manage_agent(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("users.change_agentpresence"))


class UserPolicy(access.AccessPolicy):
    view_permission = "users.view_user"

    def relation_reasons(self, obj, user):
        if obj.pk == user.pk:
            return [access.Reason("relation", "This is the user's own account.")]
        return []

    def relation_audience(self, obj):
        return [access.AudienceEntry("relation", "The user themself.", users=[obj.username], count=1)]


class AssignmentGroupPolicy(access.AccessPolicy):
    view_permission = "users.view_assignmentgroup"

    def relation_reasons(self, obj, user):
        reasons = []
        if obj.manager_id == user.pk:
            reasons.append(access.Reason("relation", "Manages the group."))
        if obj.members.filter(pk=user.pk).exists():
            reasons.append(access.Reason("relation", "Is a member of the group."))
        return reasons

    def relation_audience(self, obj):
        members = obj.members.filter(is_active=True).order_by("username")
        entries = [
            access.AudienceEntry(
                "relation",
                "Members of the group.",
                users=list(members.values_list("username", flat=True)[: access.AUDIENCE_SAMPLE]),
                count=members.count(),
            )
        ]
        if obj.manager_id:
            entries.append(access.AudienceEntry("relation", "The group's manager.", users=[obj.manager.username], count=1))
        return entries


access.register(User, UserPolicy())
access.register(AssignmentGroup, AssignmentGroupPolicy())
