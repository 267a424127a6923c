"""The journal: customer-visible comments and internal work notes."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases import events, hooks, permissions
from cases.choices import Actor, EventKind, StateCategory
from cases.models import Case, CaseEvent
from cases.services import attention, limits, notify
from cases.selectors import transitions_from
from cases.services.cases import case_lock_for_change

__all__ = ["case_comment_add", "case_work_note_add", "sender_kind"]


def _body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    return body


def sender_kind(actor, case: Case, sender) -> str | None:
    """The side a writer acts for. `sender` (a Contact or Consumer) is for trusted callers only
    (`actor=None`): a person writing through a channel without a login, inbound mail. They act
    for the customer side when `permissions.person_may_write` says they may."""
    if sender is None:
        return permissions.actor_kind(actor, case)
    if actor is not None:
        raise ValueError("sender is given by trusted callers only, with actor=None.")
    return Actor.CUSTOMER if permissions.person_may_write(sender, case) else None


def sender_user(sender):
    """The sender's active login, recorded as the author when they have one."""
    user = getattr(sender, "user", None)
    return user if user is not None and user.is_active else None


@transaction.atomic
def case_comment_add(*, actor, case: Case, body: str, sender=None) -> CaseEvent:
    """A customer-visible comment. A customer's comment on a case awaiting info reopens it.
    `sender`: see `sender_kind` (inbound mail); an internal "email" entry says who wrote it."""
    body = _body(body)
    case = case_lock_for_change(case, action="comment")
    kind = sender_kind(actor, case, sender)
    if kind is None:
        raise PermissionDenied("You cannot comment on this case.")
    author = actor if sender is None else sender_user(sender)
    if kind == Actor.CUSTOMER:
        limits.limit_check_comment(author, case)  # consumer limits (reference): portal, API and mail alike
    entry = events.case_event_record(case=case, kind=EventKind.COMMENT, actor=author, body=body)
    if sender is not None:
        events.case_event_record(
            case=case, kind=EventKind.EMAIL, actor=author, customer_visible=False,
            body=f"Comment received by email from {sender} <{sender.email}>.",
        )
    attention.case_attention_on_comment(case, author, kind)  # reference 2.3: flags it for its owner
    if kind == Actor.AGENT and not case.first_response_at:
        case.first_response_at = timezone.now()
    case.version += 1
    case.save()
    hooks.case_changed(case)
    notify.notify_case_comment(case, entry, author, sender=sender)
    if kind == Actor.CUSTOMER and case.state_category == StateCategory.AWAITING:
        customer_reply_reopens(case, actor if sender is None else None)
    return entry


def customer_reply_reopens(case: Case, actor) -> None:
    """A reply from the customer side (a comment, a file) to a case awaiting info reopens it,
    where the case's lifecycle has that transition for the customer. `actor=None`: the reply
    came by mail from a person the caller already checked (the system takes the transition)."""
    from cases.services.lifecycle import case_act

    has_reply = any(
        t.action == "info-received" and t.actor == Actor.CUSTOMER for t in transitions_from(case=case)
    )
    if has_reply:
        case_act(actor=actor, case=case, action="info-received", system=actor is None)


@transaction.atomic
def case_work_note_add(*, actor, case: Case, body: str, system: bool = False) -> CaseEvent:
    """An internal work note: agents only, never shown to the customer side. `system=True` (with
    `actor=None`): the product itself notes something, e.g. files of an email it refused."""
    body = _body(body)
    case = case_lock_for_change(case, action="work-note")
    if not (system and actor is None):
        permissions.require_can_work_case(actor)
    entry = events.case_event_record(case=case, kind=EventKind.WORK_NOTE, actor=actor, body=body)
    case.version += 1
    case.save()
    hooks.case_changed(case)
    notify.notify_case_work_note(case, entry, actor)
    return entry
