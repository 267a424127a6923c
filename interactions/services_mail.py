"""Every write of the email channel (reference 3.1 "Email to Case", 4 "email interactions").

The path of one message:
1. **Store** (`inbound_store`): the raw bytes are saved before anything parses them, unique per
   mailbox by source key and Message-ID (a re-poll stores nothing twice). A message larger than
   INBOUND_MAIL_MAX_BYTES is kept but quarantined. After commit, `process_inbound_message_task`
   is queued with the row's id; the beat re-queues rows left in "received" (a lost broker
   message delays, never loses).
2. **Process** (`inbound_process`, idempotent: only a received row is processed, under its row
   lock): parse; unreadable MIME is quarantined with the reason; auto-replies, bounces and our
   own mail are ignored (never answered: no loops); the sender is identified (a unique active
   contact or consumer with that address); the message is threaded to a case (our thread root or
   Message-IDs in In-Reply-To/References, an earlier inbound message, else the number in the
   subject) or to an interaction (an earlier message of its thread); then:
   - a reply from a sender who may write to the case becomes a customer comment through
     `cases.services.case_comment_add` (so an awaiting-info case moves to open), attachments
     through `attachment_add` (its limits and sniffing; a refused file is recorded with the
     reason and the rest kept);
   - a reply to a closed case: INBOUND_MAIL_CLOSED_CASE (`new_case`: a follow-up case, the
     closed one's child, each timeline naming the other; `notice`: one message telling the sender, at most one per case and sender
     a day);
   - new mail from a known sender: a case (channel email) or an email interaction, by the
     mailbox's `creates` (an interaction holds no files: they stay in the stored message, their
     names show on its page, and they are attached to the case an agent creates from it);
   - an unknown sender: INBOUND_MAIL_UNKNOWN_SENDER (hold for an agent by default); a known
     sender who may not write to the case it names is held too.
   An unexpected error rolls the work back and quarantines the message with the error.
3. **Agents** re-process held, quarantined or ignored messages, create a case for a contact
   from a held message, or discard it (`/mail/held/`, the admin, `manage.py reprocess_inbound`).

Everything here runs as the system (`actor=None`) on behalf of the sender, except the agents'
actions, which run as the agent. Polling (`mailbox_poll`) must run outside a transaction (the
task does): each message is committed before the server is told it was read.
"""
import logging
from datetime import timedelta
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import permissions as case_permissions
from cases import services as case_services
from cases.models import Case
from core.exceptions import Conflict, FileTooLarge, InvalidTransition, UnsupportedFileType
from core.services import model_apply
from customers.models import Consumer, Contact
from interactions import permissions_mail, selectors_mail
from interactions.choices import ClosedCasePolicy, InboundState, InteractionType, MailboxCreates, MailSourceKind
from interactions.choices import UnknownSenderPolicy
from interactions.mail.parse import ParsedMail, attachment_summary, message_ids, parse_message
from interactions.mail.quotes import strip_quoted
from interactions.mail.sources import SourceError, imap_fetch, maildir_fetch
from interactions.models import InboundMessage, Mailbox
from interactions.tasks_mail import process_inbound_message_task
from notifications.choices import Audience
from notifications.services import Recipient, notification_fanout

log = logging.getLogger(__name__)

__all__ = [
    "mailbox_create", "mailbox_update", "mailbox_password", "mailbox_poll", "mailbox_poll_request", "inbound_store", "inbound_process",
    "inbound_reprocess", "inbound_discard", "inbound_create_case_for", "inbound_requeue_stale",
    "inbound_attachments_to_case",
]
S = InboundState
REQUEUE_AFTER = timedelta(minutes=2)
EMPTY_BODY = "(The message had no text.)"
_ERRORS = (ValidationError, PermissionDenied, Conflict, InvalidTransition, FileTooLarge, UnsupportedFileType)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return getattr(exc, "detail", None) or str(exc) or type(exc).__name__


# --- mailboxes (the admin) -----------------------------------------------------------------------
def _mailbox_clean(mailbox: Mailbox) -> None:
    errors = {}
    if mailbox.kind == MailSourceKind.IMAP:
        if not mailbox.imap_host.strip():
            errors["imap_host"] = "An IMAP mailbox needs its server."
        if not mailbox.imap_username.strip():
            errors["imap_username"] = "An IMAP mailbox needs the user name to sign in with."
        if not (mailbox.imap_password_env.strip() or mailbox.imap_password):
            errors["imap_password_env"] = "Name the environment variable holding the password, or store a password."
    elif not mailbox.maildir_path.strip():
        errors["maildir_path"] = "A maildir mailbox needs its directory."
    if mailbox.poll_interval_seconds < 10:
        errors["poll_interval_seconds"] = "Poll at most every 10 seconds."
    if mailbox.default_assignment_group_id and not mailbox.default_assignment_group.active:
        errors["default_assignment_group"] = f"{mailbox.default_assignment_group} is not active."
    if errors:
        raise ValidationError(errors)


_EDITABLE = {
    "name", "address", "kind", "active", "imap_host", "imap_port", "imap_ssl", "imap_username", "imap_password_env",
    "imap_password", "imap_folder", "maildir_path", "creates", "default_case_type", "default_assignment_group",
    "poll_interval_seconds",
}


def _mailbox_fields(fields: dict) -> dict:
    refused = sorted(set(fields) - _EDITABLE)
    if refused:
        raise ValidationError({name: "Not an editable mailbox field." for name in refused})
    fields = dict(fields)
    if "address" in fields:
        fields["address"] = (fields["address"] or "").strip().lower()
    return fields


@transaction.atomic
def mailbox_create(*, actor, **fields) -> Mailbox:
    permissions_mail.require_can_configure_mailboxes(actor, change=False)
    mailbox = Mailbox()
    model_apply(mailbox, _mailbox_fields(fields))
    _mailbox_clean(mailbox)
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_update(*, actor, instance: Mailbox, **fields) -> Mailbox:
    """Edit a mailbox. An empty stored password in the form keeps the one stored (the admin
    never shows it); changing the server, user or folder forgets the IMAP cursor."""
    permissions_mail.require_can_configure_mailboxes(actor, change=True)
    mailbox = Mailbox.objects.select_for_update().get(pk=instance.pk)
    fields = _mailbox_fields(fields)
    if not fields.get("imap_password"):
        fields.pop("imap_password", None)
    changed = model_apply(mailbox, fields)
    _mailbox_clean(mailbox)
    if {"imap_host", "imap_username", "imap_folder", "kind"} & set(changed):
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = None, 0
    mailbox.save()
    return mailbox


def mailbox_password(mailbox: Mailbox) -> str:
    """The IMAP password: the named environment variable, else the stored one."""
    import os

    name = mailbox.imap_password_env.strip()
    if name:
        value = os.environ.get(name)
        if value is None:
            raise SourceError(f"The environment variable {name} (the mailbox's password) is not set.")
        return value
    return mailbox.imap_password


def mailbox_poll_request(*, actor, mailbox: Mailbox) -> None:
    """"Poll now" (the admin): queue a poll of the mailbox after commit. The poll itself runs in
    the worker, outside any request transaction, and skips a mailbox another poll holds."""
    permissions_mail.require_can_configure_mailboxes(actor, change=True)
    if not mailbox.active:
        raise ValidationError(f"{mailbox.name} is not active.")
    transaction.on_commit(partial(_queue_poll, mailbox.pk))


def _queue_poll(mailbox_id: int) -> None:
    from interactions.tasks_mail import poll_mailbox_task

    try:
        poll_mailbox_task.delay(mailbox_id=mailbox_id)
    except Exception:  # noqa: BLE001  (broker outage: the beat polls it when due)
        log.warning("could not queue a poll of mailbox %s", mailbox_id, exc_info=True)


# --- storing -------------------------------------------------------------------------------------
def _queue(message_id: int) -> None:
    try:
        process_inbound_message_task.delay(message_id=message_id)
    except Exception:  # noqa: BLE001  (broker outage: the beat re-queues received rows)
        log.warning("could not queue inbound message %s; the beat will retry", message_id, exc_info=True)


def _header_text(msg, name: str) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    try:
        return str(make_header(decode_header(str(value)))).strip()
    except Exception:  # noqa: BLE001  (an undecodable encoded word: the raw value)
        return str(value).strip()


def _headers(raw: bytes) -> tuple[str, str, str, str]:
    """Message-ID, sender address and name, subject, from the headers only (cheap, never
    raises): enough to deduplicate and to list the message before it is parsed."""
    try:
        msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        name, address = parseaddr(_header_text(msg, "From"))
        mid = next(iter(message_ids(_header_text(msg, "Message-ID"))), "")
        subject = " ".join(_header_text(msg, "Subject").split())
        return mid[:255], address.strip().lower()[:254], name.strip()[:200], subject[:255]
    except Exception:  # noqa: BLE001
        return "", "", "", ""


@transaction.atomic
def inbound_store(*, mailbox: Mailbox, raw: bytes, source_key: str) -> tuple[InboundMessage, bool]:
    """Keep one raw message. Returns (message, created): a message already stored under this
    source key or Message-ID is returned as it is (a re-poll)."""
    raw = bytes(raw)
    message_id, address, name, subject = _headers(raw)
    existing = InboundMessage.objects.filter(mailbox=mailbox, source_key=source_key).first()
    if existing is None and message_id:
        existing = InboundMessage.objects.filter(mailbox=mailbox, message_id=message_id).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    message = InboundMessage(
        mailbox=mailbox, source_key=source_key[:255], message_id=message_id, raw=raw, size=len(raw),
        received_at=now, from_address=address, from_name=name, subject=subject, state=S.RECEIVED,
    )
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:  # a concurrent poll stored it first
        existing = InboundMessage.objects.filter(mailbox=mailbox, source_key=source_key).first() or (
            InboundMessage.objects.filter(mailbox=mailbox, message_id=message_id).first() if message_id else None
        )
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
    lost with the broker, or the worker died). Processing is idempotent, so a double is harmless."""
    now = now or timezone.now()
    ids = list(
        InboundMessage.objects.filter(state=S.RECEIVED, received_at__lte=now - REQUEUE_AFTER)
        .order_by("received_at").values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        _queue(pk)
    return len(ids)


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
    Mailbox.objects.filter(pk=mailbox_id).update(
        poll_lease_until=None, last_polled_at=timezone.now(), last_poll_error=error[:2000]
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
            )
    except SourceError as exc:
        error = str(exc)
        log.warning("mailbox %s: %s", mailbox.name, error)
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
    """Each attachment through the cases attachment service; a refusal is recorded, the rest kept."""
    errors, kept = [], 0
    for item in parsed.attachments:
        upload = SimpleUploadedFile(item.filename, item.data, content_type=item.content_type)
        try:
            case_services.attachment_add(actor=actor, case=case, uploaded_file=upload, sender=sender)
            kept += 1
        except _ERRORS as exc:
            errors.append({"name": item.filename, "reason": _reason(exc)})
    message.attachment_errors, message.attachments_kept = errors, kept


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
    if notes:
        reason = f"{reason} Note: {'; '.join(notes)}."
    {
        S.PROCESSED: message.mark_processed, S.QUARANTINED: message.quarantine, S.IGNORED: message.ignore,
        S.HELD: message.hold,
    }[state](at=now, reason=reason)
    message.save()


def _lock(pk: int) -> InboundMessage | None:
    return InboundMessage.objects.select_for_update(of=("self",)).select_related("mailbox").filter(pk=pk).first()


def inbound_process(*, message_id: int) -> InboundMessage | None:
    """Process one received message (see the module's doc). A message in any other state, or
    gone, is left alone: a second delivery of the task does nothing."""
    with transaction.atomic():
        message = _lock(message_id)
        if message is None or message.state != S.RECEIVED:
            return message
        if message.size > settings.INBOUND_MAIL_MAX_BYTES:
            _finish(message, S.QUARANTINED, f"The message is {message.size} bytes, over the limit of "
                    f"{settings.INBOUND_MAIL_MAX_BYTES} bytes (INBOUND_MAIL_MAX_BYTES).", [])
            return message
        parsed = parse_message(bytes(message.raw))
        message.attachment_list = attachment_summary(parsed.attachments)
        message.attempts += 1
        message.from_address = parsed.from_address[:254] or message.from_address
        message.from_name = parsed.from_name[:200] or message.from_name
        message.subject = parsed.subject[:255] or message.subject
        try:
            with transaction.atomic():
                state, reason = _decide(message, parsed)
                _finish(message, state, reason, parsed.notes)
                return message
        except Exception as exc:  # noqa: BLE001  (never dropped: kept, with the reason, for an agent)
            log.exception("inbound message %s could not be processed", message_id)
            error = f"{type(exc).__name__}: {_reason(exc)}"
    with transaction.atomic():
        message = _lock(message_id)
        if message is None or message.state != S.RECEIVED:
            return message
        message.attempts += 1
        message.case = message.comment = message.interaction = None
        _finish(message, S.QUARANTINED, f"Processing failed: {error}", [])
        return message


# --- interactions: their files reach the case created from them ---------------------------------
def _refusal_note(interaction, refused: list[dict]) -> str:
    lines = [f"- {row['name']} (from “{row['subject'] or '(no subject)'}”): {row['reason']}" for row in refused]
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
        message.attachment_errors = list(message.attachment_errors or []) + errors
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
