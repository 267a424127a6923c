"""Reads for the interfaces, scoped to the reader."""
from django.db.models import QuerySet

from notifications.models import NotificationPreference


def notification_preference_list_for_user(*, user) -> QuerySet[NotificationPreference]:
    """A person's own preferences (the API manages only one's own; admins use the admin)."""
    if not user or not user.is_authenticated:
        return NotificationPreference.objects.none()
    return NotificationPreference.objects.filter(user=user).order_by("topic")
