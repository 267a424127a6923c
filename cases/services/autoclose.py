"""Auto-close of resolved cases (reference 2.2).

The flag: `Case.auto_close` is set when a case enters a resolved state and nothing holds it open
("Mark for Auto Close": it does not need attention, neither it nor its account has an open
escalation), and cleared when it leaves it ("Clear Auto Close", e.g. a rejected solution).
Agents may clear it on a resolved case (opt out) or set it again (PATCH `auto_close`).

The scan (`auto_close_scan`, hourly from beat through cases.tasks.autoclose):
- day AUTO_CLOSE_REMINDER_DAYS after resolution: a customer-visible comment and a notification
  ("This case is pending solution acceptance...");
- day AUTO_CLOSE_DAYS: the case closes through its lifecycle (the action from its resolved state
  to a closed one, "accept-solution" in the shipped lifecycles), taken by the system, with the
  comment "This case was auto closed.". A case is never closed sooner than
  AUTO_CLOSE_DAYS - AUTO_CLOSE_REMINDER_DAYS after its reminder: after an outage the close is
  delayed, never sent without warning.
Skipped: cases that need attention, are opted out, or whose case or account has an open
(requested or escalated) escalation.

Faults: each case is handled in its own transaction, which locks the row and checks every
condition again, so a killed worker or a second scan running at once does nothing twice; the
reminder's notification carries a dedupe key (case and resolution time), so even a retried
reminder is sent once. The scans read through two partial indexes that hold only the rows
that may become due.
"""
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases import events, hooks
from cases.choices import EventKind, StateCategory
from cases.models import Case, Escalation, LifecycleTransition
from cases.models.escalations import OPEN_ESCALATION_STATES
from cases.services import notify
from core.exceptions import Conflict

logger = logging.getLogger(__name__)

__all__ = [
    "auto_close_scan", "case_auto_close", "case_auto_close_remind", "case_auto_close_on_transition",
    "case_is_escalated", "REMINDER_TEXT", "CLOSED_TEXT",
]

REMINDER_TEXT = "This case is pending solution acceptance. It will be auto closed if you do not take action."
CLOSED_TEXT = "This case was auto closed."
BATCH = 200


def _days(name: str) -> timezone.timedelta:
    return timezone.timedelta(days=getattr(settings, name))


def _escalated_q() -> Q:
    """Cases whose own or whose account's escalation is open."""
    open_escalations = Escalation.objects.filter(state__in=OPEN_ESCALATION_STATES)
    return Q(Exists(open_escalations.filter(source="case", case_id=OuterRef("pk")))) | Q(
        Exists(open_escalations.filter(source="account", account_id=OuterRef("account_id")))
    )


def case_is_escalated(case: Case) -> bool:
    return Case.objects.filter(_escalated_q(), pk=case.pk).exists()


def case_auto_close_on_transition(case: Case, *, old_category: str) -> None:
    """Called by case_act after the state changed: Mark for / Clear Auto Close."""
    new_category = case.state_category
    if new_category == old_category:
        return
    if new_category == StateCategory.RESOLVED:
        mark = not case.needs_attention and not case_is_escalated(case)
        Case.objects.filter(pk=case.pk).update(auto_close=mark, auto_close_reminded_at=None)
        case.auto_close, case.auto_close_reminded_at = mark, None
    elif old_category == StateCategory.RESOLVED and (case.auto_close or case.auto_close_reminded_at):
        Case.objects.filter(pk=case.pk).update(auto_close=False, auto_close_reminded_at=None)
        case.auto_close, case.auto_close_reminded_at = False, None


# --- the scan ------------------------------------------------------------------------------------
def _eligible():
    """Resolved, flagged, not needing attention: the predicates of both partial indexes."""
    return Case.objects.filter(state_category=StateCategory.RESOLVED, auto_close=True, needs_attention=False)


def _due_for_reminder(now):
    return _eligible().filter(
        auto_close_reminded_at__isnull=True, resolved_at__lte=now - _days("AUTO_CLOSE_REMINDER_DAYS")
    )


def _due_for_close(now):
    gap = max(_days("AUTO_CLOSE_DAYS") - _days("AUTO_CLOSE_REMINDER_DAYS"), timezone.timedelta(0))
    return _eligible().filter(
        auto_close_reminded_at__isnull=False,
        auto_close_reminded_at__lte=now - gap,
        resolved_at__lte=now - _days("AUTO_CLOSE_DAYS"),
    )


def _due_batch(queryset, key: str, after_key, skipped: set, limit: int):
    """The next due rows in the order of their partial index (`key`, then id), from `after_key`
    on: a batch reads about `limit` index entries however long the backlog. Rows handled in this
    run have left the due list; the ones left behind (`skipped`: failed, or no longer due) are
    excluded by id."""
    queryset = queryset.exclude(_escalated_q())
    if after_key is not None:
        queryset = queryset.filter(**{f"{key}__gte": after_key})
    if skipped:
        queryset = queryset.exclude(pk__in=sorted(skipped))
    return queryset.order_by(key, "pk").values_list(key, "pk")[:limit]


def auto_close_scan(*, now=None, batch: int = BATCH) -> dict:
    """Remind and close what is due. Re-runnable at any time: each case is checked again under
    its row lock, so a case handled by an earlier or a concurrent run is left alone."""
    counts = {"reminded": 0, "closed": 0, "failed": 0}
    if not settings.AUTO_CLOSE_ENABLED:
        return counts
    now = now or timezone.now()
    for due, key, service, done in (
        (_due_for_reminder, "resolved_at", case_auto_close_remind, "reminded"),
        (_due_for_close, "auto_close_reminded_at", case_auto_close, "closed"),
    ):
        after_key, skipped, handled = None, set(), set()
        while True:
            rows = list(_due_batch(due(now), key, after_key, skipped, batch))
            if not rows:
                break
            for _, case_id in rows:
                ok = False
                if case_id not in handled:  # a handled row seen again would loop: leave it
                    try:
                        ok = service(case_id=case_id, now=now)
                    except (ValidationError, PermissionDenied, Conflict) as exc:  # stays due: next run retries
                        counts["failed"] += 1
                        logger.warning("auto-close: case %s not %s: %s", case_id, done, exc)
                handled.add(case_id)
                if ok:
                    counts[done] += 1
                else:
                    skipped.add(case_id)
            after_key = rows[-1][0]
    return counts


def _lock_if(queryset, case_id: int) -> Case | None:
    """The case, locked, when it is (still) in `queryset` and not escalated; else None."""
    return queryset.exclude(_escalated_q()).select_for_update().filter(pk=case_id).first()


@transaction.atomic
def case_auto_close_remind(*, case_id: int, now=None) -> bool:
    """Day AUTO_CLOSE_REMINDER_DAYS: remind the customer, once per resolution."""
    now = now or timezone.now()
    case = _lock_if(_due_for_reminder(now), case_id)
    if case is None:
        return False
    events.case_event_record(case=case, kind=EventKind.COMMENT, body=REMINDER_TEXT)
    case.auto_close_reminded_at = now
    case.version += 1
    case.save(update_fields=["auto_close_reminded_at", "version", "updated_at"])
    hooks.case_changed(case)
    notify.notify_auto_close_reminder(case, reminder=REMINDER_TEXT)  # mandatory, once per resolution
    return True


def _closing_action(case: Case) -> str | None:
    """The lifecycle's action from the case's resolved state to a closed one, preferring the
    customer's acceptance (the system accepts on the customer's behalf)."""
    actions = list(
        LifecycleTransition.objects.filter(
            lifecycle_id=case.lifecycle_id, source__code=case.state, target__category=StateCategory.CLOSED
        ).values_list("action", flat=True)
    )
    for preferred in ("accept-solution", "close"):
        if preferred in actions:
            return preferred
    return actions[0] if actions else None


@transaction.atomic
def case_auto_close(*, case_id: int, now=None) -> bool:
    """Day AUTO_CLOSE_DAYS: close through the lifecycle as the system."""
    from cases.services.lifecycle import case_act

    now = now or timezone.now()
    case = _lock_if(_due_for_close(now), case_id)
    if case is None:
        return False
    action = _closing_action(case)
    if action is None:
        raise ValidationError({"state": f"The lifecycle of {case.number} has no way from {case.state} to closed."})
    case_act(actor=None, system=True, case=case, action=action, comment=CLOSED_TEXT)
    return True
