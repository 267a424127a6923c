import factory

from notifications.choices import Audience
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from tests.factories.users import UserFactory

__all__ = ["NotificationFactory", "NotificationTemplateFactory", "NotificationPreferenceFactory"]


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    event = "case.commented"
    to_address = factory.Sequence(lambda n: f"reader{n}@example.com")
    subject = factory.Sequence(lambda n: f"Case CS{n:07d} has a new comment")
    body = "A new comment was added."


class NotificationTemplateFactory(factory.django.DjangoModelFactory):
    """A template row of its own event code (the shipped events have their rows from migrations)."""

    class Meta:
        model = NotificationTemplate

    event = factory.Sequence(lambda n: f"test.event{n}")
    audience = Audience.CUSTOMER
    subject = "About {{ case.number }}"
    body = "Hello {{ case.contact }}"


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    topic = "case.*"
    email = True
    delivery = "digest"
