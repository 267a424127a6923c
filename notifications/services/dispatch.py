"""From an event to outbox rows: one call per event, for everyone who should hear of it.

`notification_fanout` renders the event's template once per audience from the context the
caller built for that audience, drops the author of the change, applies each person's
preferences (email off: nothing; digest: held), the flood guard (more than NOTIFICATION_FLOOD_LIMIT
messages to one person within NOTIFICATION_FLOOD_WINDOW_MINUTES: the rest of the window is held
for the digest) and writes one row per person with a dedupe key, in the caller's transaction.
Mandatory events ignore opt-outs, digests and the flood guard.

Threading: messages about one thing (a case) share a thread root `<case-CS0000001@domain>`:
`In-Reply-To` and `References` point at it and the subject starts with `[CS0000001]`, so replies
thread in the reader's mail client and the inbound side can match them."""
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from notifications import registry
from notifications.choices import Delivery, NotificationState
from notifications.models import Notification
from notifications.rendering import render
from notifications.services.outbox import HoldWhen, notification_build, notification_write
from notifications.services.preferences import default_preference, notification_preferences_for
from notifications.services.templates import notification_template_text

log = logging.getLogger(__name__)

__all__ = ["Recipient", "notification_fanout", "thread_headers", "thread_root"]


@dataclass(frozen=True)
class Recipient:
    """One person to tell: a user (their address, unless `address` is given) or a bare address,
    and the audience whose template they get."""

    audience: str
    user: object = None
    address: str = ""

    @property
    def email(self) -> str:
        return (self.address or getattr(self.user, "email", "") or "").strip()

    @property
    def key(self) -> str:
        if self.user is not None:
            return f"u{self.user.pk}"
        return "a" + hashlib.sha1(self.email.lower().encode()).hexdigest()[:16]


def thread_root(key: str) -> str:
    """The Message-ID every message of one thread refers to, e.g. `<case-CS0000001@domain>`."""
    return f"<{key}@{settings.NOTIFICATION_MESSAGE_ID_DOMAIN}>"


def thread_headers(key: str) -> dict:
    root = thread_root(key)
    return {"In-Reply-To": root, "References": root}


def _people(recipients, author, author_address: str = "") -> list[Recipient]:
    """Each person once (by login and by address), never the author (by login, by the login's
    address, or by `author_address`: someone who wrote by mail), never without an address."""
    author_pk = getattr(author, "pk", None) if getattr(author, "is_authenticated", False) else None
    author_email = (getattr(author, "email", "") or "").strip().lower() if author_pk else ""
    also_author = (author_address or "").strip().lower()
    seen_users, seen_addresses, people = set(), set(), []
    for person in recipients:
        email = person.email.lower()
        user_pk = getattr(person.user, "pk", None)
        if not email or (user_pk is not None and user_pk == author_pk) or (author_email and email == author_email):
            continue
        if also_author and email == also_author:
            continue
        if (user_pk is not None and user_pk in seen_users) or email in seen_addresses:
            continue
        if user_pk is not None:
            seen_users.add(user_pk)
        seen_addresses.add(email)
        people.append(person)
    return people


def _flood_sql(person: Recipient) -> tuple[str, list]:
    """The person's messages of the flood window that were sent or are on their way, counted up to
    the limit (all that the guard needs): SQL and its parameters. Plain SQL on the recipient's (id or
    address, created_at) index: this runs for every message of every case change."""
    since = timezone.now() - timedelta(minutes=settings.NOTIFICATION_FLOOD_WINDOW_MINUTES)
    table = connection.ops.quote_name(Notification._meta.db_table)
    if person.user is not None:
        who, params = "recipient_id = %s", [person.user.pk]
    else:
        who, params = "recipient_id IS NULL AND to_address = %s", [person.email]
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {who} AND created_at >= %s "
        f"AND state NOT IN (%s, %s) LIMIT %s) recent"
    )
    params += [
        connection.ops.adapt_datetimefield_value(since), NotificationState.HELD.value,
        NotificationState.DIGESTED.value, settings.NOTIFICATION_FLOOD_LIMIT,
    ]
    return sql, params


def _flood_count(person: Recipient, cache: dict) -> int:
    """The count of `_flood_sql`, read once per person and cache (a batch's rows are counted on as
    they are built)."""
    key = ("flood", person.key)
    if key not in cache:
        sql, params = _flood_sql(person)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cache[key] = cursor.fetchone()[0]
    return cache[key]


def _flood_guard(person: Recipient) -> HoldWhen:
    """The flood guard as a condition of the row's own INSERT: held if, when it is written, the
    window already holds the limit. One round trip fewer than counting first; the count sees the
    rows this transaction wrote before, as the cached count does."""
    sql, params = _flood_sql(person)
    return HoldWhen(f"({sql}) >= %s", [*params, settings.NOTIFICATION_FLOOD_LIMIT])


def _render(event: str, audience: str, text: tuple[str, str], context: dict) -> tuple[str, str]:
    try:
        return render(text[0], text[1], context)
    except Exception:  # an admin's template failing on real data: fall back to the shipped text
        spec = registry.event(event)
        default = spec.texts.get(audience) if spec else None
        if default is None or (default.subject, default.body) == text:
            raise
        log.exception("notification template %s (%s) failed; sending the shipped text", event, audience)
        return render(default.subject, default.body, context)


def notification_fanout(
    *,
    event: str,
    recipients: list[Recipient],
    contexts: dict[str, dict | Callable[[], dict]],
    dedupe: str,
    author=None,
    related: models.Model | None = None,
    thread: str = "",
    subject_tag: str = "",
    cache: dict | None = None,
    tag: str = "",
    author_address: str = "",
    batch: list[Notification] | None = None,
) -> list[Notification]:
    """Write the event's message for each recipient (see the module's doc). `contexts` maps an
    audience to its context (or a function building it, called only if someone gets that
    audience); a recipient whose audience has no context, or no active template, gets nothing.
    `dedupe` + the recipient make each row's dedupe key: a retried caller sends nothing twice.
    `cache` may be shared across calls in one transaction (the beat's scans) to read templates,
    preferences and recent counts once. `tag` replaces the recipient's id in the dedupe key of a
    one-recipient call (the SLA scan keys by role: `sla:<id>:75:manager`). `author_address`: an
    author known only by address (a customer who wrote by mail) is not told of their own change.
    With `batch`, the rows are built and appended to it instead of saved;
    the caller saves the lot with `notification_write_batch` (the beat's scans: two statements per
    batch instead of two per notice)."""
    spec = registry.event(event)
    if spec is None:
        raise ValueError(f"No notification event '{event}' is registered.")
    cache = {} if cache is None else cache
    people = [p for p in _people(recipients, author, author_address) if p.audience in contexts]
    if not people:
        return []
    if tag and len(people) > 1:
        raise ValueError("A dedupe tag names one recipient; give one recipient per call.")
    prefs = notification_preferences_for([p.user.pk for p in people if p.user is not None], event, cache=cache)
    headers = thread_headers(thread) if thread else {}
    rendered: dict[str, tuple[str, str] | None] = {}
    rows = []
    for person in people:
        audience = person.audience
        if audience not in rendered:
            text = notification_template_text(event, audience, cache=cache)
            if text is None:
                rendered[audience] = None
            else:
                context = contexts[audience]
                rendered[audience] = _render(event, audience, text, context() if callable(context) else context)
        if rendered[audience] is None:
            continue
        subject, body = rendered[audience]
        if subject_tag and not subject.startswith(f"[{subject_tag}]"):
            subject = f"[{subject_tag}] {subject}"
        pref = prefs.get(person.user.pk) if person.user is not None else default_preference()
        if not pref.email and not spec.mandatory:
            continue
        limit = settings.NOTIFICATION_FLOOD_LIMIT
        guarded = limit > 0 and not spec.mandatory and pref.delivery != Delivery.DIGEST
        fields = {
            "event": event, "subject": subject, "body": body, "recipient": person.user, "to_address": person.email,
            "dedupe_key": f"{dedupe}:{tag or person.key}", "related": related, "headers": headers,
            "audience": audience, "hold": not spec.mandatory and pref.delivery == Delivery.DIGEST,
        }
        if guarded and batch is None and ("flood", person.key) not in cache:
            # One row now, and no count of this person's window in hand: the guard rides in the INSERT.
            row, _created = notification_write(**fields, hold_when=_flood_guard(person))
        else:  # a batch (written together later) or a count already in hand: count, and count on
            recent = _flood_count(person, cache) if guarded else 0
            fields["hold"] = fields["hold"] or (guarded and recent >= limit)
            if batch is not None:
                row, created = notification_build(**fields), True
                batch.append(row)
            else:
                row, created = notification_write(**fields)
            if guarded and created and not fields["hold"]:
                cache[("flood", person.key)] = recent + 1
        rows.append(row)
    return rows
