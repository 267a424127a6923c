from rest_framework import serializers

from cases.models import CaseType, CaseTypeField
from catalog.selectors import service_definition_list_for_user
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.rendering import FastReadMixin, SimpleInputMixin
from core.api.serializers import StrictModelSerializer, StrictSerializer


class CaseTypeFieldSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseTypeField
        fields = ["name", "label", "kind", "required", "choices", "customer_visible", "help_text", "order"]
        read_only_fields = fields


class CaseTypeSerializer(StrictModelSerializer):
    fields = CaseTypeFieldSerializer(many=True, read_only=True)
    service_definitions = ScopedPrimaryKeyRelatedField(
        selector=service_definition_list_for_user, many=True, required=False,
        help_text="Ids of the services whose requests open a case of this type.",
    )

    class Meta:
        model = CaseType
        fields = [
            "id", "name", "code", "category", "description", "active", "lifecycle", "service_definitions", "fields",
            "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at", "fields"]
        # uniqueness is the service's (one clear message, no DRF duplicate)
        extra_kwargs = {"name": {"validators": []}, "code": {"validators": []}}


# --- cases ---------------------------------------------------------------------------------------
from cases.api.escalation_summary import escalation_field, escalation_summary  # noqa: E402
from cases.services.entitlements import entitlement_warning  # noqa: E402
from catalog import selectors as catalog_selectors  # noqa: E402
from cases import permissions as case_permissions  # noqa: E402
from cases import selectors as case_selectors  # noqa: E402
from cases.choices import ResolutionCode  # noqa: E402
from cases.models import Case, CaseEvent  # noqa: E402
from customers import selectors as customer_selectors  # noqa: E402
from users import selectors as user_selectors  # noqa: E402
from users.api.fields import UserIdField  # noqa: E402

CASE_FIELDS = [
    "id", "number", "state", "priority", "impact", "urgency", "category", "channel", "short_description",
    "description", "account", "contact", "consumer", "partner", "product", "asset", "sold_product", "contract",
    "entitlement", "service_definition", "case_type", "assignment_group", "assigned_to", "resolution_code",
    "close_notes", "opened_at", "opened_by", "resolved_at", "resolved_by", "closed_at", "closed_by",
    "first_response_at", "needs_attention", "reopen_count", "parent", "major_case_state", "customer_project",
    "created_at", "updated_at", "state_category", "version", "reassignment_count", "install_base_item", "extra",
    "sla_due", "made_sla", "auto_close", "entitlement_override_reason", "entitlement_warning", "escalation",
]
CUSTOMER_HIDDEN = case_permissions.CASE_FIELDS_HIDDEN_FROM_CUSTOMERS  # the one map: cases.permissions


class CaseSerializer(FastReadMixin, serializers.ModelSerializer):
    """A case as the agent side sees it. `to_representation` trims it for the customer side."""

    customer_project = serializers.IntegerField(source="customer_project_id", read_only=True, allow_null=True)
    entitlement_warning = serializers.SerializerMethodField(help_text="Agents: why the entitlement needs a look.")
    escalation = serializers.SerializerMethodField(help_text="The latest escalation (customers: its state).")

    class Meta:
        model = Case
        fields = CASE_FIELDS
        read_only_fields = CASE_FIELDS
        optional_fields = CUSTOMER_HIDDEN  # the customer side's answer leaves them out (core.api.schema)

    def get_entitlement_warning(self, case) -> str | None:
        return entitlement_warning(case) if self.context.get("internal", True) else None

    @escalation_field
    def get_escalation(self, case):
        return escalation_summary(self, case, internal=self.context.get("internal", True))

    def to_representation(self, case):
        data = super().to_representation(case)
        if not self.context.get("internal", True):
            for name in CUSTOMER_HIDDEN:
                data.pop(name, None)
            hidden_extra = {f.name for f in _type_fields(case) if not f.customer_visible}
            data["extra"] = {k: v for k, v in (data.get("extra") or {}).items() if k not in hidden_extra}
        return data


def _type_fields(case):
    return list(case.case_type.fields.all()) if case.case_type_id else []


class CaseDetailSerializer(CaseSerializer):
    allowed_actions = serializers.SerializerMethodField()

    class Meta(CaseSerializer.Meta):
        fields = [*CASE_FIELDS, "allowed_actions"]
        read_only_fields = fields

    def get_allowed_actions(self, case) -> list[str]:
        from cases.services import case_allowed_actions

        return case_allowed_actions(case, self.context["request"].user)


def _scoped(selector, **kwargs):
    return ScopedPrimaryKeyRelatedField(selector=selector, required=False, allow_null=True, **kwargs)


class CaseWriteSerializer(SimpleInputMixin, StrictSerializer):
    """Input of create and PATCH. Related ids resolve through the caller's scope. A field of the
    case that is not written here (`state`, `number`, the dates, ...) is a 400 naming it: `state`
    moves only through the actions, which the message lists for the case and the caller."""

    read_only_names = frozenset(CASE_FIELDS) | {"allowed_actions"}

    short_description = serializers.CharField(max_length=160, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Case._meta.get_field("category").choices, required=False)
    channel = serializers.ChoiceField(
        choices=Case._meta.get_field("channel").choices, required=False,
        help_text="Agents. A case the customer side opens itself is web (any other: 400).",
    )
    priority = serializers.ChoiceField(
        choices=Case._meta.get_field("priority").choices, required=False,
        help_text="Agents; unset, it follows impact x urgency.",
    )
    impact = serializers.ChoiceField(
        choices=Case._meta.get_field("impact").choices, required=False, help_text="Agents (the customer side: 400).",
    )
    urgency = serializers.ChoiceField(
        choices=Case._meta.get_field("urgency").choices, required=False,
        help_text="How urgent it is; the customer side may say so (its cases stay at impact 3, so at most priority 3).",
    )
    case_type = _scoped(case_selectors.case_type_list_for_user)
    account = _scoped(customer_selectors.account_list_for_user)
    # with its account (the case takes it; the customer's mail names it) and login (who is told)
    contact = _scoped(customer_selectors.contact_list_for_user, related=("account", "user"))
    consumer = _scoped(customer_selectors.consumer_list_for_user)
    partner = _scoped(customer_selectors.account_list_for_user)
    product = _scoped(catalog_selectors.product_list_for_user)
    asset = _scoped(catalog_selectors.asset_list_for_user)
    sold_product = _scoped(catalog_selectors.sold_product_list_for_user)
    install_base_item = _scoped(catalog_selectors.install_base_item_list_for_user)
    contract = _scoped(catalog_selectors.contract_list_for_user)
    entitlement = _scoped(catalog_selectors.entitlement_list_for_user)
    service_definition = _scoped(catalog_selectors.service_definition_list_for_user)
    assignment_group = _scoped(user_selectors.assignment_group_list_for_user)
    assigned_to = UserIdField(required=False, allow_null=True)
    parent = _scoped(case_selectors.case_list_for_user)
    needs_attention = serializers.BooleanField(required=False)
    auto_close = serializers.BooleanField(required=False, help_text="Resolved cases: false opts out of auto-close.")
    entitlement_override_reason = serializers.CharField(
        required=False, allow_blank=True, help_text="Agents: why an entitlement that does not cover the case is set."
    )
    extra = serializers.DictField(required=False)
    resolution_code = serializers.ChoiceField(choices=ResolutionCode.choices, required=False, allow_blank=True)
    close_notes = serializers.CharField(required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, help_text="PATCH: the version you read; 409 if it moved on.")

    def get_allowed_actions(self, case) -> list[str]:
        from cases.services import case_allowed_actions

        return case_allowed_actions(case, self.context["request"].user)


class CaseCreateSerializer(CaseWriteSerializer):
    short_description = serializers.CharField(max_length=160)


class CaseActionInputSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True)
    work_note = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True)
    resolution_code = serializers.CharField(required=False, allow_blank=True)
    close_notes = serializers.CharField(required=False, allow_blank=True)
    notes_to_comments = serializers.BooleanField(required=False)


class CaseAssignInputSerializer(StrictSerializer):
    assignment_group = _scoped(user_selectors.assignment_group_list_for_user)
    assigned_to = UserIdField(required=False, allow_null=True)


class CaseEventSerializer(FastReadMixin, serializers.ModelSerializer):
    author = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null: the system (a rule, a timer, mail)."
    )

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "author", "created_at", "body", "field", "old", "new"]
        read_only_fields = fields


class JournalEntrySerializer(StrictModelSerializer):
    author = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="null: the system (a rule, a timer, mail)."
    )

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "author", "body", "created_at"]
        read_only_fields = fields


class JournalEntryInputSerializer(StrictSerializer):
    """A comment or work note to add: the text is required (the model's body may be blank, an entry may not)."""

    body = serializers.CharField(help_text="The text of the comment or work note.")
