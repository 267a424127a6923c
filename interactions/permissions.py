"""Who reads and who works interactions.

Interactions are internal records: every internal role with `interactions.view_interaction`
(agents, managers, admins) reads all of them, as a support organisation shares its contact
history; customers never (404 everywhere). Working one is narrower:
- `interactions.work_interaction` (agents) and, for an interaction waiting in a group's queue,
  membership (or management) of that group; an interaction with no group is anyone's;
- once an agent has accepted it, the actions that finish the work (hold, wrap up, close, create
  or link a case) are the assignee's;
- `interactions.supervise_interactions` (managers, admins) works any group's interactions and
  takes over those assigned to others.
The channel systems hold `interactions.intake_interaction` (the `channel_integration` role, and
agents, who log walk-ups and phone calls by hand).
"""
from django.core.exceptions import PermissionDenied

from core import access
from interactions.models import Interaction

VIEW = "interactions.view_interaction"
WORK = "interactions.work_interaction"
SUPERVISE = "interactions.supervise_interactions"
INTAKE = "interactions.intake_interaction"


def _has(user, perm: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(perm))


def can_view_interactions(user) -> bool:
    return _has(user, VIEW)


def can_work_interactions(user) -> bool:
    return _has(user, WORK)


def can_supervise_interactions(user) -> bool:
    return _has(user, SUPERVISE)


def can_intake(user) -> bool:
    return _has(user, INTAKE)


def user_group_ids(user) -> frozenset[int]:
    """The groups whose queues the user works: member or manager. Once per user object."""
    cached = getattr(user, "_interaction_group_ids", None)
    if cached is None:
        from users.models import AssignmentGroup

        active = AssignmentGroup.objects.filter(active=True).order_by()
        cached = frozenset(
            active.filter(members=user).values_list("pk", flat=True).union(
                active.filter(manager=user).values_list("pk", flat=True)
            )
        )
        setattr(user, "_interaction_group_ids", cached)
    return cached


def can_take(user, interaction: Interaction) -> bool:
    """May accept it from its queue (or close it unanswered)."""
    if not can_work_interactions(user):
        return False
    if interaction.assignment_group_id is None or can_supervise_interactions(user):
        return True
    return interaction.assignment_group_id in user_group_ids(user)


def can_handle(user, interaction: Interaction) -> bool:
    """May finish the work on it: hold, wrap up, close, create or link a case."""
    if interaction.assigned_to_id is None:
        return can_take(user, interaction)
    if not can_work_interactions(user):
        return False
    return interaction.assigned_to_id == user.pk or can_supervise_interactions(user)


def require_can_take(user, interaction: Interaction) -> None:
    if not can_take(user, interaction):
        if not can_work_interactions(user):
            raise PermissionDenied("Only agents work interactions.")
        raise PermissionDenied(f"{interaction.number} waits in {interaction.assignment_group}'s queue; you are not in that group.")


def require_can_handle(user, interaction: Interaction) -> None:
    if not can_handle(user, interaction):
        if not can_work_interactions(user):
            raise PermissionDenied("Only agents work interactions.")
        if interaction.assigned_to_id is None:
            raise PermissionDenied(f"{interaction.number} waits in {interaction.assignment_group}'s queue; you are not in that group.")
        raise PermissionDenied(f"{interaction.number} is {interaction.assigned_to.username}'s; a manager can take it over.")


def require_can_note(user, interaction: Interaction) -> None:
    """Work notes: any agent who may take or handle it (a colleague adds what they know)."""
    if not (can_take(user, interaction) or can_handle(user, interaction)):
        raise PermissionDenied("Only agents of its group add work notes to this interaction.")


def require_can_intake(user) -> None:
    if not can_intake(user):
        raise PermissionDenied("This account may not open interactions or append to them.")


# --- access explanation --------------------------------------------------------------------------
class InteractionPolicy(access.AccessPolicy):
    """Internal records: the view permission of the internal roles is the whole rule."""

    view_permission = VIEW

    def relation_reasons(self, obj, user):
        return []  # a customer is never shown an interaction, even their own


access.register(Interaction, InteractionPolicy())
__all__ = [
    "can_view_interactions", "can_work_interactions", "can_supervise_interactions", "can_intake", "can_take",
    "can_handle", "require_can_take", "require_can_handle", "require_can_note", "require_can_intake",
    "user_group_ids",
]
