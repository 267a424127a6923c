"""Lifecycle actions: the transitions of the case's lifecycle (data), enforced by django-fsm.

One service, `case_act`, takes any action of any lifecycle: it finds the transition for the
case's state and the caller's side (agent or customer), checks the inputs the transition
requires, applies what the standard actions record, moves the state through the FSM and writes
the timeline. Refusals: 409 (not allowed from this state; names the state and the allowed
actions), 403 (allowed here, but not for this caller), 400 (a required input is missing)."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from cases import events, hooks, permissions
from cases.choices import Actor, EventKind, ResolutionCode, StateCategory
from cases.models import Case, LifecycleTransition
from cases.selectors import transitions_from
from cases.services import attention, autoclose, notify, work
from cases.services.cases import case_lock_for_change
from core.exceptions import Conflict, InvalidTransition

__all__ = ["case_act", "case_allowed_actions", "case_transitions_for"]

SYSTEM = "system"  # the kind of a system action (case_act(system=True))
INPUTS = ("comment", "work_note", "reason", "resolution_code", "close_notes", "notes_to_comments")


def case_transitions_for(case: Case, user) -> list[LifecycleTransition]:
    """The transitions this user may take on this case now."""
    kind = permissions.actor_kind(user, case)
    if kind is None or case.is_read_only:
        return []
    rows = transitions_from(case=case)
    return [t for t in rows if t.actor in (kind, Actor.ANY) and _actor_specific_ok(t, case, user)]


def _actor_specific_ok(transition: LifecycleTransition, case: Case, user) -> bool:
    if transition.action == "accept":  # only the assignee accepts an assigned case
        return case.assigned_to_id == user.pk
    return True


def case_allowed_actions(case: Case, user) -> list[str]:
    return sorted({t.action for t in case_transitions_for(case, user)})


@transaction.atomic
def case_act(*, actor, case: Case, action: str, system: bool = False, **inputs) -> Case:
    """`system=True` (with `actor=None`): the product itself acts, e.g. auto-close; it may take the
    transition of either side. Internal callers only; no interface passes it."""
    unknown = sorted(set(inputs) - set(INPUTS))
    if unknown:
        raise ValidationError({name: "This action takes no such input." for name in unknown})
    case = case_lock_for_change(case, action=action)
    kind = SYSTEM if system and actor is None else permissions.actor_kind(actor, case)
    if kind is None:
        raise PermissionDenied("You cannot act on this case.")
    here = [t for t in transitions_from(case=case) if t.action == action]
    if not here:
        raise InvalidTransition(action=action, state=case.state, allowed=case_allowed_actions(case, actor))
    mine = [t for t in here if t.actor in (kind, Actor.ANY) or kind == SYSTEM]
    if not mine:
        sides = " or ".join(sorted({t.get_actor_display().split(" (")[0].lower() for t in here}))
        raise PermissionDenied(f"Only the {sides} side may {action.replace('-', ' ')} this case.")
    transition = mine[0]
    if kind != SYSTEM and not _actor_specific_ok(transition, case, actor):
        raise PermissionDenied("Only the assignee accepts a case assigned to them.")
    if transition.target.category in (StateCategory.RESOLVED, StateCategory.CLOSED):
        blocking = work.case_lines_block_close(case)
        if blocking:
            raise ValidationError({"lines": f"Resolve or cancel these case lines first: {', '.join(blocking)}."})
    missing = [name for name in transition.required_fields if not str(inputs.get(name) or "").strip()]
    if missing:
        raise ValidationError({name: f"'{transition.label}' needs {name.replace('_', ' ')}." for name in missing})

    old_state, old_category = case.state, case.state_category
    _record_effects(case, actor, kind, transition, inputs)
    case._pending_transition = transition
    try:
        case.move(transition)
    except TransitionNotAllowed:
        raise InvalidTransition(action=action, state=case.state, allowed=case_allowed_actions(case, actor)) from None
    case.version += 1
    try:
        case.save()
        hooks.case_changed(case)
    except ConcurrentTransition:
        raise Conflict(f"{case.number} changed state meanwhile; reload it.") from None
    state_event = events.case_event_record(
        case=case, kind=EventKind.STATE_CHANGED, actor=actor, field="state", old=old_state, new=case.state,
        body=transition.label,
    )
    comment = _record_journal(case, actor, kind, action, inputs)
    work.case_lines_on_case_transition(case, old_category, case.state_category, actor)
    attention.case_blocked_by_on_transition(case, old_category=old_category, kind=kind)  # reference 2.3
    autoclose.case_auto_close_on_transition(case, old_category=old_category)  # reference 2.2
    notify.notify_case_transition(
        case, actor, kind=kind, old_category=old_category, state_event=state_event, comment=comment,
        work_note=inputs.get("work_note") or "",
    )
    return case


def _record_effects(case: Case, actor, kind: str, transition: LifecycleTransition, inputs: dict) -> None:
    """What the standard actions record on the case (reference 2.1)."""
    now = timezone.now()
    action, target = transition.action, transition.target.category
    if action == "assign-to-me":
        if case.assignment_group_id and not case.assignment_group.members.filter(pk=actor.pk).exists():
            raise ValidationError({"assigned_to": f"You are not a member of {case.assignment_group}."})
        if case.assigned_to_id and case.assigned_to_id != actor.pk:
            case.reassignment_count += 1
        case.assigned_to, case.assigned_at = actor, now
    if "resolution_code" in inputs and inputs["resolution_code"]:
        if inputs["resolution_code"] not in ResolutionCode.values:
            raise ValidationError(
                {"resolution_code": f"Use one of: {', '.join(ResolutionCode.values)}."}
            )
        case.resolution_code = inputs["resolution_code"]
    if inputs.get("close_notes"):
        case.close_notes = inputs["close_notes"]
    if kind == Actor.AGENT and target in (StateCategory.AWAITING, StateCategory.RESOLVED) and not case.first_response_at:
        case.first_response_at = now
    if target == StateCategory.RESOLVED:
        case.resolved_at, case.resolved_by = now, actor
    if target in (StateCategory.CLOSED, StateCategory.CANCELLED):
        case.closed_at, case.closed_by = now, actor
        if kind == Actor.CUSTOMER and action == "close":
            case.resolution_code = case.resolution_code or ResolutionCode.BY_CUSTOMER
            case.close_notes = case.close_notes or "Closed by customer."
        if not case.resolved_at and target == StateCategory.CLOSED:
            case.resolved_at, case.resolved_by = now, actor
    if case.state_category == StateCategory.RESOLVED and target == StateCategory.OPEN:
        case.reopen_count += 1  # a rejected solution (or any way back from resolved) reopens
        case.resolved_at = case.resolved_by = None


def _record_journal(case: Case, actor, kind: str, action: str, inputs: dict) -> str:
    """Record the action's comment and work note; answer the comment (customer-visible) text."""
    comment = inputs.get("comment") or inputs.get("reason")
    if action == "propose-solution" and inputs.get("notes_to_comments"):
        comment = "\n\n".join(p for p in (comment, inputs.get("close_notes")) if p)
    if comment:
        events.case_event_record(case=case, kind=EventKind.COMMENT, actor=actor, body=comment)
    if inputs.get("work_note"):
        if kind != Actor.AGENT:
            raise PermissionDenied("Only agents write work notes.")
        events.case_event_record(case=case, kind=EventKind.WORK_NOTE, actor=actor, body=inputs["work_note"])
    return comment or ""
