"""Every read of catalog data, scoped to the reader."""
from django.db.models import QuerySet

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
from catalog.permissions import catalog_item_visible_q, owned_product_q, owned_scope_q


def _reference(qs: QuerySet, user, perm: str, **active) -> QuerySet:
    return qs if user.has_perm(perm) else qs.filter(**(active or {"active": True}))


def _internal(qs: QuerySet, user, perm: str) -> QuerySet:
    return qs if user.has_perm(perm) else qs.none()


def _owned(qs: QuerySet, user, perm: str) -> QuerySet:
    return qs if user.has_perm(perm) else qs.filter(owned_scope_q(user))


def product_list_for_user(*, user) -> QuerySet[Product]:
    return _reference(Product.objects.select_related("parent"), user, "catalog.view_product")


def service_definition_list_for_user(*, user) -> QuerySet[ServiceDefinition]:
    qs = ServiceDefinition.objects.prefetch_related("products", "child_services")
    return _reference(qs, user, "catalog.view_servicedefinition")


def catalog_item_list_for_user(*, user) -> QuerySet[CatalogItem]:
    """Internal roles: every item. Everyone else: the active items meant for them (all
    customers, or their accounts, or owners of the item's product)."""
    qs = CatalogItem.objects.select_related("service_definition", "product").prefetch_related("variables", "accounts")
    if user.has_perm("catalog.view_catalogitem"):
        return qs
    return qs.filter(catalog_item_visible_q(user))


def catalog_item_variable_list_for_user(*, user) -> QuerySet[CatalogItemVariable]:
    qs = CatalogItemVariable.objects.select_related("item")
    if user.has_perm("catalog.view_catalogitemvariable"):
        return qs
    return qs.filter(item__in=CatalogItem.objects.filter(catalog_item_visible_q(user)).values("pk"))


def product_list_owned_by_user(*, user) -> QuerySet[Product]:
    """The active products this person owns through sold products or assets in their scope (the
    portal's "my products"). Internal users own nothing."""
    return Product.objects.filter(owned_product_q(user), active=True).order_by("name")


def schedule_list_for_user(*, user) -> QuerySet[Schedule]:
    return _internal(Schedule.objects.prefetch_related("spans", "holidays"), user, "catalog.view_schedule")


def schedule_span_list_for_user(*, user) -> QuerySet[ScheduleSpan]:
    return _internal(ScheduleSpan.objects.select_related("schedule"), user, "catalog.view_schedulespan")


def holiday_list_for_user(*, user) -> QuerySet[Holiday]:
    return _internal(Holiday.objects.select_related("schedule"), user, "catalog.view_holiday")


def contract_list_for_user(*, user) -> QuerySet[Contract]:
    return _owned(Contract.objects.select_related("account", "consumer"), user, "catalog.view_contract")


def sold_product_list_for_user(*, user) -> QuerySet[SoldProduct]:
    qs = SoldProduct.objects.select_related("account", "consumer", "product", "contact", "contract")
    return _owned(qs, user, "catalog.view_soldproduct")


def install_base_item_list_for_user(*, user) -> QuerySet[InstallBaseItem]:
    qs = InstallBaseItem.objects.select_related("account", "consumer", "product", "sold_product", "location")
    return _owned(qs, user, "catalog.view_installbaseitem")


def asset_list_for_user(*, user) -> QuerySet[Asset]:
    qs = Asset.objects.select_related("account", "consumer", "product", "contact")
    return _owned(qs, user, "catalog.view_asset")


def entitlement_list_for_user(*, user) -> QuerySet[Entitlement]:
    qs = Entitlement.objects.select_related(
        "account", "consumer", "product", "asset", "sold_product", "install_base_item", "contract", "schedule"
    )
    return _owned(qs, user, "catalog.view_entitlement")
