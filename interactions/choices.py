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
