import datetime

import factory
from factory.django import DjangoModelFactory

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
    service_id_from_name,
)
from tests.factories.customers import AccountFactory

__all__ = [
    "ProductFactory", "ScheduleFactory", "ScheduleSpanFactory", "HolidayFactory", "ContractFactory",
    "SoldProductFactory", "InstallBaseItemFactory", "AssetFactory", "EntitlementFactory",
    "ServiceDefinitionFactory", "CatalogItemFactory", "CatalogItemVariableFactory",
]


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    model_number = factory.Sequence(lambda n: f"MDL-{n:05d}")


class ScheduleFactory(DjangoModelFactory):
    class Meta:
        model = Schedule

    name = factory.Sequence(lambda n: f"Schedule {n}")
    time_zone = "Europe/Paris"


class ScheduleSpanFactory(DjangoModelFactory):
    class Meta:
        model = ScheduleSpan

    schedule = factory.SubFactory(ScheduleFactory)
    weekday = 0
    start_time = datetime.time(9)
    end_time = datetime.time(17)


class HolidayFactory(DjangoModelFactory):
    class Meta:
        model = Holiday

    schedule = factory.SubFactory(ScheduleFactory)
    name = "New Year"
    # Far from the dates tests name explicitly (Christmas 2026 in tests/catalog/conftest.py): a
    # sequence starting in 2026 reached that date after a few hundred holidays and collided.
    date = factory.Sequence(lambda n: datetime.date(2100, 1, 1) + datetime.timedelta(days=n))


class ContractFactory(DjangoModelFactory):
    class Meta:
        model = Contract

    name = factory.Sequence(lambda n: f"Support contract {n}")
    account = factory.SubFactory(AccountFactory)
    starts_on = datetime.date(2026, 1, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from catalog.services import contract_create

        return contract_create(actor=None, **kwargs)  # the CNTR number is derived


class SoldProductFactory(DjangoModelFactory):
    class Meta:
        model = SoldProduct

    name = factory.Sequence(lambda n: f"Sold product {n}")
    account = factory.SubFactory(AccountFactory)
    product = factory.SubFactory(ProductFactory)


class InstallBaseItemFactory(DjangoModelFactory):
    class Meta:
        model = InstallBaseItem

    name = factory.Sequence(lambda n: f"Install base {n}")
    account = factory.SubFactory(AccountFactory)
    product = factory.SubFactory(ProductFactory)


class AssetFactory(DjangoModelFactory):
    class Meta:
        model = Asset

    asset_tag = factory.Sequence(lambda n: f"AST-{n:06d}")
    account = factory.SubFactory(AccountFactory)
    product = factory.SubFactory(ProductFactory)


class EntitlementFactory(DjangoModelFactory):
    class Meta:
        model = Entitlement

    name = factory.Sequence(lambda n: f"Entitlement {n}")
    account = factory.SubFactory(AccountFactory)
    channels = factory.LazyFunction(lambda: ["web", "email", "phone"])
    starts_on = datetime.date(2026, 1, 1)


class ServiceDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = ServiceDefinition

    name = factory.Sequence(lambda n: f"Service {n}")
    service_id = factory.LazyAttribute(lambda s: service_id_from_name(s.name))


class CatalogItemFactory(DjangoModelFactory):
    class Meta:
        model = CatalogItem

    name = factory.Sequence(lambda n: f"Catalog item {n}")


class CatalogItemVariableFactory(DjangoModelFactory):
    class Meta:
        model = CatalogItemVariable

    item = factory.SubFactory(CatalogItemFactory)
    name = factory.Sequence(lambda n: f"question_{n}")
    label = factory.LazyAttribute(lambda v: v.name.replace("_", " ").title())
