"""Interactions (reference 4): a conversation between a customer and support on a channel (chat,
phone, email, walk-up, messaging), its transcript and work notes, and the cases it is linked to.

- `Interaction`: a django-fsm state machine (protected): new -> on hold (waiting for assignment)
  -> work in progress (an agent accepted) -> optional wrap up -> closed complete | closed
  abandoned. Transitions touch only the instance; `interactions.services` locks, checks, saves
  and writes the transcript.
- `InteractionEntry`: one line of the transcript (customer, agent or system message, appended by
  the channel or by the services) or an internal work note.
- `InteractionRelatedRecord`: a link to a case (`interaction_related_record`, type Task).
- `Mailbox` and `InboundMessage`: the email channel (reference 3.1, "Email to Case"): mailboxes
  the beat polls, and every raw message stored before it is parsed (interactions.services_mail).
"""
import datetime

from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition

from cases.models import Case, CaseEvent, CaseType
from core.models import TimeStampedModel
from customers.models import Account, Consumer, Contact
from interactions.choices import (
    CLOSED_STATES,
    InboundState,
    MailboxCreates,
    MailSourceKind,
    OPEN_STATES,
    WAITING_STATES,
    EntryKind,
    InteractionState,
    InteractionType,
    WrapUpCode,
)
from users.models import AssignmentGroup, User

S = InteractionState
_OPEN = [s.value for s in OPEN_STATES]
_WAITING = [s.value for s in WAITING_STATES]


class Interaction(ConcurrentTransitionMixin, TimeStampedModel):
    number = models.CharField(max_length=16, unique=True, editable=False)
    type = models.CharField(max_length=16, choices=InteractionType.choices)
    state = FSMField(max_length=24, choices=InteractionState.choices, default=S.NEW, protected=True)
    short_description = models.CharField(max_length=160, blank=True)

    # Who it is with: identified by the channel (email address, phone number) or by the agent.
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="interactions")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="interactions")
    consumer = models.ForeignKey(
        Consumer, null=True, blank=True, on_delete=models.PROTECT, related_name="interactions"
    )
    opened_for = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The customer's login, when the contact or consumer has one.",
    )
    caller_name = models.CharField(max_length=200, blank=True, help_text="The name the channel gave.")
    caller_address = models.CharField(
        max_length=254, blank=True, help_text="The email address or phone number the channel gave."
    )

    assignment_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="interactions",
        help_text="The queue it waits in; empty: any agent may take it.",
    )
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_interactions"
    )

    # The channel system's own id of the conversation (a chat session, a call id): with the
    # source, it makes opening idempotent for a channel that retries.
    source = models.CharField(max_length=50, blank=True, help_text="The channel system, e.g. web-chat, pbx.")
    external_id = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_ups",
        help_text="The closed interaction this one continues (a reply after it was closed).",
    )

    opened_at = models.DateTimeField(editable=False)
    opened_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    queued_at = models.DateTimeField(editable=False, help_text="Since when it waits for an agent (queue order).")
    accepted_at = models.DateTimeField(null=True, blank=True, editable=False)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    wrap_up_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    wrap_up_code = models.CharField(max_length=20, choices=WrapUpCode.choices, blank=True)
    wrap_up_notes = models.TextField(blank=True)
    wrap_up_duration = models.DurationField(
        null=True, blank=True, editable=False, help_text="Time spent in wrap up, set when it closes."
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    close_reason = models.CharField(max_length=200, blank=True, editable=False)
    last_activity_at = models.DateTimeField(editable=False, help_text="Last message or change (inactivity close).")

    class Meta:
        ordering = ["-opened_at", "-id"]
        permissions = [
            ("work_interaction", "Work interactions: accept, hold, wrap up, close, create and link cases"),
            ("intake_interaction", "Open interactions, append messages and end them (chat and telephony systems)"),
            ("supervise_interactions", "Work the interactions of every group, and those assigned to others"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~models.Q(external_id=""),
                name="interaction_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(contact__isnull=True) | models.Q(consumer__isnull=True),
                name="interaction_contact_or_consumer",
            ),
        ]
        indexes = [
            # The inbox: a group's (or the unassigned) waiting interactions, oldest first.
            models.Index(
                fields=["assignment_group", "queued_at"], name="interaction_waiting",
                condition=models.Q(state__in=_WAITING),
            ),
            models.Index(fields=["assigned_to", "state"], name="interaction_assignee_state"),
            models.Index(fields=["state", "-opened_at"], name="interaction_state_opened"),
            models.Index(fields=["type", "-opened_at"], name="interaction_type_opened"),
            models.Index(fields=["-opened_at", "-id"], name="interaction_opened"),
            models.Index(fields=["contact", "-opened_at"], name="interaction_contact_opened"),
            models.Index(fields=["account", "-opened_at"], name="interaction_account_opened"),
            # The inactivity close scans only the email interactions that are still open.
            models.Index(
                fields=["last_activity_at"], name="interaction_email_inactive",
                condition=models.Q(type=InteractionType.EMAIL, state__in=_OPEN),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.short_description}" if self.short_description else self.number

    @property
    def state_fields(self):
        return _STATE_FIELDS  # django-fsm would scan every field of every instance (see Case)

    @property
    def is_closed(self) -> bool:
        return self.state in CLOSED_STATES

    @property
    def is_waiting(self) -> bool:
        return self.state in WAITING_STATES

    @property
    def wrap_up_duration_text(self) -> str:
        if self.wrap_up_duration is None:
            return ""
        minutes, seconds = divmod(int(self.wrap_up_duration.total_seconds()), 60)
        return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"

    # --- transitions: only this row's fields -----------------------------------------------------
    @transition(field=state, source=[S.NEW, S.WORK_IN_PROGRESS], target=S.ON_HOLD)
    def hold(self, *, at: datetime.datetime, assignment_group: AssignmentGroup | None = None) -> None:
        """Queue it for assignment: from new (routed to a queue) or back from an agent."""
        self.assigned_to = None
        self.queued_at = at
        if assignment_group is not None:
            self.assignment_group = assignment_group

    @transition(field=state, source=[S.NEW, S.ON_HOLD], target=S.WORK_IN_PROGRESS)
    def accept(self, *, by: User, at: datetime.datetime) -> None:
        self.assigned_to, self.accepted_by, self.accepted_at = by, by, at

    @transition(field=state, source=S.WORK_IN_PROGRESS, target=S.WRAP_UP)
    def start_wrap_up(self, *, at: datetime.datetime, code: str = "", notes: str = "") -> None:
        self.wrap_up_started_at = at
        if code:
            self.wrap_up_code = code
        if notes:
            self.wrap_up_notes = notes

    @transition(field=state, source=_OPEN, target=S.CLOSED_COMPLETE)
    def close(self, *, by: User | None, at: datetime.datetime, code: str = "", notes: str = "", reason: str = "") -> None:
        if code:
            self.wrap_up_code = code
        if notes:
            self.wrap_up_notes = notes
        if self.wrap_up_started_at is not None:
            self.wrap_up_duration = at - self.wrap_up_started_at
        self.closed_by, self.closed_at, self.close_reason = by, at, reason

    @transition(field=state, source=[S.NEW, S.ON_HOLD, S.WORK_IN_PROGRESS], target=S.CLOSED_ABANDONED)
    def abandon(self, *, by: User | None, at: datetime.datetime, reason: str = "") -> None:
        self.closed_by, self.closed_at, self.close_reason = by, at, reason


class InteractionEntry(models.Model):
    """A transcript line or a work note. Written only by interactions.services."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_name = models.CharField(max_length=200, blank=True, help_text="As the channel named the author.")
    body = models.TextField()
    created_at = models.DateTimeField()
    external_id = models.CharField(
        max_length=200, blank=True, help_text="The channel's message id: a repeated append is recorded once."
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "interaction entries"
        constraints = [
            models.UniqueConstraint(
                fields=["interaction", "external_id"], condition=~models.Q(external_id=""),
                name="interactionentry_unique_external_id",
            ),
        ]
        indexes = [models.Index(fields=["interaction", "created_at", "id"], name="interactionentry_time")]

    def __str__(self) -> str:
        return f"{self.interaction_id} {self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class InteractionRelatedRecord(models.Model):
    """A case the interaction is about (reference 4, "Associate Record", type Task)."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="related_records")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="interaction_records")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["interaction", "case"], name="interactionrecord_unique_case"),
        ]
        indexes = [models.Index(fields=["case", "-created_at"], name="interactionrecord_case")]

    def __str__(self) -> str:
        return f"{self.interaction_id} -> case {self.case_id}"


class Mailbox(TimeStampedModel):
    """An address the product reads mail from, configured by admins. The IMAP password comes
    from the environment variable named in `imap_password_env` or, failing that, is stored here;
    it is never shown, logged or returned by any interface."""

    name = models.CharField(max_length=100, unique=True)
    address = models.EmailField(unique=True, help_text="The address customers write to; mail from it is never answered.")
    kind = models.CharField(max_length=16, choices=MailSourceKind.choices, default=MailSourceKind.IMAP)
    active = models.BooleanField(default=True, help_text="Only active mailboxes are polled.")
    imap_host = models.CharField(max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_ssl = models.BooleanField(default=True, help_text="IMAP over TLS (port 993); off: plain IMAP (143).")
    imap_username = models.CharField(max_length=255, blank=True)
    imap_password_env = models.CharField(
        max_length=100, blank=True,
        help_text="Name of the environment variable holding the password (preferred over storing it here).",
    )
    imap_password = models.CharField(max_length=255, blank=True, help_text="Stored password, if no variable is named.")
    imap_folder = models.CharField(max_length=255, default="INBOX")
    maildir_path = models.CharField(max_length=500, blank=True, help_text="For a maildir source: its directory.")
    creates = models.CharField(
        max_length=16, choices=MailboxCreates.choices, default=MailboxCreates.CASE,
        help_text="What new mail from a known contact or consumer becomes.",
    )
    default_case_type = models.ForeignKey(
        CaseType, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )
    default_assignment_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The queue of the cases and interactions this mailbox opens; empty: routing decides.",
    )
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    # Bookkeeping of the poller (not editable).
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    imap_last_uid = models.BigIntegerField(default=0, editable=False)
    poll_lease_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="A poll is running until then (one poll per mailbox at a time)."
    )
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_poll_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboundMessage(FSMModelMixin, TimeStampedModel):
    """One raw message as it arrived, stored before anything reads it, unique per mailbox by
    its source key (IMAP UIDVALIDITY:UID, maildir key) and by its Message-ID, so a re-poll never
    stores it twice. Parsing and threading fill in the rest and link what was made of it."""

    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="messages")
    source_key = models.CharField(max_length=255)
    message_id = models.CharField(max_length=255, blank=True)
    raw = models.BinaryField(help_text="The message exactly as received.")
    size = models.PositiveIntegerField(default=0)
    state = FSMField(max_length=16, choices=InboundState.choices, default=InboundState.RECEIVED, protected=True)
    reason = models.TextField(blank=True, help_text="Why it was quarantined, ignored or held; notes of the processing.")
    attempts = models.PositiveSmallIntegerField(default=0)
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    from_address = models.CharField(max_length=254, blank=True)
    from_name = models.CharField(max_length=200, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    consumer = models.ForeignKey(Consumer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages")
    comment = models.ForeignKey(CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages"
    )
    attachment_errors = models.JSONField(
        default=list, blank=True, help_text="Attachments refused: [{name, reason}]; the rest was kept."
    )
    attachments_kept = models.PositiveSmallIntegerField(default=0)
    attachment_list = models.JSONField(
        null=True, blank=True, default=None,
        help_text="The message's attachments as read: name, type and size of each (empty: none; "
                  "null: not read yet, or stored before they were recorded).",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "source_key"], name="inbound_unique_source_key"),
            models.UniqueConstraint(
                fields=["mailbox", "message_id"], condition=~models.Q(message_id=""), name="inbound_unique_message_id"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-received_at"], name="inbound_state_received"),
            models.Index(fields=["message_id"], name="inbound_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.from_address or '?'}: {self.subject or '(no subject)'}"

    @property
    def state_fields(self):
        return _INBOUND_STATE_FIELDS

    @transition(field=state, source=InboundState.RECEIVED, target=InboundState.PROCESSED)
    def mark_processed(self, *, at: datetime.datetime, reason: str = "") -> None:
        self.processed_at, self.reason = at, reason

    @transition(field=state, source=InboundState.RECEIVED, target=InboundState.QUARANTINED)
    def quarantine(self, *, at: datetime.datetime, reason: str) -> None:
        self.processed_at, self.reason = at, reason

    @transition(field=state, source=[InboundState.RECEIVED, InboundState.HELD], target=InboundState.IGNORED)
    def ignore(self, *, at: datetime.datetime, reason: str) -> None:
        self.processed_at, self.reason = at, reason

    @transition(field=state, source=InboundState.RECEIVED, target=InboundState.HELD)
    def hold(self, *, at: datetime.datetime, reason: str) -> None:
        self.processed_at, self.reason = at, reason

    @transition(
        field=state, source=[InboundState.QUARANTINED, InboundState.HELD, InboundState.IGNORED],
        target=InboundState.RECEIVED,
    )
    def reopen(self) -> None:
        """Back to received, to be processed again (re-process)."""
        self.processed_at = None


_STATE_FIELDS = (Interaction._meta.get_field("state"),)
_INBOUND_STATE_FIELDS = (InboundMessage._meta.get_field("state"),)
