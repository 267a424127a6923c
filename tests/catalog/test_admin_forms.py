"""The catalog admin writes through the catalog services, inlines included, and shows the
services' errors on the right fields without writing anything."""
import datetime
from unittest import mock

import pytest

from catalog import admin as catalog_admin
from catalog import services
from catalog.models import (
    CatalogItem,
    CatalogItemVariable,
    Contract,
    Entitlement,
    Holiday,
    Schedule,
    ScheduleSpan,
    ServiceDefinition,
)

pytestmark = pytest.mark.django_db


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def spy(inline, name: str):
    """Wrap an inline's service so a test sees that the admin called it."""
    wrapped = mock.Mock(wraps=getattr(inline, name))
    return mock.patch.object(inline, name, staticmethod(wrapped)), wrapped


# --- schedules with inline spans and holidays ----------------------------------------------------
def _schedule_data(**extra) -> dict:
    return {
        "name": "Support hours", "time_zone": "Europe/Paris", "description": "", "active": "on",
        **inline_management("spans"), **inline_management("holidays"), **extra,
    }


def test_admin_adds_schedule_with_span_inlines_through_services(client_as, world):
    data = _schedule_data(
        **inline_management("spans", total=2),
        **{"spans-0-weekday": "0", "spans-0-start_time": "09:00", "spans-0-end_time": "12:00"},
        **{"spans-1-weekday": "0", "spans-1-start_time": "13:00", "spans-1-end_time": "17:30"},
        **inline_management("holidays", total=1),
        **{"holidays-0-name": "May Day", "holidays-0-date": "2026-05-01"},
    )
    patch_span, span_create = spy(catalog_admin.ScheduleSpanInline, "create_service")
    patch_holiday, holiday_create = spy(catalog_admin.HolidayInline, "create_service")
    with patch_span, patch_holiday:
        response = client_as("admin").post("/admin/catalog/schedule/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    schedule = Schedule.objects.get(name="Support hours")
    assert [(s.start_time, s.end_time) for s in schedule.spans.all()] == [
        (datetime.time(9), datetime.time(12)), (datetime.time(13), datetime.time(17, 30)),
    ]
    assert schedule.holidays.get().date == datetime.date(2026, 5, 1)
    assert span_create.call_count == 2 and holiday_create.call_count == 1
    assert span_create.call_args.kwargs["actor"] == world.users["admin"]


def test_admin_span_ending_before_start_shows_error_and_writes_nothing(client_as):
    data = _schedule_data(
        **inline_management("spans", total=1),
        **{"spans-0-weekday": "2", "spans-0-start_time": "17:00", "spans-0-end_time": "09:00"},
    )
    response = client_as("admin").post("/admin/catalog/schedule/add/", data)
    assert response.status_code == 200
    assert "The span must end after it starts." in response.content.decode()
    assert not Schedule.objects.filter(name="Support hours").exists()
    assert not ScheduleSpan.objects.filter(weekday=2).exists()


def test_admin_deletes_a_span_inline_through_its_service(client_as, catalog):
    schedule, span = catalog.schedule, catalog.span
    data = _schedule_data(
        name=schedule.name, time_zone=schedule.time_zone,
        **inline_management("spans", total=1, initial=1),
        **{"spans-0-id": span.pk, "spans-0-schedule": schedule.pk, "spans-0-weekday": "0",
           "spans-0-start_time": "09:00", "spans-0-end_time": "17:00", "spans-0-DELETE": "on"},
        **inline_management("holidays", total=1, initial=1),
        **{"holidays-0-id": catalog.holiday.pk, "holidays-0-schedule": schedule.pk,
           "holidays-0-name": "Christmas", "holidays-0-date": "2026-12-25"},
    )
    patch_delete, span_delete = spy(catalog_admin.ScheduleSpanInline, "delete_service")
    with patch_delete:
        response = client_as("admin").post(f"/admin/catalog/schedule/{schedule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not ScheduleSpan.objects.filter(pk=span.pk).exists()
    span_delete.assert_called_once()
    assert Holiday.objects.filter(pk=catalog.holiday.pk).exists()


def test_admin_changes_a_holiday_inline(client_as, catalog):
    schedule = catalog.schedule
    data = _schedule_data(
        name=schedule.name, time_zone=schedule.time_zone,
        **inline_management("spans", total=1, initial=1),
        **{"spans-0-id": catalog.span.pk, "spans-0-schedule": schedule.pk, "spans-0-weekday": "0",
           "spans-0-start_time": "09:00", "spans-0-end_time": "17:00"},
        **inline_management("holidays", total=1, initial=1),
        **{"holidays-0-id": catalog.holiday.pk, "holidays-0-schedule": schedule.pk,
           "holidays-0-name": "Christmas Day", "holidays-0-date": "2026-12-25"},
    )
    response = client_as("admin").post(f"/admin/catalog/schedule/{schedule.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    catalog.holiday.refresh_from_db()
    assert catalog.holiday.name == "Christmas Day"


# --- entitlements --------------------------------------------------------------------------------
def _entitlement_data(world, **extra) -> dict:
    return {"name": "Phone support", "account": world.account.pk, "starts_on": "2026-06-01", "active": "on", **extra}


def test_admin_entitlement_ending_before_start_shows_field_error_and_writes_nothing(client_as, world):
    before = Entitlement.objects.count()
    response = client_as("admin").post(
        "/admin/catalog/entitlement/add/", _entitlement_data(world, ends_on="2026-05-01")
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["adminform"].form.errors
    assert "The entitlement cannot end before it starts." in response.content.decode()
    assert Entitlement.objects.count() == before


def test_admin_entitlement_with_two_owners_shows_error_on_account(client_as, world):
    from tests.factories import ConsumerFactory

    before = Entitlement.objects.count()
    data = _entitlement_data(world, consumer=ConsumerFactory().pk)
    response = client_as("admin").post("/admin/catalog/entitlement/add/", data)
    assert response.status_code == 200
    assert "account" in response.context["adminform"].form.errors
    assert Entitlement.objects.count() == before


def test_admin_adds_per_unit_entitlement_with_channels(client_as, world):
    data = _entitlement_data(world, channels=["web", "phone"], per_unit="on", unit="hours", total_units="12")
    response = client_as("admin").post("/admin/catalog/entitlement/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    entitlement = Entitlement.objects.get(name="Phone support")
    assert entitlement.channels == ["web", "phone"]
    assert entitlement.remaining_units == entitlement.total_units == 12


def test_admin_entitlement_change_page_checks_its_channels(client_as, catalog):
    response = client_as("admin").get(f"/admin/catalog/entitlement/{catalog.entitlement.pk}/change/")
    field = response.context["adminform"].form["channels"]
    assert field.value() == ["web", "email", "phone"]
    assert str(field).count("checked") == 3


# --- contracts, service definitions --------------------------------------------------------------
def test_admin_adds_contract_with_a_number(client_as, world):
    response = client_as("admin").post(
        "/admin/catalog/contract/add/",
        {"name": "Gold", "account": world.account.pk, "starts_on": "2026-01-01", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Contract.objects.get(name="Gold").number.startswith("CNTR")


def test_admin_contract_ending_before_start_writes_nothing(client_as, world):
    before = Contract.objects.count()
    response = client_as("admin").post(
        "/admin/catalog/contract/add/",
        {"name": "Gold", "account": world.account.pk, "starts_on": "2026-06-01", "ends_on": "2026-01-01"},
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["adminform"].form.errors
    assert Contract.objects.count() == before


def test_admin_derives_service_id_and_links_products_and_children(client_as, catalog):
    response = client_as("admin").post(
        "/admin/catalog/servicedefinition/add/",
        {
            "name": "Printer Repair & Setup", "service_id": "", "service_type": "general", "order": "10",
            "active": "on", "products": [catalog.product.pk], "child_services": [catalog.service_definition.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    sd = ServiceDefinition.objects.get(name="Printer Repair & Setup")
    assert sd.service_id == "printer_repair__setup"
    assert list(sd.products.all()) == [catalog.product]
    assert list(sd.child_services.all()) == [catalog.service_definition]


def test_admin_service_definition_page_shows_products_and_parents(client_as, catalog):
    parent = services.service_definition_create(
        actor=None, name="Fleet", products=[catalog.product], child_services=[catalog.service_definition]
    )
    changelist = client_as("admin").get("/admin/catalog/servicedefinition/").content.decode()
    assert catalog.product.name in changelist
    change = client_as("admin").get(f"/admin/catalog/servicedefinition/{catalog.service_definition.pk}/change/")
    assert parent.name in change.content.decode()


def test_admin_duplicate_service_id_shows_field_error(client_as, catalog):
    before = ServiceDefinition.objects.count()
    response = client_as("admin").post(
        "/admin/catalog/servicedefinition/add/",
        {"name": "Printer support", "service_id": "", "service_type": "general", "order": "10"},
    )
    assert response.status_code == 200
    assert "service_id" in response.context["adminform"].form.errors
    assert ServiceDefinition.objects.count() == before


# --- catalog items with inline variables ---------------------------------------------------------
def _item_data(**extra) -> dict:
    return {"name": "Laptop request", "order": "100", "active": "on", **inline_management("variables"), **extra}


def test_admin_adds_catalog_item_with_a_choice_variable(client_as):
    data = _item_data(
        **inline_management("variables", total=1),
        **{"variables-0-order": "1", "variables-0-name": "colour", "variables-0-label": "Colour",
           "variables-0-kind": "choice", "variables-0-choices": "silver\nblack\n", "variables-0-help_text": ""},
    )
    response = client_as("admin").post("/admin/catalog/catalogitem/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    variable = CatalogItem.objects.get(name="Laptop request").variables.get()
    assert variable.choices == ["silver", "black"]


def test_admin_choice_variable_without_choices_writes_nothing(client_as):
    data = _item_data(
        **inline_management("variables", total=1),
        **{"variables-0-order": "1", "variables-0-name": "colour", "variables-0-label": "Colour",
           "variables-0-kind": "choice", "variables-0-choices": "", "variables-0-help_text": ""},
    )
    response = client_as("admin").post("/admin/catalog/catalogitem/add/", data)
    assert response.status_code == 200
    assert "A choice variable needs a list of non-empty values." in response.content.decode()
    assert not CatalogItem.objects.filter(name="Laptop request").exists()
    assert not CatalogItemVariable.objects.filter(name="colour").exists()


def test_admin_variable_choices_show_one_per_line(client_as, catalog):
    services.catalog_item_variable_update(actor=None, instance=catalog.variable, kind="choice", choices=["a", "b"])
    html = client_as("admin").get(f"/admin/catalog/catalogitemvariable/{catalog.variable.pk}/change/").content
    assert b"a\nb</textarea>" in html


# --- deleting ------------------------------------------------------------------------------------
@pytest.mark.parametrize("model, attr", [("product", "product"), ("contract", "contract"),
                                         ("entitlement", "entitlement"), ("catalogitem", "item")])
def test_main_records_cannot_be_deleted_in_the_admin(model, attr, client_as, catalog):
    obj = getattr(catalog, attr)
    response = client_as("admin").post(f"/admin/catalog/{model}/{obj.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_admin_deletes_a_holiday_through_its_service(client_as, catalog):
    patch_delete, delete = spy(catalog_admin.HolidayAdmin, "delete_service")
    with patch_delete:
        response = client_as("admin").post(f"/admin/catalog/holiday/{catalog.holiday.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Holiday.objects.filter(pk=catalog.holiday.pk).exists()
    delete.assert_called_once()


# --- access page ---------------------------------------------------------------------------------
def test_access_page_explains_who_sees_a_contract(client_as, catalog):
    response = client_as("admin").get(f"/admin/catalog/contract/{catalog.contract.pk}/access/?user=customer_dana")
    text = response.content.decode()
    assert response.status_code == 200
    assert "can see" in text and "a contact of this account" in text


# --- autocomplete --------------------------------------------------------------------------------
def test_autocomplete_offers_assets_by_tag(client_as, catalog):
    response = client_as("admin").get(
        "/admin/autocomplete/",
        {"app_label": "catalog", "model_name": "entitlement", "field_name": "asset", "term": catalog.asset.asset_tag},
    )
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(catalog.asset.pk), "text": str(catalog.asset)}]
