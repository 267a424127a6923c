from django.db import models

from core.choices import Channel


class InteractionType(models.TextChoices):
    """The channel of the conversation (reference 4)."""

    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    WALK_UP = "walk_up", "Walk-up"
    MESSAGING = "messaging", "Messaging"


# The case channel a case created from an interaction gets, and whose capacity an interaction in
# progress uses. Messaging apps (WhatsApp, Messenger, SMS) are the "social" channel of a case.
CASE_CHANNEL = {
    InteractionType.CHAT: Channel.CHAT,
    InteractionType.PHONE: Channel.PHONE,
    InteractionType.EMAIL: Channel.EMAIL,
    InteractionType.WALK_UP: Channel.WALK_IN,
    InteractionType.MESSAGING: Channel.SOCIAL,
}


class InteractionState(models.TextChoices):
    """Reference 4: New (inserted) -> On hold (waiting for assignment) -> Work in progress (an
    agent accepted) -> optional Wrap up (after-contact work) -> Closed complete | Closed abandoned
    (the customer disconnected or stopped answering)."""

    NEW = "new", "New"
    ON_HOLD = "on_hold", "On hold"
    WORK_IN_PROGRESS = "work_in_progress", "Work in progress"
    WRAP_UP = "wrap_up", "Wrap up"
    CLOSED_COMPLETE = "closed_complete", "Closed complete"
    CLOSED_ABANDONED = "closed_abandoned", "Closed abandoned"


WAITING_STATES = (InteractionState.NEW, InteractionState.ON_HOLD)
WORKING_STATES = (InteractionState.WORK_IN_PROGRESS, InteractionState.WRAP_UP)
OPEN_STATES = WAITING_STATES + WORKING_STATES
CLOSED_STATES = (InteractionState.CLOSED_COMPLETE, InteractionState.CLOSED_ABANDONED)


class EntryKind(models.TextChoices):
    """One line of the record: the transcript (customer, agent and system messages, appended by
    the channel or by the services) and internal work notes."""

    CUSTOMER = "customer", "Customer"
    AGENT = "agent", "Agent"
    SYSTEM = "system", "System"
    WORK_NOTE = "work_note", "Work note"


MESSAGE_KINDS = (EntryKind.CUSTOMER, EntryKind.AGENT, EntryKind.SYSTEM)


class WrapUpCode(models.TextChoices):
    """How the contact ended, for reporting (first-contact resolution, cases raised)."""

    RESOLVED = "resolved", "Resolved on first contact"
    INFORMATION = "information", "Information given"
    CASE_CREATED = "case_created", "Case created"
    CASE_LINKED = "case_linked", "Linked to an existing case"
    FOLLOW_UP = "follow_up", "Follow-up needed"
    TRANSFERRED = "transferred", "Transferred"
    NO_ACTION = "no_action", "No action needed (spam, wrong number)"
    OTHER = "other", "Other"


class EndOutcome(models.TextChoices):
    """How a channel reports the end of a conversation."""

    COMPLETE = "complete", "Complete (the conversation ended normally)"
    ABANDONED = "abandoned", "Abandoned (the customer disconnected or stopped answering)"


class MailSourceKind(models.TextChoices):
    IMAP = "imap", "IMAP"
    MAILDIR = "maildir", "Maildir (a directory on this server)"


class MailboxCreates(models.TextChoices):
    """What new mail from a known sender becomes (reference 3.1: email to case, or an email
    interaction that an agent turns into a case when needed)."""

    CASE = "case", "A case"
    INTERACTION = "interaction", "An email interaction"


class InboundState(models.TextChoices):
    """A stored raw message: received (stored, not yet processed) -> processed (a case, comment
    or interaction was made) | quarantined (it could not be read or was too big) | ignored (an
    auto-reply, a bounce, our own mail, or discarded by an agent) | held (an unknown sender, or a
    sender who may not write to the case: waiting for an agent)."""

    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    QUARANTINED = "quarantined", "Quarantined"
    IGNORED = "ignored", "Ignored"
    HELD = "held", "Held for an agent"


class UnknownSenderPolicy(models.TextChoices):
    HOLD = "hold", "Hold the message for an agent"
    INTERACTION = "interaction", "Open an email interaction with an unidentified sender"
    IGNORE = "ignore", "Ignore it"


class ClosedCasePolicy(models.TextChoices):
    NEW_CASE = "new_case", "Open a new case linked to the closed one"
    NOTICE = "notice", "Tell the sender the case is closed"
