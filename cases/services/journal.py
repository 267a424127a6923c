"""The journal: customer-visible comments and internal work notes."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases import events, hooks, permissions
from cases.choices import Actor, EventKind, StateCategory
from cases.models import Case, CaseEvent, LifecycleTransition
from cases.services import attention, limits, notify
from cases.services.cases import case_lock_for_change

__all__ = ["case_comment_add", "case_work_note_add"]


def _body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    return body


@transaction.atomic
def case_comment_add(*, actor, case: Case, body: str) -> CaseEvent:
    """A customer-visible comment. A customer's comment on a case awaiting info reopens it."""
    body = _body(body)
    case = case_lock_for_change(case, action="comment")
    kind = permissions.actor_kind(actor, case)
    if kind is None:
        raise PermissionDenied("You cannot comment on this case.")
    if kind == Actor.CUSTOMER:
        limits.limit_check_comment(actor, case)
    entry = events.case_event_record(case=case, kind=EventKind.COMMENT, actor=actor, body=body)
    attention.case_attention_on_comment(case, actor, kind)  # reference 2.3: flags it for its owner
    if kind == Actor.AGENT and not case.first_response_at:
        case.first_response_at = timezone.now()
    case.version += 1
    case.save()
    hooks.case_changed(case)
    notify.notify_case_comment(case, entry, actor)
    if kind == Actor.CUSTOMER and case.state_category == StateCategory.AWAITING:
        customer_reply_reopens(case, actor)
    return entry


def customer_reply_reopens(case: Case, actor) -> None:
    """A reply from the customer side (a comment, a file) to a case awaiting info reopens it,
    where the case's lifecycle has that transition for the customer."""
    from cases.services.lifecycle import case_act

    has_reply = LifecycleTransition.objects.filter(
        lifecycle_id=case.lifecycle_id, action="info-received", source__code=case.state, actor=Actor.CUSTOMER
    ).exists()
    if has_reply:
        case_act(actor=actor, case=case, action="info-received")


@transaction.atomic
def case_work_note_add(*, actor, case: Case, body: str) -> CaseEvent:
    """An internal work note: agents only, never shown to the customer side."""
    body = _body(body)
    case = case_lock_for_change(case, action="work-note")
    permissions.require_can_work_case(actor)
    entry = events.case_event_record(case=case, kind=EventKind.WORK_NOTE, actor=actor, body=body)
    case.version += 1
    case.save()
    hooks.case_changed(case)
    notify.notify_case_work_note(case, entry, actor)
    return entry
