"""Filters, search and ordering: every declared one works, and the useful ones filter."""
import pytest

from catalog.api import urls
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

VIEWSETS = {prefix: viewset for prefix, viewset, _ in urls.router.registry}


@pytest.mark.parametrize("endpoint", VIEWSETS)
def test_every_declared_filter_search_and_ordering_answers(endpoint, api_as, catalog):
    viewset, api = VIEWSETS[endpoint], api_as("admin")
    many = {"products": catalog.product.pk, "child_services": catalog.service_definition.pk}  # no empty value
    for field in viewset.filterset_fields:
        assert api.get(f"/api/v1/{endpoint}/", {field: many.get(field, "")}).status_code == 200, field
    for field in getattr(viewset, "ordering_fields", []):
        for ordering in (field, f"-{field}"):
            assert api.get(f"/api/v1/{endpoint}/", {"ordering": ordering}).status_code == 200, ordering
    if getattr(viewset, "search_fields", None):
        assert api.get(f"/api/v1/{endpoint}/", {"search": "a"}).status_code == 200


def test_entitlements_filter_by_account(api_as, world, catalog):
    rows = api_as("customer_admin").get("/api/v1/entitlements/", {"account": world.child_account.pk}).data["results"]
    assert [row["id"] for row in rows] == [catalog.child_entitlement.pk]


def test_products_search_by_model_number(api_as, catalog):
    ProductFactory(name="Scanner", model_number="SC-100")
    rows = api_as("customer").get("/api/v1/products/", {"search": "sc-100"}).data["results"]
    assert [row["name"] for row in rows] == ["Scanner"]


def test_service_definitions_filter_by_product(api_as, catalog):
    catalog.service_definition.products.set([catalog.product])
    rows = api_as("customer").get("/api/v1/service-definitions/", {"products": catalog.product.pk}).data["results"]
    assert [row["id"] for row in rows] == [catalog.service_definition.pk]


def test_catalog_item_variables_filter_by_item(api_as, catalog):
    rows = api_as("agent").get("/api/v1/catalog-item-variables/", {"item": catalog.item.pk}).data["results"]
    assert [row["id"] for row in rows] == [catalog.variable.pk]


def test_schedule_spans_filter_by_schedule(api_as, catalog):
    rows = api_as("agent").get("/api/v1/schedule-spans/", {"schedule": catalog.schedule.pk}).data["results"]
    assert [row["id"] for row in rows] == [catalog.span.pk]


def test_contracts_search_by_number(api_as, catalog):
    rows = api_as("customer").get("/api/v1/contracts/", {"search": catalog.contract.number}).data["results"]
    assert [row["id"] for row in rows] == [catalog.contract.pk]
