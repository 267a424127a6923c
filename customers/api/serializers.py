from rest_framework import serializers

from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.serializers import StrictModelSerializer, StrictSerializer
from customers import selectors
from customers.models import Account, AccountRelationship, Consumer, Contact, ContactRelationship, Location
from users.selectors import user_list_for_user

_ADDRESS = ["street", "city", "state", "zip_code", "country"]


ACCOUNT_CUSTOMER_FIELDS = [
    "id", "number", "name", "parent", "is_customer", "is_partner", "primary_contact", "website", "phone", *_ADDRESS,
    "active",
]
ACCOUNT_FIELDS = [
    "id", "number", "name", "parent", "path", "is_customer", "is_partner", "registration_code", "primary_contact",
    "website", "phone", *_ADDRESS, "notes", "active", "created_at", "updated_at",
]


class AccountSerializer(StrictModelSerializer):
    """What internal users see and write. The schema documents this answer for every caller, with
    the fields customers do not get (AccountCustomerSerializer) marked optional."""

    parent = ScopedPrimaryKeyRelatedField(selector=selectors.account_list_for_user, allow_null=True, required=False)
    primary_contact = ScopedPrimaryKeyRelatedField(
        selector=selectors.contact_list_for_user, allow_null=True, required=False
    )

    class Meta:
        model = Account
        fields = ACCOUNT_FIELDS
        read_only_fields = ["number", "path", "created_at", "updated_at"]
        optional_fields = set(ACCOUNT_FIELDS) - set(ACCOUNT_CUSTOMER_FIELDS)  # core.api.schema


class AccountCustomerSerializer(serializers.ModelSerializer):
    """What customers see of an account: no internal notes, no registration code."""

    class Meta:
        model = Account
        fields = ACCOUNT_CUSTOMER_FIELDS
        read_only_fields = fields


class AccountGrantInputSerializer(StrictSerializer):
    user = ScopedPrimaryKeyRelatedField(selector=user_list_for_user)


class ContactSerializer(StrictModelSerializer):
    account = ScopedPrimaryKeyRelatedField(selector=selectors.account_list_for_user)
    user = ScopedPrimaryKeyRelatedField(selector=user_list_for_user, allow_null=True, required=False)

    class Meta:
        model = Contact
        fields = [
            "id", "account", "first_name", "last_name", "email", "phone", "title", "time_zone", "active", "user",
            "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class ConsumerSerializer(StrictModelSerializer):
    user = ScopedPrimaryKeyRelatedField(selector=user_list_for_user, allow_null=True, required=False)

    class Meta:
        model = Consumer
        fields = [
            "id", "first_name", "last_name", "email", "phone", "time_zone", *_ADDRESS, "active", "user",
            "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class LocationSerializer(StrictModelSerializer):
    account = ScopedPrimaryKeyRelatedField(selector=selectors.account_list_for_user, allow_null=True, required=False)
    consumer = ScopedPrimaryKeyRelatedField(selector=selectors.consumer_list_for_user, allow_null=True, required=False)

    class Meta:
        model = Location
        fields = ["id", "name", "account", "consumer", *_ADDRESS, "latitude", "longitude", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class ContactRelationshipSerializer(StrictModelSerializer):
    contact = ScopedPrimaryKeyRelatedField(selector=selectors.contact_list_for_user)
    account = ScopedPrimaryKeyRelatedField(selector=selectors.account_list_for_user)

    class Meta:
        model = ContactRelationship
        fields = ["id", "contact", "account", "relationship_type", "created_at"]
        read_only_fields = ["created_at"]


class AccountRelationshipSerializer(StrictModelSerializer):
    from_account = ScopedPrimaryKeyRelatedField(selector=selectors.account_list_for_user)
    to_account = ScopedPrimaryKeyRelatedField(selector=selectors.account_list_for_user)

    class Meta:
        model = AccountRelationship
        fields = ["id", "from_account", "to_account", "relationship_type", "created_at"]
        read_only_fields = ["created_at"]
        validators = []  # uniqueness is the service's (one clear message, no DRF duplicate)
