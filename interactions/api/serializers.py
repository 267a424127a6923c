from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import selectors as case_selectors
from catalog import selectors as catalog_selectors
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.serializers import StrictSerializer
from core.choices import Channel
from customers import selectors as customer_selectors
from customers.models import Account, Consumer, Contact
from interactions import services
from interactions.choices import EndOutcome, EntryKind, InteractionState, InteractionType, WrapUpCode
from interactions.models import Interaction, InteractionEntry, InteractionRelatedRecord
from users import selectors as user_selectors
from users.api.fields import UserIdField
from users.models import AssignmentGroup

STATES = ", ".join(InteractionState.values)
_LIST_FIELDS = [
    "id", "number", "type", "state", "short_description", "account", "contact", "consumer", "caller_name",
    "caller_address", "assignment_group", "assigned_to", "assigned_to_username", "source", "external_id", "parent",
    "opened_at", "queued_at", "accepted_at", "closed_at", "wrap_up_code", "last_activity_at",
]


class InteractionSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True, help_text=STATES)
    assigned_to_username = serializers.CharField(
        source="assigned_to.username", read_only=True, default=None, allow_null=True
    )
    # read-only fields lose the model's blank=True; say it, so "" (no wrap-up yet) is in the schema
    wrap_up_code = serializers.ChoiceField(choices=WrapUpCode.choices, read_only=True, allow_blank=True)

    class Meta:
        model = Interaction
        fields = _LIST_FIELDS
        read_only_fields = fields


class InteractionEntrySerializer(serializers.ModelSerializer):
    author_username = serializers.CharField(source="author.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = InteractionEntry
        fields = ["id", "kind", "author", "author_username", "author_name", "body", "created_at", "external_id"]
        read_only_fields = fields


class InteractionCaseSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="case.number", read_only=True)
    short_description = serializers.CharField(source="case.short_description", read_only=True)
    state = serializers.CharField(source="case.state", read_only=True)

    class Meta:
        model = InteractionRelatedRecord
        fields = ["id", "case", "case_number", "short_description", "state", "created_at", "created_by"]
        read_only_fields = fields


class InteractionDetailSerializer(InteractionSerializer):
    """One interaction with its transcript, work notes, linked cases and what the caller may do."""

    wrap_up_duration_seconds = serializers.SerializerMethodField()
    entries = serializers.SerializerMethodField()
    related_cases = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(InteractionSerializer.Meta):
        fields = _LIST_FIELDS + [
            "opened_for", "opened_by", "accepted_by", "closed_by", "close_reason", "wrap_up_notes",
            "wrap_up_started_at", "wrap_up_duration_seconds", "entries", "related_cases", "allowed_actions",
        ]
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_wrap_up_duration_seconds(self, obj) -> int | None:
        return int(obj.wrap_up_duration.total_seconds()) if obj.wrap_up_duration is not None else None

    @extend_schema_field(InteractionEntrySerializer(many=True))
    def get_entries(self, obj):
        from interactions.selectors import interaction_entries_for_user

        return InteractionEntrySerializer(interaction_entries_for_user(user=self._user(), interaction=obj), many=True).data

    @extend_schema_field(InteractionCaseSerializer(many=True))
    def get_related_cases(self, obj):
        from interactions.selectors import interaction_cases_for_user

        return InteractionCaseSerializer(interaction_cases_for_user(user=self._user(), interaction=obj), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj) -> list[str]:
        return services.interaction_allowed_actions(obj, self._user())


# --- command inputs ------------------------------------------------------------------------------
def _groups(*, user):
    return user_selectors.assignment_group_list_for_user(user=user).filter(active=True)


class HoldInputSerializer(StrictSerializer):
    assignment_group = ScopedPrimaryKeyRelatedField(
        selector=_groups, required=False, allow_null=True,
        help_text="Queue it in this group (a transfer); default: its own group.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class WrapUpInputSerializer(StrictSerializer):
    wrap_up_code = serializers.ChoiceField(choices=WrapUpCode.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class CloseInputSerializer(WrapUpInputSerializer):
    pass


class WorkNoteInputSerializer(StrictSerializer):
    body = serializers.CharField(allow_blank=True)


class LinkCaseInputSerializer(StrictSerializer):
    case = serializers.CharField(help_text="The case's number (CS0000001) or id.")
    close = serializers.BooleanField(
        default=False, help_text="Close an open email interaction complete in the same step (email must be closed first)."
    )

    def validate_case(self, value):
        from interactions.selectors import case_by_key_for_user

        case = case_by_key_for_user(user=self.context["request"].user, key=value)
        if case is None:
            raise serializers.ValidationError(f"No case {value}.")
        return case


class CreateCaseInputSerializer(StrictSerializer):
    """Everything is optional: the case is prefilled from the interaction (person, channel, subject)."""

    short_description = serializers.CharField(required=False, allow_blank=True, max_length=160, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.CharField(required=False, allow_blank=True)
    impact = serializers.IntegerField(required=False, min_value=1, max_value=3)
    urgency = serializers.IntegerField(required=False, min_value=1, max_value=3)
    priority = serializers.IntegerField(required=False, min_value=1, max_value=4)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, help_text="Default: from the interaction's type.")
    case_type = ScopedPrimaryKeyRelatedField(
        selector=case_selectors.case_type_list_for_user, required=False, allow_null=True
    )
    product = ScopedPrimaryKeyRelatedField(
        selector=catalog_selectors.product_list_for_user, required=False, allow_null=True
    )
    account = ScopedPrimaryKeyRelatedField(
        selector=customer_selectors.account_list_for_user, required=False, allow_null=True
    )
    contact = ScopedPrimaryKeyRelatedField(
        selector=customer_selectors.contact_list_for_user, required=False, allow_null=True
    )
    consumer = ScopedPrimaryKeyRelatedField(
        selector=customer_selectors.consumer_list_for_user, required=False, allow_null=True
    )
    assignment_group = ScopedPrimaryKeyRelatedField(selector=_groups, required=False, allow_null=True)
    assigned_to = UserIdField(required=False, allow_null=True)


class CreateCaseResultSerializer(serializers.Serializer):
    case = serializers.IntegerField(help_text="The new case's id.")
    case_number = serializers.CharField()
    interaction = InteractionDetailSerializer()


# --- channel intake ------------------------------------------------------------------------------
class IntakeRefSerializer(StrictSerializer):
    """Which interaction: its number, or the channel system's own id of the conversation."""

    interaction = serializers.CharField(required=False, allow_blank=True, help_text="IMS0000001")
    source = serializers.CharField(required=False, allow_blank=True, max_length=50)
    external_id = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate(self, attrs):
        number, source, external_id = attrs.get("interaction"), attrs.get("source"), attrs.get("external_id")
        if not number and not (source and external_id):
            raise serializers.ValidationError({"interaction": "Give the interaction's number, or source and external_id."})
        qs = Interaction.objects.all()
        found = qs.filter(number=number.upper()).first() if number else qs.filter(source=source, external_id=external_id).first()
        if found is None:
            from rest_framework.exceptions import NotFound

            raise NotFound("No such interaction.")
        attrs["found"] = found
        return attrs


def _agents():
    return user_selectors.user_list_internal().filter(is_active=True)


class IntakeOpenInputSerializer(StrictSerializer):
    type = serializers.ChoiceField(choices=InteractionType.choices)
    short_description = serializers.CharField(required=False, allow_blank=True, max_length=160, default="")
    source = serializers.CharField(required=False, allow_blank=True, max_length=50, default="", help_text="e.g. web-chat, pbx")
    external_id = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="",
        help_text="The channel's id of the conversation: opening it again returns the same interaction.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="", help_text="Identifies the contact or consumer.")
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40, default="", help_text="Identifies the contact or consumer.")
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    contact = serializers.PrimaryKeyRelatedField(queryset=Contact.objects.filter(active=True), required=False, allow_null=True)
    consumer = serializers.PrimaryKeyRelatedField(queryset=Consumer.objects.filter(active=True), required=False, allow_null=True)
    account = serializers.PrimaryKeyRelatedField(queryset=Account.objects.all(), required=False, allow_null=True)
    assignment_group = serializers.PrimaryKeyRelatedField(
        queryset=AssignmentGroup.objects.filter(active=True), required=False, allow_null=True,
        help_text="The queue it waits in (on hold) until an agent accepts it.",
    )
    agent = serializers.SlugRelatedField(
        slug_field="username", queryset=_agents(), required=False, allow_null=True,
        help_text="The agent the conversation is already connected to: it opens in progress, assigned to them.",
    )
    message = serializers.CharField(required=False, allow_blank=True, default="", help_text="The customer's first message.")
    message_id = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class IntakeMessageInputSerializer(IntakeRefSerializer):
    body = serializers.CharField(allow_blank=True)
    kind = serializers.ChoiceField(
        choices=[(k, EntryKind(k).label) for k in (EntryKind.CUSTOMER, EntryKind.AGENT, EntryKind.SYSTEM)],
        default=EntryKind.CUSTOMER,
    )
    author = serializers.SlugRelatedField(
        slug_field="username", queryset=_agents(), required=False, allow_null=True, help_text="The agent who wrote it."
    )
    author_name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    message_id = serializers.CharField(
        required=False, allow_blank=True, max_length=200, default="", help_text="Appending the same id again records it once."
    )


class IntakeEndInputSerializer(IntakeRefSerializer):
    outcome = serializers.ChoiceField(choices=EndOutcome.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class IntakeInteractionSerializer(serializers.ModelSerializer):
    """What a channel system learns back: no transcript, no notes, no linked cases."""

    state = serializers.CharField(read_only=True, help_text=STATES)
    assigned_to = serializers.CharField(source="assigned_to.username", read_only=True, default=None, allow_null=True)
    parent = serializers.CharField(source="parent.number", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Interaction
        fields = [
            "number", "type", "state", "source", "external_id", "contact", "consumer", "account", "assignment_group",
            "assigned_to", "parent", "opened_at", "closed_at",
        ]
        read_only_fields = fields


class IntakeMessageResultSerializer(serializers.Serializer):
    interaction = IntakeInteractionSerializer()
    entry = serializers.IntegerField(help_text="The transcript entry's id.")
    created = serializers.BooleanField(help_text="False: this message id was already recorded.")
