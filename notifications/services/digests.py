"""Digests: the messages held for a person (their preference, or the flood guard) go out as one
message per person per period (NOTIFICATION_DIGEST_PERIOD_MINUTES, periods aligned on the clock:
hourly digests leave at the top of the hour).

Exactly once: each person's held rows are locked (`FOR UPDATE SKIP LOCKED`: a concurrent run
skips them rather than waiting) and, in the same transaction, the digest row is written and the
held rows become `digested` pointing at it. The digest's dedupe key is the person and the period,
so a second run in the same period writes no second digest; a row that missed its period's
digest (committed while the digest was being written) waits for the next one. The digest itself
is an outbox row, sent like any other."""
import datetime
import logging

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from notifications import registry
from notifications.choices import Audience, NotificationState
from notifications.models import Notification
from notifications.rendering import render
from notifications.services.outbox import notification_release, notification_write
from notifications.services.templates import notification_template_text

log = logging.getLogger(__name__)

__all__ = ["notification_digests_send", "digest_period_end"]
DIGEST_EVENT = "notification.digest"
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def digest_period_end(now: datetime.datetime) -> datetime.datetime:
    """The start of the current period = the end of the last complete one."""
    period = datetime.timedelta(minutes=max(1, settings.NOTIFICATION_DIGEST_PERIOD_MINUTES))
    return EPOCH + ((now - EPOCH) // period) * period


def _held(end: datetime.datetime):
    return Notification.objects.filter(state=NotificationState.HELD, created_at__lt=end)


def notification_digests_send(*, now: datetime.datetime | None = None, limit: int = 1000) -> dict:
    """The beat's digest run: one digest for each person with messages held before the current
    period began. Re-runnable and safe beside a concurrent run."""
    end = digest_period_end(now or timezone.now())
    people = list(_held(end).order_by().values_list("recipient_id", "to_address").distinct()[:limit])
    digests = messages = 0
    done = set()
    for recipient_id, address in people:
        key = ("u", recipient_id) if recipient_id is not None else ("a", address)
        if key in done:  # one user, rows written to two addresses: one digest
            continue
        done.add(key)
        sent = _digest_one(key, end)
        if sent:
            digests += 1
            messages += sent
    return {"digests": digests, "messages": messages}


DIGEST_LOCK_CLASS = 7201  # the advisory-lock namespace of digest runs


def _claim(person: str) -> bool:
    """One run at a time per person, for this transaction. SKIP LOCKED alone is not enough: it
    locks rows as it reads them, so two runs could each take part of one person's messages, and
    the loser's part would wait a whole period. SQLite runs one writer at a time anyway."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [DIGEST_LOCK_CLASS, person])
        return bool(cursor.fetchone()[0])


@transaction.atomic
def _digest_one(key: tuple[str, object], end: datetime.datetime) -> int:
    kind, who = key
    person = f"u{who}" if kind == "u" else f"a{who.lower()}"
    if not _claim(person):
        return 0  # another run is writing this person's digest now
    held = _held(end).filter(recipient_id=who) if kind == "u" else _held(end).filter(recipient__isnull=True, to_address=who)
    rows = list(held.select_for_update(skip_locked=True, of=("self",)).select_related("recipient").order_by("created_at", "id"))
    if not rows:
        return 0  # another run has them
    audience = Audience.INTERNAL if any(r.audience == Audience.INTERNAL for r in rows) else Audience.CUSTOMER
    text = notification_template_text(DIGEST_EVENT, audience)
    if text is None:  # an admin switched digests off: the held messages go out one by one
        return _release_each(rows)
    recipient = rows[0].recipient if kind == "u" else None
    address = rows[-1].to_address if kind == "a" else (getattr(recipient, "email", "") or rows[-1].to_address)
    when = f"{end:%Y-%m-%d %H:%M} UTC"
    context = {
        "count": len(rows),
        "period_end": when,
        "items": [
            {"subject": r.subject, "body": r.body, "created_at": f"{r.created_at:%Y-%m-%d %H:%M} UTC"} for r in rows
        ],
    }
    spec = registry.event(DIGEST_EVENT)
    try:
        subject, body = render(text[0], text[1], context)
    except Exception:  # noqa: BLE001  (an admin's broken digest text: the shipped one)
        log.exception("digest template failed; sending the shipped text")
        default = spec.texts[audience]
        subject, body = render(default.subject, default.body, context)
    digest, created = notification_write(
        event=DIGEST_EVENT, subject=subject, body=body, recipient=recipient, to_address=address,
        dedupe_key=f"digest:{person}:{end:%Y%m%dT%H%M}"[:200], audience=audience,
    )
    if not created:
        return 0  # this period's digest went already; these wait for the next one
    Notification.objects.filter(pk__in=[r.pk for r in rows], state=NotificationState.HELD).update(
        state=NotificationState.DIGESTED, digest=digest, updated_at=timezone.now()
    )
    return len(rows)


def _release_each(rows: list[Notification]) -> int:
    for row in rows:
        notification_release(actor=None, notification=row)
    return 0
