"""Needs attention and "blocked by" (reference 2.3, the Case Action Status rules).

`needs_attention` is set when:
- a blocking record resolves: a case task ending (cases.services.work), or the customer answering
  a request for information (below);
- the customer side, or anyone other than the case's assignee, adds a comment (journal); an
  agent's comment on a case nobody is assigned to flags nothing (there is no owner to tell), as
  for replies on case tasks.
Only the assignee, a manager or an admin clears it (`case_attention_clear`, and PATCH
`needs_attention: false` goes through the same check).

"Blocked by: Need information from the customer": opened when the case enters an awaiting state
(an agent's request for information), resolved when it leaves it. When the customer side's action
ends the wait (their reply), the case needs attention; when an agent takes "info received"
themselves, it does not (they already know).
"""
from django.db import transaction
from django.utils import timezone

from cases import events, hooks, permissions_escalations
from cases.choices import Actor, EventKind, StateCategory
from cases.models import Case, CaseBlocker
from cases.models.work import BlockerReason
from cases.services.cases import case_lock_for_change

__all__ = ["case_attention_clear", "case_attention_on_comment", "case_blocked_by_on_transition", "case_blocked_sync"]


def case_blocked_sync(case: Case) -> None:
    """Make `case.blocked` say whether the case has an open blocker. Every service that opens or
    resolves a blocker calls it in the same transaction (the case row is already locked)."""
    blocked = CaseBlocker.objects.filter(case_id=case.pk, resolved_at__isnull=True).exists()
    if case.blocked != blocked:
        Case.objects.filter(pk=case.pk).update(blocked=blocked)
    case.blocked = blocked


def case_attention_on_comment(case: Case, actor, kind: str | None) -> None:
    """Called by case_comment_add before it saves the case: flag it for its owner when someone
    else commented. Only the in-memory case changes; the caller saves."""
    if kind == Actor.CUSTOMER or case.assigned_to_id not in (None, getattr(actor, "pk", None)):
        case.needs_attention = True


def _flag(case: Case) -> None:
    if not case.needs_attention:
        Case.objects.filter(pk=case.pk).update(needs_attention=True)
        case.needs_attention = True


def case_blocked_by_on_transition(case: Case, *, old_category: str, kind: str | None) -> None:
    """Called by case_act after the state changed."""
    new_category = case.state_category
    if new_category == old_category:
        return
    now = timezone.now()
    if new_category == StateCategory.AWAITING:
        if not CaseBlocker.objects.filter(case=case, reason=BlockerReason.CUSTOMER_INFO, resolved_at__isnull=True).exists():
            CaseBlocker.objects.create(case=case, reason=BlockerReason.CUSTOMER_INFO, created_at=now)
        case_blocked_sync(case)
    elif old_category == StateCategory.AWAITING:
        resolved = CaseBlocker.objects.filter(
            case=case, reason=BlockerReason.CUSTOMER_INFO, resolved_at__isnull=True
        ).update(resolved_at=now)
        case_blocked_sync(case)
        if resolved and kind == Actor.CUSTOMER:
            _flag(case)


@transaction.atomic
def case_attention_clear(*, actor, case: Case) -> Case:
    """The assignee, a manager or an admin has seen what needed attention."""
    case = case_lock_for_change(case, action="clear-attention")
    permissions_escalations.require_can_clear_attention(actor, case)
    if not case.needs_attention:
        return case
    case.needs_attention = False
    case.version += 1
    case.save(update_fields=["needs_attention", "version", "updated_at"])
    hooks.case_changed(case)
    events.case_event_record(
        case=case, kind=EventKind.FIELD_CHANGED, actor=actor, field="needs_attention", old="True", new="False"
    )
    return case
