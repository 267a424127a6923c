"""Every write of the email channel (reference 3.1 "Email to Case", 4 "email interactions"); the
whole design is in docs/architecture.md, "Email in". The path of one message:
1. **Store** (`inbound_store`): the raw bytes first, unique per mailbox by source key and
   Message-ID (a re-poll or identical redelivery stores nothing twice; another message reusing a
   Message-ID is kept under `<id>#dup-<digest>`). Too big, or refused by the database: kept unread
   and quarantined, so no message blocks the ones behind it. After commit the processing task is
   queued; the beat re-queues rows left received. A failed poll is recorded on the mailbox.
2. **Process** (`inbound_process`, idempotent, under the row lock; parsing bounded by
   `interactions.mail.safety.ParseLimits`): unreadable or too costly mail is quarantined, and so is
   any error; auto-replies, bounces and our own mail are ignored; the sender is identified and the
   message threaded; then a comment on the case (files through `attachment_add`, at most
   INBOUND_MAIL_MAX_ATTACHMENTS, refusals counted in one work note), a follow-up case or a notice
   for a closed case, a new case or interaction, or held for an agent (unknown sender, or one
   who may not write to the case named).
3. **Agents** re-process, create a case for a contact, or discard (`/mail/held/`, the admin,
   `manage.py reprocess_inbound`).

Everything here runs as the system (`actor=None`) on behalf of the sender, except the agents'
actions. Polling (`mailbox_poll`) runs outside a transaction (the task does): each message is
committed before the server is told it was read.
"""
import hashlib
import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import permissions as case_permissions
from cases import services as case_services
from cases.models import Case
from core.exceptions import Conflict, FileTooLarge, InvalidTransition, LimitExceeded, UnsupportedFileType
from customers.models import Consumer, Contact
from interactions import permissions_mail, selectors_mail
from interactions.choices import ClosedCasePolicy, InboundState, InteractionType, MailboxCreates, MailSourceKind
from interactions.choices import UnknownSenderPolicy
from interactions.mail.parse import ParsedMail, attachment_summary, envelope, parse_message
from interactions.mail.quotes import strip_quoted
from interactions.mail.refusals import kept_errors, refusal_summary, unread_refusals
from interactions.mail.safety import content_fingerprint, safe_line, safe_text
from interactions.mail.sources import SourceError, imap_fetch, maildir_fetch
from interactions.models import InboundMessage, Mailbox
from interactions.services_mailbox import mailbox_create, mailbox_password, mailbox_poll_request, mailbox_update
from interactions.tasks_mail import process_inbound_message_task
from notifications.choices import Audience
from notifications.services import Recipient, notification_fanout

log = logging.getLogger(__name__)

__all__ = [
    "mailbox_create", "mailbox_update", "mailbox_password", "mailbox_poll", "mailbox_poll_request", "inbound_store",
    "inbound_store_unreadable", "inbound_process",
    "inbound_reprocess", "inbound_discard", "inbound_create_case_for", "inbound_requeue_stale",
    "inbound_attachments_to_case",
]
S = InboundState
REQUEUE_AFTER = timedelta(minutes=2)
EMPTY_BODY = "(The message had no text.)"
_ERRORS = (
    ValidationError, PermissionDenied, Conflict, InvalidTransition, FileTooLarge, UnsupportedFileType, LimitExceeded,
)
MAX_ATTEMPTS = 3  # processing started this often without an outcome: quarantined by the beat
DUPLICATE_MARK = "#dup-"  # a Message-ID reused by a different message: <original>#dup-<digest>


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return getattr(exc, "detail", None) or str(exc) or type(exc).__name__


# --- storing -------------------------------------------------------------------------------------
def _queue(message_id: int) -> None:
    try:
        process_inbound_message_task.delay(message_id=message_id)
    except Exception:  # noqa: BLE001  (broker outage: the beat re-queues received rows)
        log.warning("could not queue inbound message %s; the beat will retry", message_id, exc_info=True)


def _note_duplicate(existing: InboundMessage, message_id: str, raw: bytes) -> str:
    """The Message-ID a message is stored under when an earlier message of the mailbox has its
    Message-ID: "" for an identical redelivery (deduplicated), else a synthetic id naming the
    original, so the second message is kept (and processed) rather than dropped."""
    if content_fingerprint(bytes(existing.raw)) == content_fingerprint(raw):
        return ""
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return f"{message_id[:255 - len(DUPLICATE_MARK) - 16]}{DUPLICATE_MARK}{digest}"


def _existing(mailbox: Mailbox, source_key: str, message_id: str) -> InboundMessage | None:
    existing = InboundMessage.objects.filter(mailbox=mailbox, source_key=source_key).first()
    if existing is None and message_id:
        existing = InboundMessage.objects.filter(mailbox=mailbox, message_id=message_id).first()
    return existing


def inbound_store(*, mailbox: Mailbox, raw: bytes, source_key: str) -> tuple[InboundMessage, bool]:
    """Keep one raw message. Returns (message, created): a message already stored under this
    source key, or an identical one under its Message-ID, is returned as it is (a re-poll); a
    different message reusing a stored Message-ID is kept under a synthetic one (`DUPLICATE_MARK`).
    A message that cannot be stored as read (whatever the database refuses) is stored unread and
    quarantined with the error, so it never blocks the messages behind it; only when even that
    fails (the database is down) does this raise, and the source keeps the message for the next poll."""
    raw, source_key = bytes(raw), safe_line(source_key, 255)
    try:
        with transaction.atomic():
            return _store(mailbox, raw, source_key)
    except Exception as exc:  # noqa: BLE001  (one message must never block a mailbox)
        log.exception("inbound message %s of mailbox %s could not be stored as read", source_key, mailbox.pk)
        error = safe_line(f"{type(exc).__name__}: {_reason(exc)}", 500)
    return inbound_store_unreadable(
        mailbox=mailbox, source_key=source_key, raw=raw,
        reason=f"The message could not be stored as read ({error}); it is kept here unread.",
    )


@transaction.atomic
def inbound_store_unreadable(*, mailbox: Mailbox, source_key: str, reason: str, raw: bytes = b"") -> tuple[InboundMessage, bool]:
    """Keep, quarantined with the reason, a message that cannot be stored as read (or, with no
    bytes, one the source would not hand over), so an agent sees it and the poll goes on."""
    source_key = safe_line(source_key, 255)
    existing = InboundMessage.objects.filter(mailbox=mailbox, source_key=source_key).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    message = InboundMessage(mailbox=mailbox, source_key=source_key, raw=bytes(raw), size=len(raw), received_at=now)
    message.quarantine(at=now, reason=safe_text(reason))
    message.save()
    return message, True


def _store(mailbox: Mailbox, raw: bytes, source_key: str) -> tuple[InboundMessage, bool]:
    head = envelope(raw)
    message_id = head.message_id[:255]
    existing = _existing(mailbox, source_key, message_id)
    if existing is not None and existing.source_key != source_key:
        message_id = _note_duplicate(existing, message_id, raw) or message_id
        existing = _existing(mailbox, source_key, message_id) if message_id != existing.message_id else existing
    if existing is not None:
        return existing, False
    now = timezone.now()
    message = InboundMessage(
        mailbox=mailbox, source_key=source_key, message_id=message_id, raw=raw, size=len(raw), received_at=now,
        from_address=head.from_address[:254], from_name=head.from_name[:200], subject=head.subject[:255],
        state=S.RECEIVED,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # a concurrent poll stored it first
        existing = _existing(mailbox, source_key, message_id)
        if existing is None:
            raise
        return existing, False
    limit = settings.INBOUND_MAIL_MAX_BYTES
    if len(raw) > limit:
        message.quarantine(at=now, reason=f"The message is {len(raw)} bytes, over the limit of {limit} bytes "
                                          "(INBOUND_MAIL_MAX_BYTES); it is kept here unread.")
        message.save()
        return message, True
    transaction.on_commit(partial(_queue, message.pk))
    return message, True


def inbound_requeue_stale(*, now=None, limit: int = 500) -> int:
    """Queue again the messages still received a while after they were stored (their task was
    lost with the broker, or the worker died). Processing is idempotent, so a double is harmless.
    A message whose processing was started MAX_ATTEMPTS times without an outcome (the worker died
    on it each time) is quarantined instead: it must not take workers down again and again."""
    now = now or timezone.now()
    rows = list(
        InboundMessage.objects.filter(state=S.RECEIVED, received_at__lte=now - REQUEUE_AFTER)
        .order_by("received_at").values_list("pk", "attempts")[:limit]
    )
    for pk, attempts in rows:
        if attempts >= MAX_ATTEMPTS:
            _give_up(pk, f"Processing was started {attempts} times and never finished (the worker stopped while "
                         "on it); it is kept here unread for an agent.")
        else:
            _queue(pk)
    return len(rows)


# --- polling -------------------------------------------------------------------------------------
def _acquire(mailbox_id: int, now) -> bool:
    """One poll per mailbox at a time: a lease taken by one UPDATE (portable, and no transaction
    stays open during the network work). A killed poll's lease runs out."""
    from django.db.models import Q

    until = now + timedelta(seconds=settings.INBOUND_MAIL_POLL_LEASE_SECONDS)
    return bool(
        Mailbox.objects.filter(pk=mailbox_id, active=True)
        .filter(Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now))
        .update(poll_lease_until=until)
    )


def _release(mailbox_id: int, error: str) -> None:
    """End the poll: the lease is freed and its outcome recorded ("" after a poll that worked)."""
    Mailbox.objects.filter(pk=mailbox_id).update(
        poll_lease_until=None, last_polled_at=timezone.now(), last_poll_error=safe_text(error)[:2000]
    )


def mailbox_poll(*, mailbox_id: int) -> int | None:
    """Fetch a mailbox's new messages and store each (see the module's doc). Returns how many
    were handed over, or None when the mailbox is inactive or another poll holds it."""
    if not _acquire(mailbox_id, timezone.now()):
        return None
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    error, handled = "", 0

    def store(raw: bytes, key: str) -> None:
        inbound_store(mailbox=mailbox, raw=raw, source_key=key)

    def save_cursor(uidvalidity: int, uid: int) -> None:
        Mailbox.objects.filter(pk=mailbox_id).update(imap_uidvalidity=uidvalidity, imap_last_uid=uid)

    try:
        if mailbox.kind == MailSourceKind.MAILDIR:
            handled = maildir_fetch(path=mailbox.maildir_path, store=store, batch=settings.INBOUND_MAIL_POLL_BATCH)
        else:
            handled = imap_fetch(
                host=mailbox.imap_host, port=mailbox.imap_port, ssl=mailbox.imap_ssl, username=mailbox.imap_username,
                password=mailbox_password(mailbox), folder=mailbox.imap_folder,
                cursor=(mailbox.imap_uidvalidity, mailbox.imap_last_uid), store=store, save_cursor=save_cursor,
                batch=settings.INBOUND_MAIL_POLL_BATCH, timeout=settings.INBOUND_MAIL_IMAP_TIMEOUT,
                unreadable=lambda key, reason: inbound_store_unreadable(mailbox=mailbox, source_key=key, reason=reason),
            )
    except SourceError as exc:
        error = str(exc)
        log.warning("mailbox %s: %s", mailbox.name, error)
    except Exception as exc:  # noqa: BLE001  (recorded on the mailbox for the admin, the held-mail page, /healthz/)
        error = f"The poll failed: {type(exc).__name__}: {_reason(exc)}"
        raise
    finally:
        _release(mailbox_id, error)
    return handled


# --- processing ----------------------------------------------------------------------------------
def _person(message: InboundMessage):
    return message.contact or message.consumer


def _identify(address: str) -> Contact | Consumer | None:
    from interactions.services import identify_caller

    found = identify_caller(email=address) if address else {}
    return found.get("contact") or found.get("consumer")


def _attach(message: InboundMessage, case: Case, parsed: ParsedMail, *, actor=None, sender=None) -> None:
    """Each attachment through the cases attachment service (its size limit, sniffing and the
    customer side's limits); a refusal is recorded, the rest kept. Files past
    INBOUND_MAIL_MAX_ATTACHMENTS were never read. Refusals are counted in one work note on the
    case, with their reasons (not one note per file)."""
    errors, kept = [], 0
    for item in parsed.attachments:
        upload = SimpleUploadedFile(item.filename, item.data, content_type=item.content_type)
        try:
            case_services.attachment_add(actor=actor, case=case, uploaded_file=upload, sender=sender)
            kept += 1
        except _ERRORS as exc:
            errors.append({"name": item.filename, "reason": _reason(exc)})
    errors += unread_refusals(parsed.unread, settings.INBOUND_MAIL_MAX_ATTACHMENTS)
    message.attachment_errors, message.attachments_kept = kept_errors(errors), kept
    if errors:
        who = parsed.from_address or "an unknown sender"
        case_services.case_work_note_add(actor=None, system=True, case=case, body=(
            f"Not attached from the email of {who} (“{parsed.subject or '(no subject)'}”): {len(errors)} of "
            f"{len(errors) + kept} file(s) refused: {refusal_summary(errors)}. They stay in the stored message "
            f"(inbound message {message.pk})."
        ))


def _body(parsed: ParsedMail) -> str:
    return strip_quoted(parsed.text, subject=parsed.subject) or EMPTY_BODY


def _case_fields(mailbox: Mailbox, person) -> dict:
    fields = {"contact" if isinstance(person, Contact) else "consumer": person}
    if mailbox.default_case_type_id:
        fields["case_type"] = mailbox.default_case_type
    if mailbox.default_assignment_group_id:
        fields["assignment_group"] = mailbox.default_assignment_group
    return fields


def _new_case(message: InboundMessage, parsed: ParsedMail, person, *, actor=None, follows: Case | None = None) -> Case:
    """A case from the message; `follows`: the closed case it answered (a follow-up case)."""
    fields = {
        "short_description": (parsed.subject or "(no subject)")[:160], "description": _body(parsed),
        "channel": "email", **_case_fields(message.mailbox, person),
    }
    if follows is not None:
        case = case_services.case_follow_up_create(actor=actor, original=follows, via="a reply by email", **fields)
    else:
        case = case_services.case_create(actor=actor, **fields)
    message.case = case
    _attach(message, case, parsed, actor=actor, sender=None if actor is not None else person)
    return case


def _new_interaction(message: InboundMessage, parsed: ParsedMail, person) -> None:
    from interactions.services import interaction_open

    fields = {}
    if isinstance(person, Contact):
        fields["contact"] = person
    elif isinstance(person, Consumer):
        fields["consumer"] = person
    interaction, _ = interaction_open(
        actor=None, type=InteractionType.EMAIL, short_description=parsed.subject or "(no subject)",
        source=f"mailbox:{message.mailbox_id}", external_id=message.message_id or f"inbound:{message.pk}",
        email=parsed.from_address, name=parsed.from_name,
        assignment_group=message.mailbox.default_assignment_group, message=_body(parsed),
        message_id=message.message_id, **fields,
    )
    message.interaction = interaction


def _note_unkept_files(message: InboundMessage, parsed: ParsedMail) -> str:
    if not parsed.attachments:
        return ""
    return (f" {len(parsed.attachments)} attachment(s) kept in the stored message; they are added to the case "
            "an agent creates from the interaction.")


def _reply_to_interaction(message: InboundMessage, parsed: ParsedMail, interaction, person) -> str:
    from interactions.services import interaction_message_append

    _, target, _ = interaction_message_append(
        actor=None, interaction=interaction, body=_body(parsed), author=getattr(person, "user", None),
        author_name=str(person) if person else (parsed.from_name or parsed.from_address),
        external_id=message.message_id or f"inbound:{message.pk}",
    )
    message.interaction = target
    where = target.number if target.pk == interaction.pk else f"{target.number} (follow-up of {interaction.number})"
    return f"Added to interaction {where}." + _note_unkept_files(message, parsed)


def _closed_case_notice(message: InboundMessage, parsed: ParsedMail, case: Case) -> None:
    from cases.services.notify import case_thread

    context = {
        "case": {
            "number": case.number, "short_description": case.short_description,
            "url": settings.SITE_URL + settings.PORTAL_CASE_URL_PATH.format(number=case.number),
        },
        "subject": parsed.subject,
    }
    today = timezone.now().date().isoformat()
    notification_fanout(
        event="mail.closed_case_notice", recipients=[Recipient(Audience.CUSTOMER, address=parsed.from_address)],
        contexts={Audience.CUSTOMER: context}, dedupe=f"mail-closed-notice:{case.pk}:{today}", related=case,
        thread=case_thread(case), subject_tag=case.number,
    )


def _reply_to_case(message: InboundMessage, parsed: ParsedMail, case: Case, person, how: str) -> tuple[str, str]:
    """(state, reason) for a message answering a case."""
    if not case_permissions.person_may_write(person, case):
        return S.HELD, f"{person} <{parsed.from_address}> may not write to {case.number} (found by {how})."
    if case.is_read_only:
        if settings.INBOUND_MAIL_CLOSED_CASE == ClosedCasePolicy.NOTICE:
            message.case = case
            _closed_case_notice(message, parsed, case)
            return S.PROCESSED, f"{case.number} is closed; the sender was told so (found by {how})."
        new = _new_case(message, parsed, person, follows=case)
        return S.PROCESSED, f"{case.number} is closed; opened {new.number} as its follow-up (found by {how})."
    message.comment = case_services.case_comment_add(actor=None, case=case, body=_body(parsed), sender=person)
    message.case = case
    _attach(message, case, parsed, sender=person)
    return S.PROCESSED, f"Comment added to {case.number} (found by {how})."


def _unknown_sender(message: InboundMessage, parsed: ParsedMail, case: Case | None) -> tuple[str, str]:
    about = f" It names {case.number}." if case is not None else ""
    policy_name = settings.INBOUND_MAIL_UNKNOWN_SENDER
    if policy_name == UnknownSenderPolicy.IGNORE:
        return S.IGNORED, f"No active contact or consumer has the address {parsed.from_address}.{about}"
    if policy_name == UnknownSenderPolicy.INTERACTION:
        _new_interaction(message, parsed, None)
        return S.PROCESSED, (
            f"Unknown sender: opened interaction {message.interaction.number} for an agent to identify.{about}"
            + _note_unkept_files(message, parsed)
        )
    return S.HELD, f"Unknown sender: no single active contact or consumer has the address {parsed.from_address}.{about}"


def _decide(message: InboundMessage, parsed: ParsedMail) -> tuple[str, str]:
    """What becomes of one readable message: (state, reason); links are set on `message`."""
    if parsed.fatal:
        return S.QUARANTINED, f"Malformed message: {parsed.fatal}."
    if parsed.from_address in selectors_mail.own_addresses() or (
        parsed.message_id.lower().endswith("@" + settings.NOTIFICATION_MESSAGE_ID_DOMAIN.lower())
    ):
        return S.IGNORED, "Our own mail (sent from one of our addresses): never answered."
    if parsed.auto_reason:
        return S.IGNORED, f"Automatic reply or bounce ({parsed.auto_reason}): never answered."
    if not parsed.from_address:
        return S.QUARANTINED, "The message names no sender address."
    person = _identify(parsed.from_address)
    message.contact = person if isinstance(person, Contact) else None
    message.consumer = person if isinstance(person, Consumer) else None
    case, how = selectors_mail.thread_case(thread_ids=parsed.thread_ids, subject=parsed.subject)
    if person is None:
        return _unknown_sender(message, parsed, case)
    if case is not None:
        return _reply_to_case(message, parsed, case, person, how)
    interaction = selectors_mail.thread_interaction(thread_ids=parsed.thread_ids)
    if interaction is not None:
        case = selectors_mail.case_of_closed_interaction(interaction)
        if case is not None:  # "further communication lives on the case"
            return _reply_to_case(message, parsed, case, person, f"a reply to {interaction.number}, which is about it")
        return S.PROCESSED, _reply_to_interaction(message, parsed, interaction, person)
    if message.mailbox.creates == MailboxCreates.INTERACTION:
        _new_interaction(message, parsed, person)
        return S.PROCESSED, f"Opened interaction {message.interaction.number}." + _note_unkept_files(message, parsed)
    case = _new_case(message, parsed, person)
    return S.PROCESSED, f"Opened case {case.number}."


def _finish(message: InboundMessage, state: str, reason: str, notes: list[str]) -> None:
    now = timezone.now()
    if DUPLICATE_MARK in message.message_id:
        original = message.message_id.split(DUPLICATE_MARK, 1)[0]
        notes = [*notes, f"an earlier message used its Message-ID <{original}> with different content; this one is "
                         f"kept under <{message.message_id}>"]
    if notes:
        reason = f"{reason} Note: {'; '.join(notes)}."
    reason = safe_text(reason)
    {
        S.PROCESSED: message.mark_processed, S.QUARANTINED: message.quarantine, S.IGNORED: message.ignore,
        S.HELD: message.hold,
    }[state](at=now, reason=reason)
    message.save()


def _lock(pk: int) -> InboundMessage | None:
    return InboundMessage.objects.select_for_update(of=("self",)).select_related("mailbox").filter(pk=pk).first()


def _start(message_id: int) -> InboundMessage | None:
    """Count the attempt in a transaction of its own, before the work: a worker that dies while
    on the message (killed, out of memory) leaves it counted, and the beat quarantines a message
    that never finishes (`inbound_requeue_stale`) rather than hand it to a worker again and
    again. Returns the message when it is to be processed, else None."""
    with transaction.atomic():
        message = _lock(message_id)
        if message is None or message.state != S.RECEIVED:
            return None
        if message.size > settings.INBOUND_MAIL_MAX_BYTES:
            _finish(message, S.QUARANTINED, f"The message is {message.size} bytes, over the limit of "
                    f"{settings.INBOUND_MAIL_MAX_BYTES} bytes (INBOUND_MAIL_MAX_BYTES).", [])
            return None
        message.attempts += 1
        message.save(update_fields=["attempts"])
        return message


def inbound_process(*, message_id: int) -> InboundMessage | None:
    """Process one received message (see the module's doc). A message in any other state, or
    gone, is left alone: a second delivery of the task does nothing."""
    if _start(message_id) is None:
        return InboundMessage.objects.defer("raw").filter(pk=message_id).first()
    with transaction.atomic():
        message = _lock(message_id)
        if message is None or message.state != S.RECEIVED:
            return message
        try:
            parsed = parse_message(bytes(message.raw))
            message.attachment_list = attachment_summary(parsed.attachments)
            message.from_address = parsed.from_address[:254] or message.from_address
            message.from_name = parsed.from_name[:200] or message.from_name
            message.subject = parsed.subject[:255] or message.subject
            with transaction.atomic():
                state, reason = _decide(message, parsed)
                _finish(message, state, reason, parsed.notes)
                return message
        except Exception as exc:  # noqa: BLE001  (never dropped: kept, with the reason, for an agent)
            log.exception("inbound message %s could not be processed", message_id)
            error = safe_line(f"{type(exc).__name__}: {_reason(exc)}", 1000)
    return _give_up(message_id, f"Processing failed: {error}")


def _give_up(message_id: int, reason: str) -> InboundMessage | None:
    with transaction.atomic():
        message = _lock(message_id)
        if message is None or message.state != S.RECEIVED:
            return message
        message.case = message.comment = message.interaction = None
        _finish(message, S.QUARANTINED, reason, [])
        return message


# --- interactions: their files reach the case created from them ---------------------------------
def _refusal_note(interaction, refused: list[dict]) -> str:
    lines = [f"- {row['name']} (from “{row['subject'] or '(no subject)'}”): {row['reason']}" for row in refused[:20]]
    if len(refused) > 20:
        lines.append(f"- and {len(refused) - 20} more: {refusal_summary(refused[20:])}")
    return (f"Not attached from the email of {interaction.number}: {len(refused)} file(s) refused. "
            "They stay in the stored message.\n" + "\n".join(lines))


def inbound_attachments_to_case(*, actor, interaction, case: Case) -> tuple[int, list[dict]]:
    """The files of the inbound messages that fed an interaction, added to the case an agent
    creates from it (called by `interactions.services.interaction_create_case`, in its
    transaction). Each file goes through the cases attachment service as the agent (its size
    limit, type sniffing and allowed types); a refused file is never dropped silently: the
    reasons become one work note on the case, and each message records what was kept and
    refused. Returns (kept, refused)."""
    rows = list(
        InboundMessage.objects.filter(interaction=interaction, state=S.PROCESSED)
        .exclude(attachment_list=[]).order_by("received_at", "id").values_list("pk", flat=True)
    )
    kept, refused = 0, []
    for pk in rows:
        message = _lock(pk)
        parsed = parse_message(bytes(message.raw))
        errors = []
        for item in parsed.attachments:
            upload = SimpleUploadedFile(item.filename, item.data, content_type=item.content_type)
            try:
                case_services.attachment_add(actor=actor, case=case, uploaded_file=upload)
                kept += 1
                message.attachments_kept += 1
            except _ERRORS as exc:
                errors.append({"name": item.filename, "reason": _reason(exc)})
        errors += unread_refusals(parsed.unread, settings.INBOUND_MAIL_MAX_ATTACHMENTS)
        message.attachment_errors = kept_errors(list(message.attachment_errors or []) + errors)
        message.attachment_list = attachment_summary(parsed.attachments)
        message.save(update_fields=["attachments_kept", "attachment_errors", "attachment_list"])
        refused += [{**row, "subject": message.subject} for row in errors]
    if refused:
        case_services.case_work_note_add(actor=actor, case=case, body=_refusal_note(interaction, refused))
    return kept, refused


# --- agents --------------------------------------------------------------------------------------
def _locked_for_agent(actor, message: InboundMessage) -> InboundMessage:
    permissions_mail.require_can_handle_inbound(actor)
    locked = _lock(message.pk)
    if locked is None:
        raise ValidationError("The message is gone.")
    return locked


def inbound_reprocess(*, actor, message: InboundMessage) -> InboundMessage:
    """Process a held, quarantined or ignored message again (after a contact was created, a
    setting or the code changed). A processed one is refused: it would be a second case."""
    with transaction.atomic():
        locked = _locked_for_agent(actor, message)
        if locked.state not in (S.HELD, S.QUARANTINED, S.IGNORED):
            raise InvalidTransition(action="reprocess", state=locked.state, allowed=[])
        locked.reopen()
        locked.case = locked.comment = locked.interaction = None
        locked.attachment_errors, locked.attachments_kept = [], 0
        locked.save()
    return inbound_process(message_id=message.pk)


@transaction.atomic
def inbound_discard(*, actor, message: InboundMessage, reason: str = "") -> InboundMessage:
    """An agent drops a held or quarantined message (spam, a duplicate). It stays stored."""
    locked = _locked_for_agent(actor, message)
    if locked.state not in (S.HELD, S.QUARANTINED):
        raise InvalidTransition(action="discard", state=locked.state, allowed=[])
    who = actor.get_full_name() or actor.username if actor is not None else "the system"
    text = f"Discarded by {who}." + (f" {reason.strip()}" if (reason or "").strip() else "")
    if locked.state == S.QUARANTINED:
        locked.reopen()
    locked.ignore(at=timezone.now(), reason=text)
    locked.save()
    return locked


@transaction.atomic
def inbound_create_case_for(*, actor, message: InboundMessage, contact: Contact | None = None,
                            consumer: Consumer | None = None) -> Case:
    """An agent opens a case from a held message for the contact or consumer they name (a sender
    the product did not know, or one who wrote from another address). The case is the agent's
    (opened by them, channel email); the message's text is its description and its files are
    attached."""
    locked = _locked_for_agent(actor, message)
    if locked.state != S.HELD:
        raise InvalidTransition(action="create-case", state=locked.state, allowed=[])
    person = contact or consumer
    if person is None or (contact is not None and consumer is not None):
        raise ValidationError({"contact": "Name one contact or consumer."})
    parsed = parse_message(bytes(locked.raw))
    if parsed.fatal:
        raise ValidationError(f"The message cannot be read: {parsed.fatal}.")
    locked.attachment_list = attachment_summary(parsed.attachments)
    locked.reopen()
    locked.contact = contact
    locked.consumer = consumer
    case = _new_case(locked, parsed, person, actor=actor)
    who = actor.get_full_name() or actor.username
    _finish(locked, S.PROCESSED, f"Case {case.number} opened by {who} for {person}.", parsed.notes)
    return case
