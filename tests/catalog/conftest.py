"""A catalog beside the personas' world: reference data (active and inactive), a schedule, and
one record of each customer-owned kind belonging to Acme (world.account)."""
import datetime
from dataclasses import dataclass

import pytest

from catalog.choices import VariableKind
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
from tests.factories import (
    AssetFactory,
    CatalogItemFactory,
    CatalogItemVariableFactory,
    ContractFactory,
    EntitlementFactory,
    HolidayFactory,
    InstallBaseItemFactory,
    ProductFactory,
    ScheduleFactory,
    ScheduleSpanFactory,
    ServiceDefinitionFactory,
    SoldProductFactory,
)


@dataclass
class Catalog:
    product: Product
    inactive_product: Product
    schedule: Schedule
    span: ScheduleSpan
    holiday: Holiday
    contract: Contract
    sold_product: SoldProduct
    install_base_item: InstallBaseItem
    asset: Asset
    entitlement: Entitlement
    child_entitlement: Entitlement  # owned by Acme Europe (world.child_account)
    service_definition: ServiceDefinition
    inactive_service_definition: ServiceDefinition
    item: CatalogItem
    inactive_item: CatalogItem
    variable: CatalogItemVariable
    inactive_item_variable: CatalogItemVariable


@pytest.fixture
def catalog(world) -> Catalog:
    acme = world.account
    product = ProductFactory(name="Laser Printer")
    schedule = ScheduleFactory(name="EU business hours")
    contract = ContractFactory(account=acme, name="Acme gold support")
    sold_product = SoldProductFactory(account=acme, product=product, contract=contract)
    item = CatalogItemFactory(name="Printer repair")
    inactive_item = CatalogItemFactory(name="Fax repair", active=False)
    return Catalog(
        product=product,
        inactive_product=ProductFactory(name="Fax machine", active=False),
        schedule=schedule,
        span=ScheduleSpanFactory(schedule=schedule),
        holiday=HolidayFactory(schedule=schedule, date=datetime.date(2026, 12, 25), name="Christmas"),
        contract=contract,
        sold_product=sold_product,
        install_base_item=InstallBaseItemFactory(account=acme, product=product, sold_product=sold_product),
        asset=AssetFactory(account=acme, product=product, sold_product=sold_product),
        entitlement=EntitlementFactory(account=acme, product=product, contract=contract, schedule=schedule),
        child_entitlement=EntitlementFactory(account=world.child_account, name="Acme Europe phone support"),
        service_definition=ServiceDefinitionFactory(name="Printer support"),
        inactive_service_definition=ServiceDefinitionFactory(name="Fax support", active=False),
        item=item,
        inactive_item=inactive_item,
        variable=CatalogItemVariableFactory(item=item, name="serial_number", kind=VariableKind.TEXT),
        inactive_item_variable=CatalogItemVariableFactory(item=inactive_item, name="fax_number"),
    )
