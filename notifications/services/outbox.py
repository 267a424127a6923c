"""Every write to the outbox. Callers enqueue inside their own transaction; the message leaves
the process only after commit, from a Celery task, and at most once per row."""
import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import connection, models, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from notifications.choices import NotificationState
from notifications.models import Notification

log = logging.getLogger(__name__)

__all__ = [
    "HoldWhen", "notification_enqueue", "notification_write", "notification_build", "notification_write_batch",
    "notification_requeue_due", "notification_resend",
    "notification_release", "notification_send",
]


@dataclass(frozen=True)
class HoldWhen:
    """An SQL condition the row's own INSERT evaluates: true, and the row is written held (kept for
    the digest, not sent on its own). The flood guard uses it to count and write in one statement."""

    sql: str
    params: list


def _related_ref(obj: models.Model | None) -> str:
    return "" if obj is None else f"{obj._meta.label_lower}:{obj.pk}"


def notification_enqueue(
    *,
    event: str,
    subject: str,
    body: str,
    recipient=None,
    to_address: str = "",
    dedupe_key: str | None = None,
    related: models.Model | None = None,
    headers: dict | None = None,
    audience: str = "",
    hold: bool = False,
) -> Notification:
    """Write one outbox row (in the caller's transaction) and queue its sending after commit.
    With a `dedupe_key` already used, the existing row is returned and nothing more is sent.
    `hold=True` keeps the row for the person's next digest instead (not sent on its own)."""
    row, _created = notification_write(
        event=event, subject=subject, body=body, recipient=recipient, to_address=to_address, dedupe_key=dedupe_key,
        related=related, headers=headers, audience=audience, hold=hold,
    )
    return row


def notification_write(
    *,
    event: str,
    subject: str,
    body: str,
    recipient=None,
    to_address: str = "",
    dedupe_key: str | None = None,
    related: models.Model | None = None,
    headers: dict | None = None,
    audience: str = "",
    hold: bool = False,
    hold_when: HoldWhen | None = None,
) -> tuple[Notification, bool]:
    """notification_enqueue, also saying whether the row is new (False: the dedupe key was taken).
    `hold_when`: hold the row if this condition is true when it is written."""
    row = notification_build(
        event=event, subject=subject, body=body, recipient=recipient, to_address=to_address, dedupe_key=dedupe_key,
        related=related, headers=headers, audience=audience, hold=hold,
    )
    decided = hold_when is not None and not hold
    if decided:  # the INSERT decides: held (no next attempt), or pending as built
        planned = row.next_attempt_at
        _STATE.set_state(row, RawSQL(  # django-fsm's own setter: the field is protected
            f"CASE WHEN {hold_when.sql} THEN %s ELSE %s END",
            [*hold_when.params, NotificationState.HELD.value, NotificationState.PENDING.value],
            output_field=models.CharField(),
        ))
        row.next_attempt_at = RawSQL(
            f"CASE WHEN {hold_when.sql} THEN NULL ELSE %s END",
            [*hold_when.params, connection.ops.adapt_datetimefield_value(planned)], output_field=models.DateTimeField(),
        )
    if dedupe_key or decided:
        # INSERT [... ON CONFLICT DO NOTHING] RETURNING id, state: one round trip and no savepoint.
        # No id back means the key was written first by someone else: that row stands, exactly once.
        if not _insert_returning(row):
            return Notification.objects.get(dedupe_key=dedupe_key), False
        if decided:
            row.next_attempt_at = None if row.state == NotificationState.HELD else planned
    else:
        row.save()
    if row.state != NotificationState.HELD:
        transaction.on_commit(lambda pk=row.pk: _queue(pk))
    return row, True


_STATE = Notification._meta.get_field("state")


def _insert_returning(row: Notification) -> bool:
    """Insert `row` unless its dedupe key is taken; True (and `row.pk`, its state and next attempt
    set from the database) if it was inserted. QuerySet._insert is Django's internal step of
    bulk_create: bulk_create itself returns no ids when it ignores conflicts."""
    from django.db import connections, router
    from django.db.models import AutoField
    from django.db.models.constants import OnConflict

    using = router.db_for_write(Notification)
    opts = Notification._meta
    if not connections[using].features.can_return_columns_from_insert:  # no RETURNING: read it back
        if not row.dedupe_key:
            raise ValueError("Without RETURNING a row is read back by its dedupe key.")
        Notification.objects.bulk_create([row], ignore_conflicts=True)
        saved = Notification.objects.get(dedupe_key=row.dedupe_key)
        if saved.message_id != row.message_id:
            return False
        pk, state = saved.pk, saved.state
    else:
        fields = [f for f in opts.concrete_fields if not f.generated and not isinstance(f, AutoField)]
        returned = Notification.objects._insert(
            [row], fields=fields, returning_fields=[opts.pk, _STATE], using=using,
            on_conflict=OnConflict.IGNORE if row.dedupe_key else None,
        )
        if not returned or returned[0] is None:
            return False
        pk, state = returned[0]
    row.pk = pk
    _STATE.set_state(row, state)
    row._state.adding, row._state.db = False, using
    return True


def notification_build(
    *,
    event: str,
    subject: str,
    body: str,
    recipient=None,
    to_address: str = "",
    dedupe_key: str | None = None,
    related: models.Model | None = None,
    headers: dict | None = None,
    audience: str = "",
    hold: bool = False,
) -> Notification:
    """One outbox row, checked and built but not saved (`notification_write_batch` saves many)."""
    to_address = to_address or getattr(recipient, "email", "") or ""
    if recipient is None and not to_address:
        raise ValidationError({"to_address": "A notification needs a recipient or an address."})
    state = NotificationState.HELD if hold else NotificationState.PENDING
    next_attempt_at = None if hold else timezone.now() + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    return Notification(
        event=event, subject=subject[:255], body=body, recipient=recipient, to_address=to_address,
        dedupe_key=dedupe_key or None, related=_related_ref(related), headers=headers or {}, audience=audience,
        # Fixed when the row is written, so a retry after a crash resends the same message (mail
        # clients fold copies with one Message-ID) and replies can thread to it.
        message_id=make_msgid(domain=settings.NOTIFICATION_MESSAGE_ID_DOMAIN),
        next_attempt_at=next_attempt_at,
        state=state,  # a protected FSM field may be set once, when the row is built
    )


def notification_write_batch(rows: list[Notification]) -> list[Notification]:
    """Save many built rows (`notification_build`) in the caller's transaction, in two statements
    whatever their number: one INSERT ... ON CONFLICT DO NOTHING for all of them, one read of their
    dedupe keys. A key already used keeps its first row, so nothing is sent twice. Returns the
    rows written now; those not held are queued after commit. For the beat's scans, which write
    hundreds of notices at a time."""
    keyed = [row for row in rows if row.dedupe_key]
    written = Notification.objects.bulk_create([row for row in rows if not row.dedupe_key])
    if keyed:
        Notification.objects.bulk_create(keyed, ignore_conflicts=True)
        saved = {n.dedupe_key: n for n in Notification.objects.filter(dedupe_key__in={r.dedupe_key for r in keyed})}
        mine = {row.dedupe_key: saved[row.dedupe_key] for row in keyed if saved[row.dedupe_key].message_id == row.message_id}
        written += mine.values()
    for row in written:
        if row.state != NotificationState.HELD:
            transaction.on_commit(lambda pk=row.pk: _queue(pk))
    return written


def _queue(notification_id: int) -> None:
    """Hand the row to the broker. If the broker is down the row stays pending and the beat
    queues it again once `next_attempt_at` passes: delayed, never lost."""
    from notifications.tasks import send_notification_task

    try:
        send_notification_task.delay(notification_id)
    except Exception:  # broker outage: the beat's re-queue picks the row up
        log.warning("could not queue notification %s; the beat will retry", notification_id, exc_info=True)


def notification_send(notification_id: int) -> Notification | None:
    """Send one pending row. The row lock and the state check make a second delivery of the
    same task a no-op, so a message is never sent twice."""
    with transaction.atomic():
        row = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if row is None or row.state != NotificationState.PENDING:
            return row
        now = timezone.now()
        address = row.to_address or getattr(row.recipient, "email", "")
        try:
            if not address:
                raise ValueError("The recipient has no email address.")
            row.message_id = row.message_id or make_msgid(domain=settings.NOTIFICATION_MESSAGE_ID_DOMAIN)
            message = EmailMessage(
                subject=row.subject, body=row.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
                # Auto-Submitted (RFC 3834): autoresponders must not answer a notification.
                headers={"Message-ID": row.message_id, "Auto-Submitted": "auto-generated", **row.headers},
            )
            message.send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001  (any delivery error is recorded on the row)
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS or not address:
                row.mark_failed()
                row.next_attempt_at = None
            else:  # exponential backoff: 1, 2, 4, 8 ... minutes
                row.next_attempt_at = now + timedelta(minutes=2 ** (row.attempts - 1))
            row.save()
            return row
        row.attempts += 1
        row.mark_sent()
        row.sent_at, row.next_attempt_at, row.last_error = now, None, ""
        row.save()
        return row


def notification_requeue_due(*, limit: int = 500) -> int:
    """The beat's safety net: queue pending rows whose time has come (their first message was
    lost, the broker was down, or a retry is due). Moves each row's next attempt forward so a
    row waiting in the queue is not queued again every minute."""
    now = timezone.now()
    later = now + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(state=NotificationState.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(next_attempt_at=later)
    for pk in ids:
        _queue(pk)
    return len(ids)


@transaction.atomic
def notification_resend(*, actor, notification: Notification) -> Notification:
    """Send a failed (or already sent) message again, from the admin."""
    if actor is not None and not actor.has_perm("notifications.change_notification"):
        raise PermissionDenied("You cannot resend notifications.")
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.state == NotificationState.PENDING:
        return row
    row.requeue()
    row.attempts, row.last_error = 0, ""
    row.next_attempt_at = timezone.now() + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    row.save()
    transaction.on_commit(lambda pk=row.pk: _queue(pk))
    return row


@transaction.atomic
def notification_release(*, actor, notification: Notification) -> Notification:
    """Send a message held for a digest on its own now (from the admin)."""
    if actor is not None and not actor.has_perm("notifications.change_notification"):
        raise PermissionDenied("You cannot release notifications.")
    row = Notification.objects.select_for_update().get(pk=notification.pk)
    if row.state != NotificationState.HELD:
        return row
    row.release()
    row.next_attempt_at = timezone.now() + timedelta(seconds=settings.NOTIFICATION_REQUEUE_AFTER_SECONDS)
    row.save()
    transaction.on_commit(lambda pk=row.pk: _queue(pk))
    return row
