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
from customers.permissions import AccountPolicy, ConsumerPolicy


def owned_scope_q(user) -> Q:
    return (Q(account__isnull=False) & customer_permissions.account_scope_q(user, field="account")) | Q(
        consumer__user=user
    )


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
access.register(CatalogItem, ActiveReferencePolicy("catalog.view_catalogitem"))
access.register(
    CatalogItemVariable, ActiveReferencePolicy("catalog.view_catalogitemvariable", active=lambda v: v.item.active)
)
access.register(Schedule, access.RolePolicy("catalog.view_schedule"))
access.register(ScheduleSpan, access.RolePolicy("catalog.view_schedulespan"))
access.register(Holiday, access.RolePolicy("catalog.view_holiday"))
for _model in (Contract, SoldProduct, InstallBaseItem, Asset, Entitlement):
    access.register(_model, OwnedPolicy(f"catalog.view_{_model._meta.model_name}"))
