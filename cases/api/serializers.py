from rest_framework import serializers

from cases.models import CaseType
from catalog.selectors import service_definition_list_for_user
from core.api.fields import ScopedPrimaryKeyRelatedField


class CaseTypeSerializer(serializers.ModelSerializer):
    service_definitions = ScopedPrimaryKeyRelatedField(
        selector=service_definition_list_for_user, many=True, required=False,
        help_text="Ids of the services whose requests open a case of this type.",
    )

    class Meta:
        model = CaseType
        fields = [
            "id", "name", "code", "category", "description", "active", "service_definitions", "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # uniqueness is the service's (one clear message, no DRF duplicate)
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}
