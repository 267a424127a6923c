"""Catalog API. Reference data (products, service definitions, catalog items and their
variables) is read by every signed-in user while active; schedules by internal roles only;
customer-owned records (contracts, sold products, install base, assets, entitlements) by whoever
sees the owner. Writes are the admin role's, checked inside the catalog services."""
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from catalog import selectors, services
from catalog.api import serializers as s
from core.api.permissions import CanCreate
from core.api.views import ScopedServiceViewSet


class CatalogViewSet(ScopedServiceViewSet):
    permission_classes = [IsAuthenticated, CanCreate]


class ProductViewSet(CatalogViewSet):
    selector = selectors.product_list_for_user
    create_service = services.product_create
    update_service = services.product_update
    serializer_class = s.ProductSerializer
    filterset_fields = ["active", "parent", "manufacturer"]
    search_fields = ["name", "model_number", "manufacturer"]
    ordering_fields = ["name", "model_number", "manufacturer", "created_at", "updated_at"]
    ordering = ["name"]


class ScheduleViewSet(CatalogViewSet):
    selector = selectors.schedule_list_for_user
    create_service = services.schedule_create
    update_service = services.schedule_update
    serializer_class = s.ScheduleSerializer
    filterset_fields = ["active", "time_zone"]
    search_fields = ["name", "description"]
    ordering_fields = ["name", "time_zone", "created_at", "updated_at"]
    ordering = ["name"]


class ScheduleSpanViewSet(CatalogViewSet):
    selector = selectors.schedule_span_list_for_user
    create_service = services.schedule_span_create
    update_service = services.schedule_span_update
    serializer_class = s.ScheduleSpanSerializer
    filterset_fields = ["schedule", "weekday"]
    ordering_fields = ["weekday", "start_time", "end_time"]
    ordering = ["schedule", "weekday", "start_time"]


class HolidayViewSet(CatalogViewSet):
    selector = selectors.holiday_list_for_user
    create_service = services.holiday_create
    update_service = services.holiday_update
    serializer_class = s.HolidaySerializer
    filterset_fields = ["schedule", "date"]
    search_fields = ["name"]
    ordering_fields = ["date", "name"]
    ordering = ["date"]


class ContractViewSet(CatalogViewSet):
    selector = selectors.contract_list_for_user
    number_field = "number"
    create_service = services.contract_create
    update_service = services.contract_update
    serializer_class = s.ContractSerializer
    filterset_fields = ["account", "consumer", "active"]
    search_fields = ["number", "name"]
    ordering_fields = ["number", "name", "starts_on", "ends_on", "created_at", "updated_at"]
    ordering = ["-starts_on", "number"]


class SoldProductViewSet(CatalogViewSet):
    selector = selectors.sold_product_list_for_user
    create_service = services.sold_product_create
    update_service = services.sold_product_update
    serializer_class = s.SoldProductSerializer
    filterset_fields = ["account", "consumer", "product", "contact", "contract", "parent"]
    search_fields = ["name", "product__name"]
    ordering_fields = ["name", "starts_on", "ends_on", "created_at", "updated_at"]
    ordering = ["name"]


class InstallBaseItemViewSet(CatalogViewSet):
    selector = selectors.install_base_item_list_for_user
    create_service = services.install_base_item_create
    update_service = services.install_base_item_update
    serializer_class = s.InstallBaseItemSerializer
    filterset_fields = ["account", "consumer", "product", "sold_product", "location", "parent", "active"]
    search_fields = ["name", "serial_number"]
    ordering_fields = ["name", "serial_number", "created_at", "updated_at"]
    ordering = ["name"]


class AssetViewSet(CatalogViewSet):
    selector = selectors.asset_list_for_user
    create_service = services.asset_create
    update_service = services.asset_update
    serializer_class = s.AssetSerializer
    filterset_fields = ["account", "consumer", "product", "contact", "sold_product", "install_base_item", "active"]
    search_fields = ["asset_tag", "serial_number", "product__name"]
    ordering_fields = ["asset_tag", "serial_number", "created_at", "updated_at"]
    ordering = ["asset_tag"]


class EntitlementViewSet(CatalogViewSet):
    selector = selectors.entitlement_list_for_user
    create_service = services.entitlement_create
    update_service = services.entitlement_update
    serializer_class = s.EntitlementSerializer
    filterset_fields = [
        "account", "consumer", "product", "asset", "sold_product", "install_base_item", "contract", "schedule",
        "active", "per_unit", "unit",
    ]
    search_fields = ["name"]
    ordering_fields = ["name", "starts_on", "ends_on", "remaining_units", "created_at", "updated_at"]
    ordering = ["name"]


class ServiceDefinitionViewSet(CatalogViewSet):
    selector = selectors.service_definition_list_for_user
    create_service = services.service_definition_create
    update_service = services.service_definition_update
    serializer_class = s.ServiceDefinitionSerializer
    filterset_fields = ["active", "service_type", "products", "child_services"]
    search_fields = ["name", "service_id", "description"]
    ordering_fields = ["order", "name", "service_id", "created_at", "updated_at"]
    ordering = ["order", "name"]


class CatalogItemViewSet(CatalogViewSet):
    selector = selectors.catalog_item_list_for_user
    create_service = services.catalog_item_create
    update_service = services.catalog_item_update
    serializer_class = s.CatalogItemSerializer
    filterset_fields = ["active", "category", "service_definition", "product"]
    search_fields = ["name", "short_description", "category"]
    ordering_fields = ["order", "name", "category", "created_at", "updated_at"]
    ordering = ["order", "name"]

    @extend_schema(request=s.CatalogItemAnswersInputSerializer, responses=s.CatalogItemAnswersSerializer)
    @action(detail=True, methods=["post"], url_path="validate-answers")
    def validate_answers(self, request, pk=None):
        """Check answers to the item's questions: 200 with the typed answers, or 400 whose
        `errors` name each wrong variable. Product and asset answers must be in the caller's scope."""
        item = self.get_object()
        data = s.CatalogItemAnswersInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = services.catalog_item_answers_clean(
            item=item, answers=data.validated_data["answers"], user=request.user
        )
        return Response(s.CatalogItemAnswersSerializer({"answers": answers}).data)


class CatalogItemVariableViewSet(CatalogViewSet):
    selector = selectors.catalog_item_variable_list_for_user
    create_service = services.catalog_item_variable_create
    update_service = services.catalog_item_variable_update
    serializer_class = s.CatalogItemVariableSerializer
    filterset_fields = ["item", "kind", "required"]
    search_fields = ["name", "label"]
    ordering_fields = ["order", "name", "label"]
    ordering = ["item", "order", "id"]
