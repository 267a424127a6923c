"""Work a change does for others, after its commit: today the customer's "case opened" mail.

Opening a case answers its caller with the case; the mail to the customer side (its contact or
consumer: their preferences, the flood guard, the template, the outbox row) is nobody's answer,
so it runs after commit in a Celery task instead of inside the creating request. It stays exactly
once and is never lost:

- The "created" timeline entry is written in the creating transaction with `followup_pending`
  set (no extra statement: the flag rides in that INSERT). The task is queued on commit.
- `case_followup_run` locks the entry, does the work only while the flag is set, and clears the
  flag in the same transaction as the outbox rows it writes (each with its dedupe key). A second
  delivery of the task, or the beat and a task at once, finds the flag cleared and does nothing.
- A worker killed mid-task rolls the transaction back (flag still set); `acks_late` delivers the
  task again. A broker that is down when the case commits loses only the nudge: the beat's
  `case_followups_run_due` (every minute, a partial index on pending entries) runs every entry
  left pending for more than FOLLOWUP_GRACE. Delayed, never lost, never doubled.

A creation whose contact or consumer is the creator (a customer opening their own case) has
nobody to tell (the author is never told of their own change): no flag, no task.
"""
import datetime
import logging

from django.db import transaction
from django.utils import timezone

from cases.choices import EventKind
from cases.models import CaseEvent
from cases.services import notify
from cases.tasks.followups import run_case_followup_task

log = logging.getLogger(__name__)

__all__ = ["case_followup_needed", "case_followup_queue", "case_followup_run", "case_followups_run_due"]
FOLLOWUP_GRACE = datetime.timedelta(minutes=1)  # a task queued on commit has had its chance by then
DUE_BATCH = 200


def case_followup_needed(case, actor) -> bool:
    """Whether a new case's creation leaves anyone to tell: not when its customer is the creator."""
    party = case.contact if case.contact_id else case.consumer if case.consumer_id else None
    if party is None:
        return False
    return not (actor is not None and party.user_id is not None and party.user_id == getattr(actor, "pk", None))


def case_followup_queue(event: CaseEvent) -> None:
    """Queue the event's follow-up once the creating transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda pk=event.pk: _queue(pk))


def _queue(event_id: int) -> None:
    try:
        run_case_followup_task.delay(event_id)
    except Exception:  # broker outage: the beat's case_followups_run_due runs it a minute later
        log.warning("could not queue the follow-up of case event %s; the beat will run it", event_id, exc_info=True)


def case_followup_run(event_id: int) -> bool:
    """Do the event's follow-up if it is still pending; True if it ran now."""
    with transaction.atomic():
        event = (
            CaseEvent.objects.select_for_update(of=("self",))
            .select_related("case", "author")
            .filter(pk=event_id, followup_pending=True)
            .first()
        )
        if event is None:
            return False
        if event.kind == EventKind.CREATED:
            notify.notify_case_created(event.case, event.author)
        CaseEvent.objects.filter(pk=event.pk).update(followup_pending=False)
    return True


def case_followups_run_due(*, now: datetime.datetime | None = None, grace: datetime.timedelta = FOLLOWUP_GRACE,
                           limit: int = DUE_BATCH) -> int:
    """The beat's safety net: run the follow-ups left pending longer than `grace` (their task was
    lost with the broker, or is still failing), oldest first, each in its own transaction."""
    now = now or timezone.now()
    due = list(
        CaseEvent.objects.filter(followup_pending=True, created_at__lte=now - grace)
        .order_by("created_at").values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if case_followup_run(pk))
