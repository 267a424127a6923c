"""Reads for the interfaces, scoped to the reader."""
from django.db.models import QuerySet

from notifications import registry
from notifications.choices import Audience
from notifications.models import Notification, NotificationPreference


def notification_list_for_user(*, user) -> QuerySet[Notification]:
    """A person's own messages (they are the recipient), newest first: what was sent to them, or is
    held for their digest. A message written for the internal audience only while they read as
    staff (registry.reader_audience), so a customer never reads an internal text, even one sent to
    them when they were staff. Through the `notification_recipient` index (recipient, -created_at)."""
    if not user or not user.is_authenticated:
        return Notification.objects.none()
    rows = Notification.objects.filter(recipient=user)
    if registry.reader_audience(user) != Audience.INTERNAL:
        rows = rows.exclude(audience=Audience.INTERNAL)
    return rows.order_by("-created_at", "-id")


def notification_preference_list_for_user(*, user) -> QuerySet[NotificationPreference]:
    """A person's own preferences (the API manages only one's own; admins use the admin)."""
    if not user or not user.is_authenticated:
        return NotificationPreference.objects.none()
    return NotificationPreference.objects.filter(user=user).order_by("topic")


def notification_related_for_message_ids(message_ids: list[str]) -> list[str]:
    """System read for inbound mail: what the outgoing messages with these Message-IDs (without
    angle brackets) were about (`app_label.model:pk`), in the order given. Unscoped: the caller
    (the mail threader) checks the sender's right to the record it finds."""
    if not message_ids:
        return []
    wanted = [f"<{mid}>" for mid in message_ids[:50]]
    found = dict(
        Notification.objects.filter(message_id__in=wanted).exclude(related="").values_list("message_id", "related")
    )
    return [found[mid] for mid in wanted if mid in found]
