from rest_framework import serializers

from core.api.serializers import StrictModelSerializer
from notifications.choices import Delivery, NotificationState
from notifications.models import Notification, NotificationPreference


class NotificationPreferenceSerializer(StrictModelSerializer):
    topic = serializers.CharField(
        max_length=50, help_text="An event code (case.commented), a group of events (case.*) or * for everything."
    )

    class Meta:
        model = NotificationPreference
        fields = ["id", "topic", "email", "delivery", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class NotificationPreferenceUpdateSerializer(StrictModelSerializer):
    refused_messages = {
        "topic": "topic cannot be changed: delete this preference and add one for the other topic.",
    }

    class Meta:
        model = NotificationPreference
        fields = ["id", "topic", "email", "delivery", "created_at", "updated_at"]
        read_only_fields = ["id", "topic", "created_at", "updated_at"]


class EffectivePreferenceSerializer(serializers.Serializer):
    event = serializers.CharField()
    label = serializers.CharField()
    group = serializers.CharField()
    audiences = serializers.ListField(child=serializers.CharField())
    mandatory = serializers.BooleanField()
    email = serializers.BooleanField()
    delivery = serializers.ChoiceField(choices=Delivery.choices)
    source = serializers.CharField(help_text="The topic that decided it, 'default' or 'mandatory'.")


class NotificationSerializer(serializers.ModelSerializer):
    """One of your messages, as it was (or will be) mailed to you; no delivery internals."""

    state = serializers.ChoiceField(choices=NotificationState.choices, read_only=True,
                                    help_text="pending, sent, failed, held (for a digest) or digested.")
    body = serializers.SerializerMethodField(
        help_text="The text. null for account mails (sign-in links, temporary passwords): read those in your mailbox."
    )
    related = serializers.CharField(read_only=True, help_text="What it is about, as app_label.model:id; may be empty.")
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    digest = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True,
                                                help_text="The digest message it went out in, if any.")

    class Meta:
        model = Notification
        fields = ["id", "event", "subject", "body", "related", "state", "created_at", "sent_at", "digest"]
        read_only_fields = fields

    def get_body(self, notification) -> str | None:
        # Catalogue messages are rendered for an audience; a message without one is an account mail
        # whose body may carry a credential, which an API token must not be able to read back.
        return notification.body if notification.audience else None
