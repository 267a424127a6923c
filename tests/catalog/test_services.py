import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog import services
from catalog.choices import VariableKind
from catalog.models import Holiday, ScheduleSpan, service_id_from_name
from tests.factories import CatalogItemVariableFactory

pytestmark = pytest.mark.django_db


# --- permissions ---------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["agent", "manager", "customer_admin"])
def test_only_admins_create_catalog_records(persona, world):
    with pytest.raises(PermissionDenied):
        services.product_create(actor=world.user(persona), name="Widget")


@pytest.mark.parametrize(
    ("delete", "attr"),
    [
        (services.schedule_span_delete, "span"),
        (services.holiday_delete, "holiday"),
        (services.catalog_item_variable_delete, "variable"),
    ],
)
def test_parts_are_deleted_by_admins_only(delete, attr, world, catalog):
    obj = getattr(catalog, attr)
    with pytest.raises(PermissionDenied):
        delete(actor=world.user("manager"), instance=obj)
    assert type(obj).objects.filter(pk=obj.pk).exists()
    delete(actor=world.user("admin"), instance=obj)
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_deleting_a_span_leaves_the_schedule_and_its_holidays(world, catalog):
    services.schedule_span_delete(actor=world.user("admin"), instance=catalog.span)
    assert not ScheduleSpan.objects.filter(schedule=catalog.schedule).exists()
    assert Holiday.objects.filter(schedule=catalog.schedule).count() == 1


# --- creating ------------------------------------------------------------------------------------
def test_missing_required_reference_is_a_field_error(world):
    with pytest.raises(ValidationError) as exc:
        services.sold_product_create(actor=world.user("admin"), name="Printers", account=world.account)
    assert "product" in exc.value.message_dict


def test_span_needs_its_schedule(world):
    with pytest.raises(ValidationError) as exc:
        services.schedule_span_create(
            actor=None, weekday=0, start_time=datetime.time(9), end_time=datetime.time(10)
        )
    assert "schedule" in exc.value.message_dict


def test_per_unit_entitlement_starts_full(world):
    entitlement = services.entitlement_create(
        actor=None, name="Hours", account=world.account, starts_on=datetime.date(2026, 1, 1),
        per_unit=True, unit="hours", total_units=Decimal("40"),
    )
    assert entitlement.remaining_units == Decimal("40")


def test_given_remaining_units_are_kept(world):
    entitlement = services.entitlement_create(
        actor=None, name="Hours", account=world.account, starts_on=datetime.date(2026, 1, 1),
        per_unit=True, unit="hours", total_units=Decimal("40"), remaining_units=Decimal("15"),
    )
    assert entitlement.remaining_units == Decimal("15")


def test_raising_the_total_later_does_not_refill_remaining_units(world):
    entitlement = services.entitlement_create(
        actor=None, name="Cases", account=world.account, starts_on=datetime.date(2026, 1, 1),
        per_unit=True, unit="cases", total_units=Decimal("5"), remaining_units=Decimal("2"),
    )
    entitlement = services.entitlement_update(actor=None, instance=entitlement, total_units=Decimal("10"))
    assert entitlement.remaining_units == Decimal("2")


@pytest.mark.parametrize(
    ("name", "service_id"),
    [
        ("Printer Repair & Setup", "printer_repair__setup"),
        ("  Onboarding  ", "onboarding"),
        ("x" * 60, "x" * 40),
    ],
)
def test_service_id_from_name(name, service_id):
    assert service_id_from_name(name) == service_id


def test_name_without_letters_cannot_derive_a_service_id():
    with pytest.raises(ValidationError) as exc:
        services.service_definition_create(actor=None, name="&&&")
    assert "name" in exc.value.message_dict


def test_blanking_the_service_id_derives_it_from_the_new_name(catalog):
    sd = services.service_definition_update(
        actor=None, instance=catalog.service_definition, name="Printer care", service_id=""
    )
    assert sd.service_id == "printer_care"


# --- catalog answers -----------------------------------------------------------------------------
@pytest.fixture
def item(catalog):
    CatalogItemVariableFactory(item=catalog.item, name="count", kind=VariableKind.NUMBER)
    CatalogItemVariableFactory(item=catalog.item, name="when", kind=VariableKind.DATE)
    CatalogItemVariableFactory(item=catalog.item, name="device", kind=VariableKind.ASSET)
    return catalog.item


def test_answers_are_typed(item, world, catalog):
    cleaned = services.catalog_item_answers_clean(
        item=item, answers={"count": 3, "when": "2026-03-01", "device": catalog.asset.pk, "serial_number": 7},
        user=world.user("customer"),
    )
    assert cleaned == {
        "count": Decimal("3"), "when": datetime.date(2026, 3, 1), "device": catalog.asset.pk, "serial_number": "7",
    }


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", True, "1,5", [1]])
def test_non_numbers_are_refused(value, item, world):
    with pytest.raises(ValidationError) as exc:
        services.catalog_item_answers_clean(item=item, answers={"count": value}, user=world.user("customer"))
    assert set(exc.value.message_dict) == {"count"}


@pytest.mark.parametrize("value", [True, 2.7, "-1", " 1", "٣"])
def test_references_must_be_plain_ids(value, item, world, catalog):
    with pytest.raises(ValidationError) as exc:
        services.catalog_item_answers_clean(item=item, answers={"device": value}, user=world.user("agent"))
    assert set(exc.value.message_dict) == {"device"}


def test_blank_optional_answers_are_left_out(item, world):
    cleaned = services.catalog_item_answers_clean(
        item=item, answers={"count": "", "when": None}, user=world.user("customer")
    )
    assert cleaned == {}
