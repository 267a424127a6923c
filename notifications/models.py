"""The outbox: one row per outgoing message, written in the transaction of the change that causes
it and sent by Celery after commit. The row is the truth; a lost broker message only delays it
(the beat re-queues pending rows whose `next_attempt_at` has passed)."""
from django.conf import settings
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.models import TimeStampedModel
from notifications.choices import NotificationState


class Notification(ConcurrentTransitionMixin, TimeStampedModel):
    event = models.CharField(max_length=50, help_text="What caused it, e.g. sla.75 or escalation.approved.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
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

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="notification_pending_due",
                condition=models.Q(state=NotificationState.PENDING),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
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
