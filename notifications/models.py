"""The outbox: one row per outgoing message, written in the transaction of the change that causes
it and sent by Celery after commit. The row is the truth; a lost broker message only delays it
(the beat re-queues pending rows whose `next_attempt_at` has passed)."""
from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import TimeStampedModel
from notifications.choices import Audience, Delivery, NotificationState


class Notification(ConcurrentTransitionMixin, TimeStampedModel):
    event = models.CharField(max_length=50, help_text="What caused it, e.g. sla.75 or escalation.approved.")
    recipient = models.ForeignKey(  # indexed by notification_recipient (recipient first), not on its own
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications",
        db_index=False,
    )
    to_address = models.EmailField(blank=True)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    headers = models.JSONField(default=dict, blank=True, help_text="Extra mail headers (threading).")
    related = models.CharField(max_length=80, blank=True, db_index=True, help_text="app_label.model:pk")
    dedupe_key = models.CharField(
        max_length=200, null=True, blank=True, unique=True,
        help_text="A second message with the same key is never created: exactly once.",
    )
    state = FSMField(max_length=16, choices=NotificationState.choices, default=NotificationState.PENDING, protected=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="When the beat queues it (again).")
    sent_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices, blank=True)
    digest = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="digested",
        help_text="The digest message this one was sent in.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="notification_pending_due",
                condition=models.Q(state=NotificationState.PENDING),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            # The flood guard counts recent messages to an address without a login.
            models.Index(fields=["to_address", "-created_at"], name="notification_address"),
            # The digest scan: only rows held for a digest.
            models.Index(
                fields=["created_at"], name="notification_held", condition=models.Q(state=NotificationState.HELD)
            ),
            # Inbound mail threads a reply by the Message-ID of the message it answers.
            models.Index(fields=["message_id"], name="notification_message_id"),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.to_address or self.recipient or '?'}"

    @transition(field=state, source=NotificationState.PENDING, target=NotificationState.SENT)
    def mark_sent(self) -> None:
        pass

    @transition(field=state, source=NotificationState.PENDING, target=NotificationState.FAILED)
    def mark_failed(self) -> None:
        pass

    @transition(field=state, source=[NotificationState.FAILED, NotificationState.SENT], target=NotificationState.PENDING)
    def requeue(self) -> None:
        pass

    @transition(field=state, source=NotificationState.HELD, target=NotificationState.PENDING)
    def release(self) -> None:
        """Send a held message on its own after all (from the admin)."""


class NotificationTemplate(TimeStampedModel):
    """The text of one event's message for one audience, as Django template text rendered in a
    sandbox (notifications.rendering). The shipped defaults come from the event registry; an
    inactive template switches that message off for everyone."""

    event = models.CharField(max_length=50, help_text="The event code, e.g. case.commented.")
    audience = models.CharField(max_length=16, choices=Audience.choices)
    subject = models.CharField(max_length=255, help_text="One line; the case number is prefixed when sent.")
    body = models.TextField(help_text="Plain text. Django template syntax; the variables are listed below.")
    active = models.BooleanField(default=True, help_text="Off: this message is not sent at all.")

    class Meta:
        ordering = ["event", "audience"]
        constraints = [
            models.UniqueConstraint(fields=["event", "audience"], name="notificationtemplate_unique_event_audience")
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.get_audience_display().lower()})"


class NotificationPreference(TimeStampedModel):
    """One person's choice for one topic: an event code, a group (`case.*`) or everything (`*`).
    The most specific row wins; without one, NOTIFICATION_DEFAULT_DELIVERY and email on."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    topic = models.CharField(max_length=50, help_text="An event code (case.commented), a group (case.*) or *.")
    email = models.BooleanField(default=True, help_text="Off: no email for this topic (mandatory messages still go).")
    delivery = models.CharField(max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)

    class Meta:
        ordering = ["user", "topic"]
        constraints = [models.UniqueConstraint(fields=["user", "topic"], name="notificationpreference_unique_topic")]

    def __str__(self) -> str:
        return f"{self.user}: {self.topic}"
