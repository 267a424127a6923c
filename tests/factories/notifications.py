import factory

from notifications.models import Notification

__all__ = ["NotificationFactory"]


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    event = "case.commented"
    to_address = factory.Sequence(lambda n: f"reader{n}@example.com")
    subject = factory.Sequence(lambda n: f"Case CS{n:07d} has a new comment")
    body = "A new comment was added."
