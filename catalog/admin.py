"""The catalog in the admin console. Every save goes through catalog.services (ServiceAdmin);
main records are deactivated, never deleted. The parts of a record (schedule spans, holidays,
catalog-item variables) are edited inline and may be deleted, through their services too."""
from django import forms
from django.contrib import admin

from catalog import services
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
from core.admin import ServiceAdmin, ServiceInline
from core.choices import Channel

_STAMPS = ["created_at", "updated_at"]


class CatalogAdmin(ServiceAdmin):
    """`list_select_related` also serves the change form and the autocomplete answers, whose
    labels (`__str__`) may read the same related rows."""

    readonly_fields = _STAMPS

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        related = self.list_select_related
        return qs.select_related(*related) if isinstance(related, (list, tuple)) and related else qs


class PartAdmin(CatalogAdmin):
    """A part of a record (a span, a holiday, a variable): deleted through its service."""

    delete_service = None

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(f"catalog.delete_{self.model._meta.model_name}")

    def delete_model(self, request, obj):
        type(self).delete_service(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class LinesField(forms.CharField):
    """A list of strings edited as one value per line."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 24})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        value = super().to_python(value)
        return [line.strip() for line in value.splitlines() if line.strip()]


# --- products --------------------------------------------------------------------------------------
@admin.register(Product)
class ProductAdmin(CatalogAdmin):
    create_service = services.product_create
    update_service = services.product_update
    list_display = ["name", "model_number", "manufacturer", "parent", "active", "updated_at"]
    list_filter = ["active"]
    list_select_related = ["parent"]
    search_fields = ["name", "model_number", "manufacturer"]
    autocomplete_fields = ["parent"]


# --- schedules -------------------------------------------------------------------------------------
class ScheduleSpanInline(ServiceInline):
    model = ScheduleSpan
    fields = ["weekday", "start_time", "end_time"]
    create_service = staticmethod(services.schedule_span_create)
    update_service = staticmethod(services.schedule_span_update)
    delete_service = staticmethod(services.schedule_span_delete)


class HolidayInline(ServiceInline):
    model = Holiday
    fields = ["name", "date"]
    create_service = staticmethod(services.holiday_create)
    update_service = staticmethod(services.holiday_update)
    delete_service = staticmethod(services.holiday_delete)


@admin.register(Schedule)
class ScheduleAdmin(CatalogAdmin):
    create_service = services.schedule_create
    update_service = services.schedule_update
    list_display = ["name", "time_zone", "active", "updated_at"]
    list_filter = ["active", "time_zone"]
    list_select_related = []
    search_fields = ["name", "description"]
    inlines = [ScheduleSpanInline, HolidayInline]


@admin.register(ScheduleSpan)
class ScheduleSpanAdmin(PartAdmin):
    create_service = services.schedule_span_create
    update_service = services.schedule_span_update
    delete_service = services.schedule_span_delete
    list_display = ["schedule", "weekday", "start_time", "end_time"]
    list_filter = ["weekday"]
    list_select_related = ["schedule"]
    search_fields = ["schedule__name"]
    autocomplete_fields = ["schedule"]
    readonly_fields = []


@admin.register(Holiday)
class HolidayAdmin(PartAdmin):
    create_service = services.holiday_create
    update_service = services.holiday_update
    delete_service = services.holiday_delete
    list_display = ["date", "name", "schedule"]
    list_select_related = ["schedule"]
    search_fields = ["name", "schedule__name"]
    autocomplete_fields = ["schedule"]
    date_hierarchy = "date"
    readonly_fields = []


# --- customer-owned records -----------------------------------------------------------------------
_OWNER_SEARCH = ["account__name", "account__number", "consumer__last_name", "consumer__email"]


@admin.register(Contract)
class ContractAdmin(CatalogAdmin):
    create_service = services.contract_create
    update_service = services.contract_update
    list_display = ["number", "name", "account", "consumer", "starts_on", "ends_on", "active"]
    list_filter = ["active"]
    list_select_related = ["account", "consumer"]
    search_fields = ["number", "name", *_OWNER_SEARCH]
    autocomplete_fields = ["account", "consumer"]
    readonly_fields = ["number", *_STAMPS]
    fields = ["number", "name", "account", "consumer", "description", "starts_on", "ends_on", "active", *_STAMPS]


@admin.register(SoldProduct)
class SoldProductAdmin(CatalogAdmin):
    create_service = services.sold_product_create
    update_service = services.sold_product_update
    list_display = ["name", "product", "account", "consumer", "contract", "quantity", "starts_on", "ends_on"]
    list_select_related = ["product", "account", "consumer", "contract"]
    search_fields = ["name", "product__name", *_OWNER_SEARCH]
    autocomplete_fields = ["account", "consumer", "parent", "product", "contact", "contract"]


@admin.register(InstallBaseItem)
class InstallBaseItemAdmin(CatalogAdmin):
    create_service = services.install_base_item_create
    update_service = services.install_base_item_update
    list_display = ["name", "product", "account", "consumer", "serial_number", "location", "active"]
    list_filter = ["active"]
    list_select_related = ["product", "account", "consumer", "location"]
    search_fields = ["name", "serial_number", *_OWNER_SEARCH]
    autocomplete_fields = ["account", "consumer", "parent", "product", "sold_product", "location"]


@admin.register(Asset)
class AssetAdmin(CatalogAdmin):
    create_service = services.asset_create
    update_service = services.asset_update
    list_display = ["asset_tag", "product", "serial_number", "account", "consumer", "contact", "active"]
    list_filter = ["active"]
    list_select_related = ["product", "account", "consumer", "contact"]
    search_fields = ["asset_tag", "serial_number", "product__name", *_OWNER_SEARCH]
    autocomplete_fields = ["account", "consumer", "product", "contact", "sold_product", "install_base_item", "location"]


class EntitlementAdminForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Channels this entitlement covers.",
    )

    class Meta:
        model = Entitlement
        fields = "__all__"


@admin.register(Entitlement)
class EntitlementAdmin(CatalogAdmin):
    create_service = services.entitlement_create
    update_service = services.entitlement_update
    form = EntitlementAdminForm
    list_display = [
        "name", "account", "consumer", "product", "starts_on", "ends_on", "per_unit", "remaining_units", "active",
    ]
    list_filter = ["active", "per_unit", "unit"]
    list_select_related = ["account", "consumer", "product"]
    search_fields = ["name", *_OWNER_SEARCH]
    autocomplete_fields = [
        "account", "consumer", "product", "asset", "sold_product", "install_base_item", "contract", "schedule",
    ]
    fieldsets = [
        (None, {"fields": ["name", "account", "consumer", "active"]}),
        ("Covers", {"fields": ["product", "asset", "sold_product", "install_base_item", "contract"]}),
        ("Support", {"fields": ["channels", "schedule", "starts_on", "ends_on"]}),
        ("Units", {"fields": ["per_unit", "unit", "total_units", "remaining_units"],
                   "description": "A new per-unit entitlement starts with all its units remaining."}),
        ("History", {"fields": _STAMPS}),
    ]


# --- services and the catalog ----------------------------------------------------------------------
@admin.register(ServiceDefinition)
class ServiceDefinitionAdmin(CatalogAdmin):
    create_service = services.service_definition_create
    update_service = services.service_definition_update
    list_display = ["name", "service_id", "service_type", "order", "product_names", "active"]
    list_filter = ["service_type", "active"]
    list_select_related = []
    search_fields = ["name", "service_id"]
    autocomplete_fields = ["products", "child_services"]
    readonly_fields = ["parent_service_names", *_STAMPS]
    fields = [
        "name", "service_id", "service_type", "order", "description", "active", "products", "child_services",
        "parent_service_names", *_STAMPS,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("products")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "service_id":
            kwargs["required"] = False  # derived from the name by the service when left blank
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="products")
    def product_names(self, obj) -> str:
        return ", ".join(p.name for p in obj.products.all()) or "-"

    @admin.display(description="child service of")
    def parent_service_names(self, obj) -> str:
        return ", ".join(str(s) for s in obj.parent_services.all()) if obj.pk else "-"


class CatalogItemVariableForm(forms.ModelForm):
    choices = LinesField(required=False, help_text="For choice variables: one allowed value per line.")

    class Meta:
        model = CatalogItemVariable
        fields = "__all__"


class CatalogItemVariableInline(ServiceInline):
    model = CatalogItemVariable
    form = CatalogItemVariableForm
    fields = ["order", "name", "label", "kind", "required", "choices", "help_text"]
    create_service = staticmethod(services.catalog_item_variable_create)
    update_service = staticmethod(services.catalog_item_variable_update)
    delete_service = staticmethod(services.catalog_item_variable_delete)


@admin.register(CatalogItem)
class CatalogItemAdmin(CatalogAdmin):
    create_service = services.catalog_item_create
    update_service = services.catalog_item_update
    list_display = ["name", "category", "service_definition", "product", "order", "active", "owners_only"]
    list_filter = ["active", "category", "owners_only"]
    list_select_related = ["service_definition", "product"]
    search_fields = ["name", "short_description", "category"]
    autocomplete_fields = ["service_definition", "product", "accounts"]
    inlines = [CatalogItemVariableInline]


@admin.register(CatalogItemVariable)
class CatalogItemVariableAdmin(PartAdmin):
    create_service = services.catalog_item_variable_create
    update_service = services.catalog_item_variable_update
    delete_service = services.catalog_item_variable_delete
    form = CatalogItemVariableForm
    list_display = ["label", "name", "item", "kind", "required", "order"]
    list_filter = ["kind", "required"]
    list_select_related = ["item"]
    search_fields = ["name", "label", "item__name"]
    autocomplete_fields = ["item"]
    readonly_fields = []
