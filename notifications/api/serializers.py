from rest_framework import serializers

from core.api.serializers import StrictModelSerializer
from notifications.choices import Delivery
from notifications.models import NotificationPreference


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
