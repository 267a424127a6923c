"""Thirty-odd rows of each catalog model, to show a list's query count does not grow with it."""
from catalog.choices import VariableKind
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

ROWS = 30


def _service_definition(world, catalog, i):
    sd = ServiceDefinitionFactory()
    sd.products.set([catalog.product, ProductFactory()])
    sd.child_services.set([catalog.service_definition])


def _catalog_item(world, catalog, i):
    item = CatalogItemFactory(service_definition=catalog.service_definition, product=catalog.product)
    CatalogItemVariableFactory(item=item)
    CatalogItemVariableFactory(item=item, kind=VariableKind.CHOICE, choices=["a", "b"])


def _schedule(world, catalog, i):
    schedule = ScheduleFactory()
    ScheduleSpanFactory(schedule=schedule, weekday=0)
    ScheduleSpanFactory(schedule=schedule, weekday=1)
    HolidayFactory(schedule=schedule)


BUILDERS = {
    "products": lambda w, c, i: ProductFactory(parent=c.product),
    "service-definitions": _service_definition,
    "catalog-items": _catalog_item,
    "catalog-item-variables": lambda w, c, i: CatalogItemVariableFactory(item=c.item),
    "schedules": _schedule,
    "schedule-spans": lambda w, c, i: ScheduleSpanFactory(schedule=c.schedule, weekday=i % 7),
    "holidays": lambda w, c, i: HolidayFactory(schedule=c.schedule),
    "contracts": lambda w, c, i: ContractFactory(account=w.account),
    "sold-products": lambda w, c, i: SoldProductFactory(
        account=w.account, product=c.product, contract=c.contract, contact=w.contacts["customer"]
    ),
    "install-base-items": lambda w, c, i: InstallBaseItemFactory(
        account=w.child_account, product=c.product, sold_product=c.sold_product
    ),
    "assets": lambda w, c, i: AssetFactory(account=w.account, product=c.product, sold_product=c.sold_product),
    "entitlements": lambda w, c, i: EntitlementFactory(
        account=w.child_account, product=c.product, asset=c.asset, contract=c.contract, schedule=c.schedule
    ),
}


def build_rows(endpoint: str, world, catalog, rows: int = ROWS) -> None:
    for i in range(rows):
        BUILDERS[endpoint](world, catalog, i)
