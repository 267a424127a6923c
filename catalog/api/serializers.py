from datetime import date
from decimal import Decimal

from rest_framework import serializers

from catalog import selectors
from catalog.models import (
    Asset,
    CatalogItem,
    CatalogItemVariable,
    Contract,
    Entitlement,
    Holiday,
    InstallBaseItem,
    Product,
    Schedule,
    ScheduleSpan,
    ServiceDefinition,
    SoldProduct,
)
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.serializers import StrictModelSerializer, StrictSerializer
from core.choices import Channel
from customers import selectors as customer_selectors

_STAMPS = ["created_at", "updated_at"]


def _optional(selector, **kwargs) -> ScopedPrimaryKeyRelatedField:
    return ScopedPrimaryKeyRelatedField(selector=selector, allow_null=True, required=False, **kwargs)


# Owned records name an account or a consumer; the model's `clean` insists on exactly one.
def _account() -> ScopedPrimaryKeyRelatedField:
    return _optional(customer_selectors.account_list_for_user)


def _consumer() -> ScopedPrimaryKeyRelatedField:
    return _optional(customer_selectors.consumer_list_for_user)


class ChoiceListField(serializers.ListField):
    """A list of choice values whose errors are one flat list ("fax" is not a channel ...),
    not DRF's {index: [...]} map."""

    def run_child_validation(self, data):
        try:
            return super().run_child_validation(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError([msg for messages in exc.detail.values() for msg in messages]) from None


class ProductSerializer(StrictModelSerializer):
    parent = _optional(selectors.product_list_for_user)

    class Meta:
        model = Product
        fields = ["id", "name", "model_number", "manufacturer", "parent", "description", "active", *_STAMPS]
        read_only_fields = _STAMPS
        extra_kwargs = {"model_number": {"validators": []}}  # uniqueness is the service's


# --- schedules ---------------------------------------------------------------------------------
class ScheduleSpanNestedSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScheduleSpan
        fields = ["id", "weekday", "start_time", "end_time"]
        read_only_fields = fields


class HolidayNestedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "name", "date"]
        read_only_fields = fields


class ScheduleSerializer(StrictModelSerializer):
    """Spans and holidays are read here and written through their own endpoints."""

    spans = ScheduleSpanNestedSerializer(many=True, read_only=True)
    holidays = HolidayNestedSerializer(many=True, read_only=True)

    class Meta:
        model = Schedule
        fields = ["id", "name", "time_zone", "description", "active", "spans", "holidays", *_STAMPS]
        read_only_fields = _STAMPS
        extra_kwargs = {"name": {"validators": []}}


class ScheduleSpanSerializer(StrictModelSerializer):
    schedule = ScopedPrimaryKeyRelatedField(selector=selectors.schedule_list_for_user)

    class Meta:
        model = ScheduleSpan
        fields = ["id", "schedule", "weekday", "start_time", "end_time"]


class HolidaySerializer(StrictModelSerializer):
    schedule = ScopedPrimaryKeyRelatedField(selector=selectors.schedule_list_for_user)

    class Meta:
        model = Holiday
        fields = ["id", "schedule", "name", "date"]
        validators = []  # one holiday per schedule and date: the service's check, one message


# --- customer-owned records --------------------------------------------------------------------
class ContractSerializer(StrictModelSerializer):
    account = _account()
    consumer = _consumer()

    class Meta:
        model = Contract
        fields = ["id", "number", "name", "account", "consumer", "description", "starts_on", "ends_on", "active",
                  *_STAMPS]
        read_only_fields = ["number", *_STAMPS]


class SoldProductSerializer(StrictModelSerializer):
    account = _account()
    consumer = _consumer()
    parent = _optional(selectors.sold_product_list_for_user)
    product = ScopedPrimaryKeyRelatedField(selector=selectors.product_list_for_user)
    contact = _optional(customer_selectors.contact_list_for_user)
    contract = _optional(selectors.contract_list_for_user)

    class Meta:
        model = SoldProduct
        fields = ["id", "name", "account", "consumer", "parent", "product", "contact", "contract", "quantity",
                  "starts_on", "ends_on", *_STAMPS]
        read_only_fields = _STAMPS


class InstallBaseItemSerializer(StrictModelSerializer):
    account = _account()
    consumer = _consumer()
    parent = _optional(selectors.install_base_item_list_for_user)
    product = _optional(selectors.product_list_for_user)
    sold_product = _optional(selectors.sold_product_list_for_user)
    location = _optional(customer_selectors.location_list_for_user)

    class Meta:
        model = InstallBaseItem
        fields = ["id", "name", "account", "consumer", "parent", "product", "sold_product", "location",
                  "serial_number", "active", *_STAMPS]
        read_only_fields = _STAMPS


class AssetSerializer(StrictModelSerializer):
    account = _account()
    consumer = _consumer()
    product = ScopedPrimaryKeyRelatedField(selector=selectors.product_list_for_user)
    contact = _optional(customer_selectors.contact_list_for_user)
    sold_product = _optional(selectors.sold_product_list_for_user)
    install_base_item = _optional(selectors.install_base_item_list_for_user)
    location = _optional(customer_selectors.location_list_for_user)

    class Meta:
        model = Asset
        fields = ["id", "asset_tag", "serial_number", "account", "consumer", "product", "contact", "sold_product",
                  "install_base_item", "location", "active", *_STAMPS]
        read_only_fields = _STAMPS
        extra_kwargs = {"asset_tag": {"validators": []}}


class EntitlementSerializer(StrictModelSerializer):
    account = _account()
    consumer = _consumer()
    product = _optional(selectors.product_list_for_user)
    asset = _optional(selectors.asset_list_for_user)
    sold_product = _optional(selectors.sold_product_list_for_user)
    install_base_item = _optional(selectors.install_base_item_list_for_user)
    contract = _optional(selectors.contract_list_for_user)
    schedule = _optional(selectors.schedule_list_for_user)
    channels = ChoiceListField(
        child=serializers.ChoiceField(
            choices=Channel.choices,
            error_messages={"invalid_choice": '"{input}" is not a channel; use ' + ", ".join(Channel.values) + "."},
        ),
        required=False, allow_empty=True, help_text="The channels this entitlement covers.",
    )

    class Meta:
        model = Entitlement
        fields = [
            "id", "name", "account", "consumer", "product", "asset", "sold_product", "install_base_item", "contract",
            "channels", "schedule", "starts_on", "ends_on", "active", "per_unit", "unit", "total_units",
            "remaining_units", *_STAMPS,
        ]
        read_only_fields = _STAMPS


# --- services and the catalog ------------------------------------------------------------------
class ServiceDefinitionSerializer(StrictModelSerializer):
    service_id = serializers.CharField(
        max_length=40, required=False, allow_blank=True, help_text="Derived from the name when left blank."
    )
    products = ScopedPrimaryKeyRelatedField(selector=selectors.product_list_for_user, many=True, required=False)
    child_services = ScopedPrimaryKeyRelatedField(
        selector=selectors.service_definition_list_for_user, many=True, required=False
    )

    class Meta:
        model = ServiceDefinition
        fields = ["id", "name", "service_id", "service_type", "order", "description", "active", "products",
                  "child_services", *_STAMPS]
        read_only_fields = _STAMPS


class CatalogItemVariableNestedSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogItemVariable
        fields = ["id", "name", "label", "kind", "required", "choices", "help_text", "order"]
        read_only_fields = fields


class CatalogItemSerializer(StrictModelSerializer):
    """The item's variables (its form's questions) are read here, written at /catalog-item-variables/."""

    service_definition = _optional(selectors.service_definition_list_for_user)
    product = _optional(selectors.product_list_for_user)
    variables = CatalogItemVariableNestedSerializer(many=True, read_only=True)
    accounts = ScopedPrimaryKeyRelatedField(
        selector=customer_selectors.account_list_for_user, many=True, required=False,
        help_text="Only customers of these accounts see the item; empty: everyone.",
    )

    class Meta:
        model = CatalogItem
        fields = ["id", "name", "short_description", "description", "category", "icon", "service_definition",
                  "product", "order", "active", "accounts", "owners_only", "variables", *_STAMPS]
        read_only_fields = _STAMPS


class CatalogItemVariableSerializer(StrictModelSerializer):
    item = ScopedPrimaryKeyRelatedField(selector=selectors.catalog_item_list_for_user)
    choices = serializers.ListField(
        child=serializers.CharField(), required=False, allow_empty=True,
        help_text="For choice variables: the allowed values.",
    )

    class Meta:
        model = CatalogItemVariable
        fields = ["id", "item", "name", "label", "kind", "required", "choices", "help_text", "order"]
        validators = []  # one name per item: the service's check, one message


class CatalogItemAnswersInputSerializer(StrictSerializer):
    answers = serializers.DictField(help_text="{variable name: answer}")


class CatalogItemAnswersSerializer(serializers.Serializer):
    answers = serializers.DictField(
        help_text="The typed answers: numbers as decimal strings (like every decimal of this API), dates as "
        "YYYY-MM-DD, products and assets as ids, text and choices as strings."
    )

    def to_representation(self, instance):
        answers = {
            name: str(value) if isinstance(value, Decimal) else value.isoformat() if isinstance(value, date) else value
            for name, value in instance["answers"].items()
        }
        return {"answers": answers}
