"""Catalog visibility. Reference data (products, services, catalog items) is read by internal
roles in full and by customers when active. Customer-owned records (contracts, sold products,
install base, assets, entitlements) follow the owner: the account scope of customers.permissions,
or the consumer's own login."""
from django.db.models import Q

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
from core import access
from customers import permissions as customer_permissions
from customers.models import Account
from customers.permissions import AccountPolicy, ConsumerPolicy


def owned_scope_q(user) -> Q:
    return (Q(account__isnull=False) & customer_permissions.account_scope_q(user, field="account")) | Q(
        consumer__user=user
    )


def owned_product_q(user, field: str = "pk") -> Q:
    """A Q over Product (or over a model's product FK with `field="product"`): the products the
    user owns through sold products or assets in their scope, as two id subqueries."""
    scope = owned_scope_q(user)
    return Q(**{f"{field}__in": SoldProduct.objects.filter(scope).values("product_id")}) | Q(
        **{f"{field}__in": Asset.objects.filter(scope).values("product_id")}
    )


def catalog_item_visible_q(user) -> Q:
    """A Q over CatalogItem: active, and either for every customer or for one of the user's
    accounts (with the accounts above theirs), and, when the item is for owners only, the user
    owns its product. Id subqueries, so one list query whatever the catalog's size."""
    through = CatalogItem.accounts.through
    restricted = through.objects.values("catalogitem_id")
    mine = through.objects.filter(
        account__in=Account.objects.filter(customer_permissions.account_scope_q(user)).values("pk")
    ).values("catalogitem_id")
    owned = owned_product_q(user, field="product")
    return Q(active=True) & (~Q(pk__in=restricted) | Q(pk__in=mine)) & (Q(owners_only=False) | owned)


class ActiveReferencePolicy(access.AccessPolicy):
    """Internal roles by model permission; everyone signed in while the record is active."""

    def __init__(self, view_permission: str, active=lambda obj: obj.active):
        self.view_permission, self.active = view_permission, active

    def relation_reasons(self, obj, user):
        if self.active(obj):
            return [access.Reason("relation", "Active catalog records are shown to every signed-in user.")]
        return []

    def relation_audience(self, obj):
        if not self.active(obj):
            return []
        return [access.AudienceEntry("relation", "Every signed-in user (the record is active).", count=1)]


class OwnedPolicy(access.AccessPolicy):
    """Whoever sees the owning account, or the owning consumer themself."""

    def __init__(self, view_permission: str):
        self.view_permission = view_permission

    def relation_reasons(self, obj, user):
        if obj.consumer_id:
            return ConsumerPolicy().relation_reasons(obj.consumer, user)
        return AccountPolicy().relation_reasons(obj.account, user)

    def grant_reasons(self, obj, user):
        return AccountPolicy().grant_reasons(obj.account, user) if obj.account_id else []

    def relation_audience(self, obj):
        if obj.consumer_id:
            return ConsumerPolicy().relation_audience(obj.consumer)
        return AccountPolicy().relation_audience(obj.account)

    def grant_audience(self, obj):
        return AccountPolicy().grant_audience(obj.account) if obj.account_id else []


access.register(Product, ActiveReferencePolicy("catalog.view_product"))
access.register(ServiceDefinition, ActiveReferencePolicy("catalog.view_servicedefinition"))
class CatalogItemPolicy(access.AccessPolicy):
    """Internal roles by model permission; customers when `catalog_item_visible_q` holds (the
    selector's own rule, so the explanation and the list cannot disagree)."""

    def __init__(self, view_permission: str, item=lambda obj: obj):
        self.view_permission, self.item = view_permission, item

    def relation_reasons(self, obj, user):
        item = self.item(obj)
        if not CatalogItem.objects.filter(catalog_item_visible_q(user), pk=item.pk).exists():
            return []
        if item.owners_only:
            why = "The catalog item is active and offered to owners of its product; the user owns it."
        elif item.accounts.exists():
            why = "The catalog item is active and offered to an account in the user's scope."
        else:
            why = "Active catalog items are shown to every signed-in user."
        return [access.Reason("relation", why)]

    def relation_audience(self, obj):
        item = self.item(obj)
        if not item.active:
            return []
        if item.owners_only or item.accounts.exists():
            return [access.AudienceEntry("relation", "Customers the item is offered to (accounts, product owners).")]
        return [access.AudienceEntry("relation", "Every signed-in user (the record is active).", count=1)]


access.register(CatalogItem, CatalogItemPolicy("catalog.view_catalogitem"))
access.register(CatalogItemVariable, CatalogItemPolicy("catalog.view_catalogitemvariable", item=lambda v: v.item))
access.register(Schedule, access.RolePolicy("catalog.view_schedule"))
access.register(ScheduleSpan, access.RolePolicy("catalog.view_schedulespan"))
access.register(Holiday, access.RolePolicy("catalog.view_holiday"))
for _model in (Contract, SoldProduct, InstallBaseItem, Asset, Entitlement):
    access.register(_model, OwnedPolicy(f"catalog.view_{_model._meta.model_name}"))
