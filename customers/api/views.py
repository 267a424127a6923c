from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.views import ScopedServiceViewSet, ScopedViewSetMixin
from customers import permissions, selectors, services
from customers.api import serializers as s
from users.permissions import is_internal


class AccountViewSet(ScopedServiceViewSet):
    selector = selectors.account_list_for_user
    number_field = "number"
    create_service = services.account_create
    update_service = services.account_update
    serializer_class = s.AccountSerializer
    filterset_fields = ["is_customer", "is_partner", "active", "parent"]
    search_fields = ["name", "number"]
    ordering_fields = ["name", "number", "created_at", "updated_at"]
    ordering = ["name"]

    def get_serializer_class(self):
        # Writes always validate the full input; the service then decides who may write. The schema
        # documents the full answer whoever asks for it (the customer's fields are optional there).
        if getattr(self, "swagger_fake_view", False):
            return s.AccountSerializer
        if self.request.method not in ("GET", "HEAD", "OPTIONS") or is_internal(self.request.user):
            return s.AccountSerializer
        return s.AccountCustomerSerializer

    def hidden_fields(self):
        if is_internal(self.request.user):
            return frozenset()
        return frozenset(s.AccountSerializer.Meta.fields) - frozenset(s.AccountCustomerSerializer.Meta.fields)

    @extend_schema(request=s.AccountGrantInputSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="grant-admin")
    def grant_admin(self, request, pk=None):
        """Make a contact's login a customer admin of this account (and its child accounts)."""
        account = self.get_object()
        permissions.require_can_manage_accounts(request.user)  # before the input says who exists
        data = s.AccountGrantInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.account_admin_grant(actor=request.user, account=account, **data.validated_data)
        return Response(status=204)

    @extend_schema(request=s.AccountGrantInputSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="revoke-admin")
    def revoke_admin(self, request, pk=None):
        account = self.get_object()
        permissions.require_can_manage_accounts(request.user)
        data = s.AccountGrantInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        services.account_admin_revoke(actor=request.user, account=account, **data.validated_data)
        return Response(status=204)


class ContactViewSet(ScopedServiceViewSet):
    selector = selectors.contact_list_for_user
    create_service = services.contact_create
    update_service = services.contact_update
    serializer_class = s.ContactSerializer
    filterset_fields = ["account", "active"]
    search_fields = ["first_name", "last_name", "email"]
    ordering_fields = ["last_name", "first_name", "created_at"]
    ordering = ["last_name", "first_name"]


class ConsumerViewSet(ScopedServiceViewSet):
    selector = selectors.consumer_list_for_user
    create_service = services.consumer_create
    update_service = services.consumer_update
    serializer_class = s.ConsumerSerializer
    filterset_fields = ["active"]
    search_fields = ["first_name", "last_name", "email"]
    ordering_fields = ["last_name", "first_name", "created_at"]
    ordering = ["last_name", "first_name"]


class LocationViewSet(ScopedServiceViewSet):
    selector = selectors.location_list_for_user
    create_service = services.location_create
    update_service = services.location_update
    serializer_class = s.LocationSerializer
    filterset_fields = ["account", "consumer"]
    search_fields = ["name", "city"]
    ordering = ["name"]


class _RelationshipViewSet(
    ScopedViewSetMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, mixins.ListModelMixin,
    mixins.RetrieveModelMixin, viewsets.GenericViewSet,
):
    delete_service = None

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        type(self).delete_service(actor=self.request.user, relationship=instance)


class ContactRelationshipViewSet(_RelationshipViewSet):
    selector = selectors.contact_relationship_list_for_user
    create_service = services.contact_relationship_create
    delete_service = services.contact_relationship_delete
    serializer_class = s.ContactRelationshipSerializer
    filterset_fields = ["contact", "account"]
    ordering = ["id"]


class AccountRelationshipViewSet(_RelationshipViewSet):
    selector = selectors.account_relationship_list_for_user
    create_service = services.account_relationship_create
    delete_service = services.account_relationship_delete
    serializer_class = s.AccountRelationshipSerializer
    filterset_fields = ["from_account", "to_account", "relationship_type"]
    ordering = ["id"]
