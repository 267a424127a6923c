from rest_framework import serializers

from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.serializers import StrictModelSerializer, StrictSerializer
from users import selectors
from users.api.fields import UserIdField
from users.choices import Presence
from users.models import AgentChannelCapacity, AgentPresence, AgentSkill, AssignmentGroup, Skill, User
from users.permissions import is_internal
from users.roles import user_roles


class RolesField(serializers.ListField):
    """Role names in, role names out. Read from the groups the selector prefetched (one query for
    the whole page, not one per user); names are checked by the service, which lists the known
    roles when one is wrong."""

    child = serializers.CharField()

    def get_attribute(self, user):
        return user_roles(user)


class UserSerializer(StrictModelSerializer):
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})
    roles = RolesField(required=False)
    assignment_groups = ScopedPrimaryKeyRelatedField(
        selector=selectors.assignment_group_list_for_user, many=True, required=False
    )

    class Meta:
        model = User
        fields = [
            "id", "username", "email", "first_name", "last_name", "password", "roles", "assignment_groups",
            "is_active", "time_zone", "phone", "date_joined", "last_login",
        ]
        read_only_fields = ["date_joined", "last_login"]
        extra_kwargs = {"username": {"validators": []}}  # uniqueness is the model's, checked by the service


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.CharField(), read_only=True)
    is_internal = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()
    consumer = serializers.SerializerMethodField()
    assignment_groups = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id", "username", "email", "first_name", "last_name", "roles", "is_internal", "contact", "consumer",
            "assignment_groups", "time_zone",
        ]
        read_only_fields = fields

    def get_is_internal(self, user) -> bool:
        return is_internal(user)

    def get_contact(self, user) -> dict | None:
        contact = getattr(user, "contact", None)
        return {"id": contact.pk, "account": contact.account_id} if contact else None

    def get_consumer(self, user) -> int | None:
        consumer = getattr(user, "consumer", None)
        return consumer.pk if consumer else None


class AssignmentGroupSerializer(StrictModelSerializer):
    manager = UserIdField(selector=selectors.user_list_for_group_by, allow_null=True, required=False)
    members = UserIdField(selector=selectors.user_list_for_group_by, many=True, required=False)

    class Meta:
        model = AssignmentGroup
        fields = ["id", "name", "description", "email", "manager", "members", "active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}}


class SkillSerializer(StrictModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "description", "active"]
        extra_kwargs = {"name": {"validators": []}}


class AgentSkillSerializer(StrictModelSerializer):
    # user and skill are internal reference data; the service decides who may set a skill, so a
    # customer is told 403 (not theirs to do) rather than "no such skill".
    class Meta:
        model = AgentSkill
        fields = ["id", "user", "skill", "level"]


class AgentSkillUpdateSerializer(AgentSkillSerializer):
    """PATCH changes the level; a different agent or skill is a new row (POST)."""

    skill = serializers.PrimaryKeyRelatedField(read_only=True)
    refused_messages = {
        "user": "user cannot be changed: another agent's skill is a new row (POST /api/v1/agent-skills/).",
        "skill": "skill cannot be changed: another skill is a new row (POST /api/v1/agent-skills/).",
    }

    class Meta(AgentSkillSerializer.Meta):
        read_only_fields = ["user"]


class AgentCapacitySerializer(StrictModelSerializer):
    class Meta:
        model = AgentChannelCapacity
        fields = ["id", "user", "channel", "max_items"]
        extra_kwargs = {"max_items": {"required": True}}  # the service sets what it is told, no default


class AgentCapacityUpdateSerializer(AgentCapacitySerializer):
    refused_messages = {
        "user": "user cannot be changed: another agent's capacity is a new row (POST /api/v1/agent-capacities/).",
        "channel": "channel cannot be changed: another channel's capacity is a new row (POST /api/v1/agent-capacities/).",
    }

    class Meta(AgentCapacitySerializer.Meta):
        read_only_fields = ["user", "channel"]


class AgentPresenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentPresence
        fields = ["id", "user", "status", "changed_at"]
        read_only_fields = fields


class PresenceInputSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=Presence.choices)
