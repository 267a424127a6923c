"""Bad input through the API: a 400 whose `errors` name the field, and nothing written."""
import datetime

import pytest

from catalog.choices import VariableKind
from catalog.models import (
    CatalogItemVariable,
    Contract,
    Entitlement,
    Holiday,
    ScheduleSpan,
    ServiceDefinition,
    service_id_from_name,
)
from tests.factories import AssetFactory, CatalogItemVariableFactory, ConsumerFactory

pytestmark = pytest.mark.django_db


def assert_invalid(response, field: str) -> None:
    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid"
    assert field in response.data["errors"], response.data


# --- entitlements --------------------------------------------------------------------------------
@pytest.fixture
def post_entitlement(api_as, world):
    def post(**fields):
        data = {"name": "Phone support", "account": world.account.pk, "starts_on": "2026-06-01", **fields}
        data = {k: v for k, v in data.items() if v is not None}
        return api_as("admin").post("/api/v1/entitlements/", data)

    return post


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ends_on": "2026-05-31"}, "ends_on"),
        ({"per_unit": True, "unit": "cases", "total_units": "-1"}, "total_units"),
        ({"remaining_units": "-0.5"}, "remaining_units"),
        ({"per_unit": True, "unit": "hours", "total_units": "5", "remaining_units": "6"}, "remaining_units"),
        ({"per_unit": True, "total_units": "5"}, "unit"),
        ({"per_unit": True, "unit": "cases"}, "total_units"),
        ({"channels": ["web", "fax"]}, "channels"),
        ({"channels": "web"}, "channels"),
        ({"unit": "days"}, "unit"),
        ({"account": None}, "account"),
    ],
    ids=[
        "ends-before-start", "total-below-zero", "remaining-below-zero", "remaining-above-total",
        "per-unit-without-unit", "per-unit-without-total", "unknown-channel", "channels-not-a-list",
        "unknown-unit", "no-owner",
    ],
)
def test_bad_entitlement_names_the_field_and_writes_nothing(fields, field, post_entitlement):
    before = Entitlement.objects.count()
    assert_invalid(post_entitlement(**fields), field)
    assert Entitlement.objects.count() == before


def test_entitlement_owned_by_account_and_consumer_is_refused(post_entitlement):
    before = Entitlement.objects.count()
    assert_invalid(post_entitlement(consumer=ConsumerFactory().pk), "account")
    assert Entitlement.objects.count() == before


def test_unknown_channel_error_names_the_channel_and_the_choices(post_entitlement):
    message = post_entitlement(channels=["web", "fax"]).data["errors"]["channels"][0]
    assert message.startswith('"fax" is not a channel') and "web, email, phone" in message


def test_entitlement_of_a_consumer_alone_is_accepted(post_entitlement):
    consumer = ConsumerFactory()
    response = post_entitlement(account=None, consumer=consumer.pk)
    assert response.status_code == 201, response.data
    assert response.data["consumer"] == consumer.pk and response.data["account"] is None


def test_new_per_unit_entitlement_starts_with_all_units_remaining(post_entitlement):
    response = post_entitlement(per_unit=True, unit="cases", total_units="10")
    assert response.status_code == 201, response.data
    assert response.data["remaining_units"] == "10.00"
    assert Entitlement.objects.get(pk=response.data["id"]).remaining_units == 10


def test_entitlement_channels_are_a_list_of_channel_names(post_entitlement):
    response = post_entitlement(channels=["web", "phone"])
    assert response.status_code == 201, response.data
    assert response.data["channels"] == ["web", "phone"]


def test_patch_ending_entitlement_before_start_writes_nothing(api_as, catalog):
    response = api_as("admin").patch(f"/api/v1/entitlements/{catalog.entitlement.pk}/", {"ends_on": "2025-12-31"})
    catalog.entitlement.refresh_from_db()
    assert_invalid(response, "ends_on")
    assert catalog.entitlement.ends_on is None


def test_entitlement_for_an_unknown_asset_names_the_field(post_entitlement):
    response = post_entitlement(asset=999999)
    assert_invalid(response, "asset")
    assert "does not exist" in response.data["errors"]["asset"][0]


# --- service definitions -------------------------------------------------------------------------
def test_service_id_is_derived_from_the_name_when_left_blank(api_as):
    assert service_id_from_name("Printer Repair & Setup") == "printer_repair__setup"
    response = api_as("admin").post("/api/v1/service-definitions/", {"name": "Printer Repair & Setup"})
    assert response.status_code == 201, response.data
    assert response.data["service_id"] == "printer_repair__setup"


def test_blank_service_id_is_derived_too(api_as):
    response = api_as("admin").post("/api/v1/service-definitions/", {"name": "On-site Visit", "service_id": ""})
    assert response.status_code == 201, response.data
    assert response.data["service_id"] == "onsite_visit"


@pytest.mark.parametrize("given", ["explicit", "derived"])
def test_duplicate_service_id_names_the_field_and_writes_nothing(given, api_as, catalog):
    existing = catalog.service_definition  # "Printer support" -> printer_support
    data = {"name": "Printer support"} if given == "derived" else {"name": "Other", "service_id": existing.service_id}
    before = ServiceDefinition.objects.count()
    assert_invalid(api_as("admin").post("/api/v1/service-definitions/", data), "service_id")
    assert ServiceDefinition.objects.count() == before


def test_service_id_with_capitals_or_spaces_is_refused(api_as):
    before = ServiceDefinition.objects.count()
    response = api_as("admin").post("/api/v1/service-definitions/", {"name": "X", "service_id": "Bad Id"})
    assert_invalid(response, "service_id")
    assert ServiceDefinition.objects.count() == before


def test_service_cannot_be_its_own_child(api_as, catalog):
    sd = catalog.service_definition
    response = api_as("admin").patch(f"/api/v1/service-definitions/{sd.pk}/", {"child_services": [sd.pk]})
    assert_invalid(response, "child_services")
    assert not sd.child_services.exists()


def test_service_definition_links_products_and_child_services(api_as, catalog):
    response = api_as("admin").post(
        "/api/v1/service-definitions/",
        {"name": "Printer fleet", "products": [catalog.product.pk], "child_services": [catalog.service_definition.pk]},
    )
    assert response.status_code == 201, response.data
    assert response.data["products"] == [catalog.product.pk]
    assert response.data["child_services"] == [catalog.service_definition.pk]


# --- contracts, schedules ------------------------------------------------------------------------
def test_contract_ending_before_start_names_the_field_and_writes_nothing(api_as, world):
    before = Contract.objects.count()
    response = api_as("admin").post(
        "/api/v1/contracts/",
        {"name": "Gold", "account": world.account.pk, "starts_on": "2026-06-01", "ends_on": "2026-01-01"},
    )
    assert_invalid(response, "ends_on")
    assert Contract.objects.count() == before


def test_created_contract_gets_a_number(api_as, world):
    response = api_as("admin").post(
        "/api/v1/contracts/", {"name": "Gold", "account": world.account.pk, "starts_on": "2026-06-01"}
    )
    assert response.status_code == 201, response.data
    assert response.data["number"].startswith("CNTR") and len(response.data["number"]) == 11


@pytest.mark.parametrize("end", ["09:00", "08:30"])
def test_span_ending_before_it_starts_names_the_field_and_writes_nothing(end, api_as, catalog):
    before = ScheduleSpan.objects.count()
    response = api_as("admin").post(
        "/api/v1/schedule-spans/",
        {"schedule": catalog.schedule.pk, "weekday": 3, "start_time": "09:00", "end_time": end},
    )
    assert_invalid(response, "end_time")
    assert ScheduleSpan.objects.count() == before


def test_second_holiday_on_the_same_date_is_refused(api_as, catalog):
    before = Holiday.objects.count()
    response = api_as("admin").post(
        "/api/v1/holidays/", {"schedule": catalog.schedule.pk, "name": "Xmas again", "date": "2026-12-25"}
    )
    assert response.status_code == 400 and response.data["code"] == "invalid"
    assert Holiday.objects.count() == before


def test_unknown_time_zone_is_refused(api_as):
    response = api_as("admin").post("/api/v1/schedules/", {"name": "Moon", "time_zone": "Moon/Base"})
    assert_invalid(response, "time_zone")


def test_schedule_reads_its_spans_and_holidays(api_as, catalog):
    body = api_as("agent").get(f"/api/v1/schedules/{catalog.schedule.pk}/").data
    assert body["spans"] == [{"id": catalog.span.pk, "weekday": 0, "start_time": "09:00:00", "end_time": "17:00:00"}]
    assert body["holidays"] == [{"id": catalog.holiday.pk, "name": "Christmas", "date": "2026-12-25"}]


# --- catalog items and variables -----------------------------------------------------------------
def test_choice_variable_without_choices_names_the_field_and_writes_nothing(api_as, catalog):
    before = CatalogItemVariable.objects.count()
    response = api_as("admin").post(
        "/api/v1/catalog-item-variables/",
        {"item": catalog.item.pk, "name": "colour", "label": "Colour", "kind": "choice", "choices": []},
    )
    assert_invalid(response, "choices")
    assert CatalogItemVariable.objects.count() == before


def test_text_variable_with_choices_is_refused(api_as, catalog):
    response = api_as("admin").post(
        "/api/v1/catalog-item-variables/",
        {"item": catalog.item.pk, "name": "colour", "label": "Colour", "kind": "text", "choices": ["red"]},
    )
    assert_invalid(response, "choices")


def test_catalog_item_shows_its_variables(api_as, catalog):
    body = api_as("customer").get(f"/api/v1/catalog-items/{catalog.item.pk}/").data
    assert [v["name"] for v in body["variables"]] == ["serial_number"]
    assert set(body["variables"][0]) == {"id", "name", "label", "kind", "required", "choices", "help_text", "order"}


@pytest.fixture
def form(catalog):
    """A catalog item whose questions cover every kind."""
    item = catalog.item
    CatalogItemVariableFactory(item=item, name="quantity", kind=VariableKind.NUMBER, required=True)
    CatalogItemVariableFactory(item=item, name="needed_by", kind=VariableKind.DATE)
    CatalogItemVariableFactory(item=item, name="colour", kind=VariableKind.CHOICE, choices=["red", "blue"])
    CatalogItemVariableFactory(item=item, name="printer", kind=VariableKind.PRODUCT)
    CatalogItemVariableFactory(item=item, name="device", kind=VariableKind.ASSET)
    return item


def _validate(api, item, answers):
    return api.post(f"/api/v1/catalog-items/{item.pk}/validate-answers/", {"answers": answers})


def test_valid_answers_come_back_typed(api_as, catalog, form):
    answers = {
        "serial_number": "SN-1", "quantity": "2.5", "needed_by": "2026-07-01", "colour": "red",
        "printer": catalog.product.pk, "device": str(catalog.asset.pk),
    }
    response = _validate(api_as("customer"), form, answers)
    assert response.status_code == 200, response.data
    assert response.data["answers"] == {
        "serial_number": "SN-1", "quantity": "2.5", "needed_by": "2026-07-01", "colour": "red",
        "printer": catalog.product.pk, "device": catalog.asset.pk,
    }


@pytest.mark.parametrize(
    ("answers", "bad"),
    [
        ({}, "quantity"),
        ({"quantity": ""}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"quantity": "NaN"}, "quantity"),
        ({"quantity": 1, "needed_by": "next week"}, "needed_by"),
        ({"quantity": 1, "needed_by": "2026-02-30"}, "needed_by"),
        ({"quantity": 1, "colour": "green"}, "colour"),
        ({"quantity": 1, "printer": "abc"}, "printer"),
        ({"quantity": 1, "printer": True}, "printer"),
        ({"quantity": 1, "shoe_size": "44"}, "shoe_size"),
    ],
    ids=[
        "required-missing", "required-blank", "bad-number", "nan", "bad-date", "impossible-date", "choice-not-listed",
        "product-not-an-id", "product-boolean", "unknown-question",
    ],
)
def test_bad_answer_names_the_variable(answers, bad, api_as, form):
    response = _validate(api_as("customer"), form, answers)
    assert_invalid(response, bad)


def test_several_bad_answers_are_all_named(api_as, form):
    response = _validate(api_as("customer"), form, {"needed_by": "soon", "colour": "green"})
    assert_invalid(response, "quantity")
    assert {"quantity", "needed_by", "colour"} <= set(response.data["errors"])


def test_inactive_product_is_out_of_a_customers_scope(api_as, catalog, form):
    answers = {"quantity": 1, "printer": catalog.inactive_product.pk}
    assert_invalid(_validate(api_as("customer"), form, answers), "printer")
    assert _validate(api_as("agent"), form, answers).status_code == 200


def test_other_accounts_asset_is_out_of_a_customers_scope(api_as, world, form):
    globex_asset = AssetFactory(account=world.other_account)
    answers = {"quantity": 1, "device": globex_asset.pk}
    response = _validate(api_as("customer"), form, answers)
    assert_invalid(response, "device")
    assert "No asset" in response.data["errors"]["device"][0]
    assert _validate(api_as("other_customer"), form, answers).status_code == 200


def test_answers_must_be_an_object(api_as, form):
    assert_invalid(_validate(api_as("customer"), form, ["quantity"]), "answers")


def test_date_answer_types_as_a_date(api_as, form):
    response = _validate(api_as("customer"), form, {"quantity": "1", "needed_by": "2026-01-31"})
    assert response.data["answers"]["needed_by"] == datetime.date(2026, 1, 31).isoformat()
