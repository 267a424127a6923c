"""The persona matrix over every catalog endpoint and method: who reads, who writes.

Reference data (products, service definitions, catalog items and their variables) is read by
everyone signed in while active; schedules, spans and holidays by internal roles only;
customer-owned records by whoever sees the owning account. Only the admin role writes."""
import pytest

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
from tests.matrix import EXTERNAL, assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db

# endpoint -> (catalog attribute of an active row, of an inactive row)
REFERENCE = {
    "products": ("product", "inactive_product"),
    "service-definitions": ("service_definition", "inactive_service_definition"),
    "catalog-items": ("item", "inactive_item"),
    "catalog-item-variables": ("variable", "inactive_item_variable"),
}
INTERNAL_ONLY = {"schedules": "schedule", "schedule-spans": "span", "holidays": "holiday"}
OWNED = {
    "contracts": "contract",
    "sold-products": "sold_product",
    "install-base-items": "install_base_item",
    "assets": "asset",
    "entitlements": "entitlement",
}
MODELS = {
    "products": Product, "service-definitions": ServiceDefinition, "catalog-items": CatalogItem,
    "catalog-item-variables": CatalogItemVariable, "schedules": Schedule, "schedule-spans": ScheduleSpan,
    "holidays": Holiday, "contracts": Contract, "sold-products": SoldProduct, "install-base-items": InstallBaseItem,
    "assets": Asset, "entitlements": Entitlement,
}
ENDPOINTS = list(MODELS)

# endpoint -> (field, new value) for PATCH
UPDATES = {
    "products": ("description", "Updated"),
    "service-definitions": ("description", "Updated"),
    "catalog-items": ("short_description", "Updated"),
    "catalog-item-variables": ("label", "Updated"),
    "schedules": ("description", "Updated"),
    "schedule-spans": ("weekday", 2),
    "holidays": ("name", "Boxing Day"),
    "contracts": ("name", "Renamed"),
    "sold-products": ("name", "Renamed"),
    "install-base-items": ("serial_number", "SN-9"),
    "assets": ("serial_number", "SN-9"),
    "entitlements": ("name", "Renamed"),
}


def create_payload(endpoint: str, world, catalog) -> dict:
    acme = world.account.pk
    return {
        "products": {"name": "Widget"},
        "service-definitions": {"name": "Widget support"},
        "catalog-items": {"name": "Request a widget"},
        "catalog-item-variables": {"item": catalog.item.pk, "name": "colour", "label": "Colour"},
        "schedules": {"name": "US hours", "time_zone": "America/New_York"},
        "schedule-spans": {"schedule": catalog.schedule.pk, "weekday": 1, "start_time": "09:00", "end_time": "17:00"},
        "holidays": {"schedule": catalog.schedule.pk, "name": "New Year", "date": "2027-01-01"},
        "contracts": {"name": "Silver", "account": acme, "starts_on": "2026-01-01"},
        "sold-products": {"name": "Printers x3", "account": acme, "product": catalog.product.pk},
        "install-base-items": {"name": "Printer at HQ", "account": acme, "product": catalog.product.pk},
        "assets": {"asset_tag": "AST-NEW", "account": acme, "product": catalog.product.pk},
        "entitlements": {"name": "Web support", "account": acme, "starts_on": "2026-01-01", "channels": ["web"]},
    }[endpoint]


def _patch_and_check(api, endpoint, obj, expected):
    field, value = UPDATES[endpoint]
    response = api.patch(f"/api/v1/{endpoint}/{obj.pk}/", {field: value})
    assert_status(response, expected)
    obj.refresh_from_db()
    assert (getattr(obj, field) == value) is (expected == 200)


# --- lists ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@matrix(external=200)
def test_list_access(endpoint, persona, expected, api_as, catalog):
    assert_status(api_as(persona).get(f"/api/v1/{endpoint}/"), expected)


@pytest.mark.parametrize("endpoint", INTERNAL_ONLY)
@pytest.mark.parametrize("persona", EXTERNAL)
def test_customers_list_no_schedules(endpoint, persona, api_as, catalog):
    assert api_as(persona).get(f"/api/v1/{endpoint}/").data["count"] == 0


@pytest.mark.parametrize("endpoint", REFERENCE)
@pytest.mark.parametrize("persona", EXTERNAL)
def test_customers_list_only_active_reference_data(endpoint, persona, api_as, catalog):
    active, inactive = (getattr(catalog, name).pk for name in REFERENCE[endpoint])
    ids = {row["id"] for row in api_as(persona).get(f"/api/v1/{endpoint}/").data["results"]}
    assert active in ids and inactive not in ids


@pytest.mark.parametrize(
    ("persona", "names"),
    [
        ("other_customer", set()),
        ("customer", {"Acme"}),
        ("customer_admin", {"Acme", "Acme Europe"}),
        ("partner", {"Acme"}),
        ("agent", {"Acme", "Acme Europe"}),
    ],
)
def test_entitlement_list_is_scoped_by_owner(persona, names, api_as, world, catalog):
    accounts = {world.account.pk: "Acme", world.child_account.pk: "Acme Europe"}
    rows = api_as(persona).get("/api/v1/entitlements/").data["results"]
    assert {accounts[row["account"]] for row in rows} == names


# --- details -------------------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", REFERENCE)
@matrix(external=200)
def test_reference_detail_access(endpoint, persona, expected, api_as, catalog):
    obj = getattr(catalog, REFERENCE[endpoint][0])
    assert_status(api_as(persona).get(f"/api/v1/{endpoint}/{obj.pk}/"), expected)


@pytest.mark.parametrize("endpoint", REFERENCE)
@matrix(external=404)
def test_inactive_reference_detail_is_internal(endpoint, persona, expected, api_as, catalog):
    obj = getattr(catalog, REFERENCE[endpoint][1])
    assert_status(api_as(persona).get(f"/api/v1/{endpoint}/{obj.pk}/"), expected)


@pytest.mark.parametrize("endpoint", INTERNAL_ONLY)
@matrix(external=404)
def test_schedule_detail_is_internal(endpoint, persona, expected, api_as, catalog):
    obj = getattr(catalog, INTERNAL_ONLY[endpoint])
    assert_status(api_as(persona).get(f"/api/v1/{endpoint}/{obj.pk}/"), expected)


@pytest.mark.parametrize("endpoint", OWNED)
@matrix(external=200, other_customer=404)
def test_owned_detail_access(endpoint, persona, expected, api_as, catalog):
    obj = getattr(catalog, OWNED[endpoint])
    assert_status(api_as(persona).get(f"/api/v1/{endpoint}/{obj.pk}/"), expected)


@matrix(external=200, other_customer=404)
def test_contract_detail_by_number(persona, expected, api_as, catalog):
    response = api_as(persona).get(f"/api/v1/contracts/{catalog.contract.number.lower()}/")
    assert_status(response, expected)
    if expected == 200:
        assert response.data["number"].startswith("CNTR") and response.data["id"] == catalog.contract.pk


@persona_matrix(
    anonymous=401, other_customer=404, customer=404, customer_admin=200, partner=404, agent=200, manager=200, admin=200
)
def test_child_account_entitlement_visible_to_customer_admin_of_parent(persona, expected, api_as, catalog):
    assert_status(api_as(persona).get(f"/api/v1/entitlements/{catalog.child_entitlement.pk}/"), expected)


# --- writes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("endpoint", ENDPOINTS)
@matrix(external=403, internal=403, admin=201)
def test_create_access(endpoint, persona, expected, api_as, world, catalog):
    model = MODELS[endpoint]
    before = model.objects.count()
    response = api_as(persona).post(f"/api/v1/{endpoint}/", create_payload(endpoint, world, catalog))
    assert_status(response, expected)
    assert model.objects.count() == before + (1 if expected == 201 else 0)


@pytest.mark.parametrize("endpoint", REFERENCE)
@matrix(external=403, internal=403, admin=200)
def test_reference_update_access(endpoint, persona, expected, api_as, catalog):
    _patch_and_check(api_as(persona), endpoint, getattr(catalog, REFERENCE[endpoint][0]), expected)


@pytest.mark.parametrize("endpoint", REFERENCE)
@matrix(external=404, internal=403, admin=200)
def test_inactive_reference_update_access(endpoint, persona, expected, api_as, catalog):
    _patch_and_check(api_as(persona), endpoint, getattr(catalog, REFERENCE[endpoint][1]), expected)


@pytest.mark.parametrize("endpoint", INTERNAL_ONLY)
@matrix(external=404, internal=403, admin=200)
def test_schedule_update_access(endpoint, persona, expected, api_as, catalog):
    _patch_and_check(api_as(persona), endpoint, getattr(catalog, INTERNAL_ONLY[endpoint]), expected)


@pytest.mark.parametrize("endpoint", OWNED)
@matrix(external=403, other_customer=404, internal=403, admin=200)
def test_owned_update_access(endpoint, persona, expected, api_as, catalog):
    _patch_and_check(api_as(persona), endpoint, getattr(catalog, OWNED[endpoint]), expected)


@persona_matrix(
    anonymous=401, other_customer=404, customer=404, customer_admin=403, partner=404, agent=403, manager=403, admin=200
)
def test_child_account_entitlement_update_access(persona, expected, api_as, catalog):
    _patch_and_check(api_as(persona), "entitlements", catalog.child_entitlement, expected)


@matrix(external=403, other_customer=404, internal=403, admin=200)
def test_contract_update_by_number(persona, expected, api_as, catalog):
    response = api_as(persona).patch(f"/api/v1/contracts/{catalog.contract.number}/", {"name": "Platinum"})
    assert_status(response, expected)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_records_are_not_deleted_through_the_api(endpoint, api_as, catalog):
    obj = getattr(catalog, {**{k: v[0] for k, v in REFERENCE.items()}, **INTERNAL_ONLY, **OWNED}[endpoint])
    assert api_as("admin").delete(f"/api/v1/{endpoint}/{obj.pk}/").status_code == 405
    assert type(obj).objects.filter(pk=obj.pk).exists()


# --- validate-answers ----------------------------------------------------------------------------
@matrix(external=200)
def test_validate_answers_access(persona, expected, api_as, catalog):
    response = api_as(persona).post(
        f"/api/v1/catalog-items/{catalog.item.pk}/validate-answers/", {"answers": {"serial_number": "SN-1"}}
    )
    assert_status(response, expected)


@matrix(external=404)
def test_validate_answers_on_inactive_item(persona, expected, api_as, catalog):
    response = api_as(persona).post(
        f"/api/v1/catalog-items/{catalog.inactive_item.pk}/validate-answers/", {"answers": {"fax_number": "1"}}
    )
    assert_status(response, expected)
