"""Catalog item variables as a typed form, the answers' types, and who sees an item."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from catalog import selectors, services
from catalog.forms import catalog_item_form_class
from tests.factories import CatalogItemFactory, CatalogItemVariableFactory, ProductFactory

pytestmark = pytest.mark.django_db

KINDS = {"text": "x", "multiline": "a\nb", "integer": "3", "decimal": "2.5", "date": "2026-01-02",
         "choice": "red", "boolean": "on", "email": "a@example.com"}


@pytest.fixture
def item(db):
    item = CatalogItemFactory(name="Everything")
    for kind in KINDS:
        CatalogItemVariableFactory(item=item, name=f"q_{kind}", kind=kind, required=True,
                                   choices=["red", "blue"] if kind == "choice" else [])
    return item


def test_form_types_each_answer(world, item):
    form = catalog_item_form_class(item, user=world.users["customer"])({f"v_q_{k}": v for k, v in KINDS.items()})
    assert form.is_valid(), form.errors
    assert form.answers() == {"q_text": "x", "q_multiline": "a\nb", "q_integer": 3, "q_decimal": "2.5",
                              "q_date": "2026-01-02", "q_choice": "red", "q_boolean": True, "q_email": "a@example.com"}


@pytest.mark.parametrize("kind, bad", [("integer", "2.5"), ("decimal", "abc"), ("date", "tomorrow"),
                                       ("choice", "green"), ("email", "nope")])
def test_form_refuses_wrong_values(world, item, kind, bad):
    data = {f"v_q_{k}": v for k, v in KINDS.items()} | {f"v_q_{kind}": bad}
    form = catalog_item_form_class(item, user=world.users["customer"])(data)
    assert not form.is_valid() and list(form.errors) == [f"v_q_{kind}"]


def test_answers_clean_types_the_new_kinds(world, item):
    cleaned = services.catalog_item_answers_clean(
        item=item, user=world.users["customer"],
        answers={"q_text": "x", "q_multiline": "a\nb", "q_integer": "3", "q_decimal": "2.5", "q_date": "2026-01-02",
                 "q_choice": "red", "q_boolean": True, "q_email": "a@example.com"},
    )
    assert cleaned["q_integer"] == 3 and cleaned["q_decimal"] == Decimal("2.5")
    assert cleaned["q_date"] == datetime.date(2026, 1, 2) and cleaned["q_boolean"] is True


@pytest.mark.parametrize("kind, bad", [("integer", "2.5"), ("integer", True), ("boolean", "maybe"),
                                       ("email", "x@"), ("boolean", False)])
def test_answers_clean_refuses(world, item, kind, bad):
    answers = {f"q_{k}": v for k, v in KINDS.items()} | {"q_boolean": True, f"q_{kind}": bad}
    with pytest.raises(ValidationError) as exc:
        services.catalog_item_answers_clean(item=item, answers=answers, user=world.users["customer"])
    assert list(exc.value.message_dict) == [f"q_{kind}"]


def test_item_visibility_by_account(world):
    item = CatalogItemFactory(name="Acme only")
    services.catalog_item_update(actor=None, instance=item, accounts=[world.account])
    seen = lambda p: selectors.catalog_item_list_for_user(user=world.users[p]).filter(pk=item.pk).exists()  # noqa: E731
    assert seen("customer") and seen("customer_admin") and seen("partner") and seen("agent")
    assert not seen("other_customer")


def test_item_for_owners_only(world):
    printer = ProductFactory()
    with pytest.raises(ValidationError):
        services.catalog_item_create(actor=None, name="No product", owners_only=True)
    item = services.catalog_item_create(actor=None, name="Printer owners", product=printer, owners_only=True)
    seen = lambda p: selectors.catalog_item_list_for_user(user=world.users[p]).filter(pk=item.pk).exists()  # noqa: E731
    assert not seen("customer")
    services.asset_create(actor=None, asset_tag="ACME-P-9", product=printer, account=world.account)
    assert seen("customer") and not seen("other_customer")
    assert list(selectors.product_list_owned_by_user(user=world.users["customer"])) == [printer]
