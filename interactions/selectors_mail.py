"""Reads of inbound mail. `inbound_*_for_user` are scoped to the reader (internal roles only);
the `thread_*` and `mailbox_*` functions are system reads for the mail processor, which runs as
no user and checks the sender's right to what it finds (cases.permissions.person_may_write)."""
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cases.choices import StateCategory
from cases.models import Case, CaseTask
from interactions import permissions_mail
from interactions.choices import OPEN_STATES, InboundState
from interactions.mail.parse import attachment_summary, parse_message
from interactions.models import InboundMessage, Interaction, Mailbox
from notifications.selectors import notification_related_for_message_ids

__all__ = [
    "inbound_list_for_user", "inbound_triage_list_for_user", "inbound_get_for_user", "mailboxes_due",
    "thread_case", "thread_interaction", "own_addresses", "TRIAGE_STATES", "interaction_mail_files_for_user",
    "mailboxes_failing_for_user", "mail_stuck_count_for_user", "mail_health",
]
TRIAGE_STATES = (InboundState.HELD, InboundState.QUARANTINED)
_CASE_ROOT = re.compile(r"^case-(CS\d+)@(.+)$", re.I)
_TASK_NUMBER = re.compile(r"\b(CSTASK\d{7,})\b", re.I)
_CASE_NUMBER = re.compile(r"\b(CS\d{7,})\b", re.I)
_LIST_ONLY = (
    "id", "mailbox_id", "state", "reason", "received_at", "from_address", "from_name", "subject", "size",
    "case_id", "interaction_id", "attachment_errors", "attachments_kept", "mailbox__name", "mailbox__address",
    "case__number", "interaction__number",
)


def inbound_list_for_user(*, user) -> QuerySet[InboundMessage]:
    if not permissions_mail.can_view_inbound(user):
        return InboundMessage.objects.none()
    return InboundMessage.objects.select_related("mailbox", "case", "interaction")


def inbound_triage_list_for_user(*, user, state: str | None = None) -> QuerySet[InboundMessage]:
    """Held and quarantined messages waiting for an agent, newest first (the raw bytes are not
    loaded: only the columns the list shows)."""
    states = [state] if state in TRIAGE_STATES else list(TRIAGE_STATES)
    return (
        inbound_list_for_user(user=user).filter(state__in=states).only(*_LIST_ONLY).order_by("-received_at", "-id")
    )


def inbound_get_for_user(*, user, pk: int) -> InboundMessage:
    return inbound_list_for_user(user=user).get(pk=pk)


@dataclass
class MailFiles:
    """The files of one inbound message of an interaction, as its record page lists them."""

    message_id: int
    subject: str
    received_at: object
    files: list[dict]


def interaction_mail_files_for_user(*, user, interaction: Interaction) -> list[MailFiles]:
    """The attachments of the inbound messages that fed an interaction (interactions hold no
    files; these stay in the stored messages until a case is created from it), for its record
    page. Read from the list recorded at processing, so the raw bytes are not loaded; a message
    stored before the list was recorded is parsed once here (a read: nothing is saved)."""
    if not permissions_mail.can_view_inbound(user):
        return []
    rows = list(
        InboundMessage.objects.filter(interaction=interaction).exclude(attachment_list=[])
        .only("id", "subject", "received_at", "attachment_list").order_by("received_at", "id")[:50]
    )
    unread = [row.pk for row in rows if row.attachment_list is None]
    if unread:
        raws = dict(InboundMessage.objects.filter(pk__in=unread).values_list("pk", "raw"))
        for row in rows:
            if row.pk in raws:
                row.attachment_list = attachment_summary(parse_message(bytes(raws[row.pk])).attachments)
    return [MailFiles(row.pk, row.subject, row.received_at, row.attachment_list) for row in rows if row.attachment_list]


def mailboxes_due(*, now=None) -> list[int]:
    """Active mailboxes whose poll interval has passed and that no poll holds."""
    now = now or timezone.now()
    rows = Mailbox.objects.filter(active=True).filter(
        Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=now)
    ).values_list("pk", "last_polled_at", "poll_interval_seconds")
    return [
        pk for pk, last, interval in rows
        if last is None or (now - last).total_seconds() >= interval
    ]


def _failing() -> QuerySet[Mailbox]:
    return Mailbox.objects.filter(active=True).exclude(last_poll_error="")


def _stuck(now=None) -> QuerySet[InboundMessage]:
    """Messages still waiting to be processed long after they were stored (the worker is down,
    or processing keeps failing before it can quarantine)."""
    since = (now or timezone.now()) - timedelta(seconds=settings.INBOUND_MAIL_STUCK_AFTER_SECONDS)
    return InboundMessage.objects.filter(state=InboundState.RECEIVED, received_at__lt=since)


def mailboxes_failing_for_user(*, user) -> list[Mailbox]:
    """Active mailboxes whose last poll failed, with the error (the held-mail page; internal only)."""
    if not permissions_mail.can_view_inbound(user):
        return []
    return list(_failing().only("id", "name", "address", "last_polled_at", "last_poll_error").order_by("name"))


def mail_stuck_count_for_user(*, user) -> int:
    if not permissions_mail.can_view_inbound(user):
        return 0
    return _stuck().count()


def mail_health() -> dict:
    """The "mail" entry of /healthz/ (open to everyone: counts only, no names or errors). "failing"
    when an active mailbox's last poll failed or a message waits past INBOUND_MAIL_STUCK_AFTER_SECONDS."""
    failing = _failing().count()
    stuck = _stuck().count()
    return {
        "status": "failing" if failing or stuck else "ok",
        "mailboxes_failing": failing,
        "messages_waiting": stuck,
    }


def own_addresses() -> set[str]:
    """Addresses that are ours: every mailbox and the sender of our outgoing mail."""
    from email.utils import parseaddr

    addresses = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    addresses.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower())
    return {a for a in addresses if a}


def _case_from_related(related: str) -> Case | None:
    label, _, pk = related.partition(":")
    if label == "cases.case" and pk.isdigit():
        return Case.objects.filter(pk=int(pk)).select_related("lifecycle").first()
    return None


def thread_case(*, thread_ids: list[str], subject: str) -> tuple[Case | None, str]:
    """The case a message answers, and how it was found: our thread root
    `<case-CS…@NOTIFICATION_MESSAGE_ID_DOMAIN>` or the Message-ID of one of our outgoing messages
    (In-Reply-To / References), an earlier inbound message of the same thread, else a case
    (or case task) number in the subject."""
    domain = settings.NOTIFICATION_MESSAGE_ID_DOMAIN.lower()
    for mid in thread_ids:
        match = _CASE_ROOT.match(mid)
        if match and match.group(2).lower() == domain:
            case = Case.objects.filter(number=match.group(1).upper()).select_related("lifecycle").first()
            if case is not None:
                return case, f"thread header <{mid}>"
    for related in notification_related_for_message_ids(thread_ids):
        case = _case_from_related(related)
        if case is not None:
            return case, "a reply to our message"
    if thread_ids:
        earlier = (
            InboundMessage.objects.filter(message_id__in=thread_ids[:50], case__isnull=False)
            .select_related("case__lifecycle").order_by("-received_at").first()
        )
        if earlier is not None:
            return earlier.case, "an earlier message of the thread"
    task = _TASK_NUMBER.search(subject or "")
    if task:
        row = CaseTask.objects.filter(number=task.group(1).upper()).select_related("case__lifecycle").first()
        if row is not None:
            return row.case, f"task number {row.number} in the subject"
    number = _CASE_NUMBER.search(subject or "")
    if number:
        case = Case.objects.filter(number=number.group(1).upper()).select_related("lifecycle").first()
        if case is not None:
            return case, f"case number {case.number} in the subject"
    return None, ""


def thread_interaction(*, thread_ids: list[str]) -> Interaction | None:
    """The interaction an earlier message of the same thread went to."""
    if not thread_ids:
        return None
    earlier = (
        InboundMessage.objects.filter(message_id__in=thread_ids[:50], interaction__isnull=False)
        .select_related("interaction").order_by("-received_at").first()
    )
    return earlier.interaction if earlier is not None else None


def case_of_closed_interaction(interaction: Interaction) -> Case | None:
    """Where a reply to a closed interaction goes when it is not to its open follow-up (reference 4,
    reply routing for closed interactions): the open case it is about, the most recently opened
    of several; None while it is open, has an open follow-up or is about no open case (a new
    follow-up interaction then)."""
    if not interaction.is_closed or interaction.follow_ups.filter(state__in=OPEN_STATES).exists():
        return None
    return (
        Case.objects.filter(interaction_records__interaction=interaction)
        .exclude(state_category__in=(StateCategory.CLOSED, StateCategory.CANCELLED))
        .order_by("-opened_at", "-id").first()
    )
