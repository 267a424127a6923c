"""Submitting from the catalog, a product, a service and "Get help": each lands on the right case
type, with channel web and the product/asset set, then redirects to the new case's page."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CatalogRequest
from catalog import services as catalog_services
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

ANSWERS = {"item-v_part": "Fuser", "item-v_quantity": "2", "item-v_needed_by": "2026-12-01",
           "item-v_colour": "black", "item-v_urgent": "on", "item-v_notify": "boss@example.com",
           "item-v_notes": "Line one\nLine two", "item-v_budget": "12.50"}


def _new_case(response) -> Case:
    assert response.status_code == 302, response.content.decode()[-2000:]
    number = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    return Case.objects.get(number=number)


def test_catalog_submit_lands_on_the_case_type_with_answers_and_attachment(world, client_as, catalog_item,
                                                                              service_and_type):
    service, case_type = service_and_type
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="image/png")
    response = client_as("customer").post(f"/portal/catalog/{catalog_item.pk}/", {**ANSWERS, "file": upload})
    case = _new_case(response)
    assert response["Location"] == f"/portal/cases/{case.number}/"
    assert (case.case_type, case.service_definition, case.channel) == (case_type, service, "web")
    assert case.contact == world.contacts["customer"] and case.short_description == catalog_item.name
    assert "Which part?: Fuser" in case.description and "Urgent?: Yes" in case.description
    request = CatalogRequest.objects.get(case=case)
    values = {row["name"]: row["value"] for row in request.answers}
    assert values == {"part": "Fuser", "quantity": 2, "needed_by": "2026-12-01", "colour": "black", "urgent": True,
                      "notify": "boss@example.com", "notes": "Line one\nLine two", "budget": "12.50"}
    assert case.attachments.get().original_name == "photo.png"


def test_answers_matching_case_type_fields_fill_the_typed_extra_fields(client_as, catalog_item, service_and_type):
    _, case_type = service_and_type
    case_type.fields.create(name="part", label="Part", kind="text")
    case = _new_case(client_as("customer").post(f"/portal/catalog/{catalog_item.pk}/", ANSWERS))
    assert case.extra == {"part": "Fuser"}


def test_wrong_answers_are_400_on_their_fields_and_open_nothing(client_as, catalog_item):
    before = Case.objects.count()
    bad = {**ANSWERS, "item-v_quantity": "two", "item-v_notify": "not-an-address", "item-v_part": ""}
    response = client_as("customer").post(f"/portal/catalog/{catalog_item.pk}/", bad)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a whole number." in html and "Enter a valid email address." in html
    assert Case.objects.count() == before


def test_refused_attachment_rolls_the_whole_request_back(client_as, catalog_item):
    before = Case.objects.count()
    upload = SimpleUploadedFile("x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", content_type="image/svg+xml")
    response = client_as("customer").post(f"/portal/catalog/{catalog_item.pk}/", {**ANSWERS, "file": upload})
    assert response.status_code == 415
    assert Case.objects.count() == before


def test_item_for_another_account_is_404(world, client_as, catalog_item):
    catalog_services.catalog_item_update(actor=None, instance=catalog_item, accounts=[world.other_account])
    assert client_as("customer").get(f"/portal/catalog/{catalog_item.pk}/").status_code == 404
    assert client_as("other_customer").get(f"/portal/catalog/{catalog_item.pk}/").status_code == 200


def test_product_case_sets_product_and_asset(world, client_as):
    printer = ProductFactory(name="LaserJet 4000")
    asset = catalog_services.asset_create(actor=None, asset_tag="ACME-PRN-1", product=printer, account=world.account)
    catalog = client_as("customer").get("/portal/catalog/").content.decode()
    assert "LaserJet 4000" in catalog and f"/portal/products/{printer.pk}/new-case/" in catalog
    response = client_as("customer").post(
        f"/portal/products/{printer.pk}/new-case/",
        {"short_description": "Paper jam", "description": "Tray 2", "urgency": "2", "asset": asset.pk},
    )
    case = _new_case(response)
    assert (case.product, case.asset, case.channel, case.urgency) == (printer, asset, "web", 2)


def test_product_not_owned_is_404(client_as):
    printer = ProductFactory(name="Someone else's printer")
    assert client_as("customer").get(f"/portal/products/{printer.pk}/new-case/").status_code == 404


def test_service_case_lands_on_its_case_type(client_as, service_and_type):
    service, case_type = service_and_type
    response = client_as("customer").post(
        f"/portal/services/{service.pk}/new-case/", {"short_description": "Screen cracked", "urgency": "3"}
    )
    case = _new_case(response)
    assert (case.case_type, case.service_definition, case.channel) == (case_type, service, "web")


def test_get_help_free_form(world, client_as):
    response = client_as("partner").post("/portal/help/", {"short_description": "Question", "urgency": "3"})
    case = _new_case(response)
    assert case.case_type is None and case.channel == "web" and case.opened_by == world.users["partner"]
    assert client_as("partner").get(f"/portal/cases/{case.number}/").status_code == 200


def test_missing_subject_is_400(client_as):
    assert client_as("customer").post("/portal/help/", {"short_description": "", "urgency": "3"}).status_code == 400


def test_seed_demo_ships_catalog_items_with_variables(no_world):
    from django.core.management import call_command

    from catalog.models import CatalogItem

    call_command("seed_demo", verbosity=0)
    for name in ("Request a replacement part", "Report a billing problem", "Onboard a new site"):
        item = CatalogItem.objects.get(name=name)
        assert item.variables.count() >= 4 and item.service_definition is not None
    before = CatalogItem.objects.count()
    call_command("seed_demo", verbosity=0)
    assert CatalogItem.objects.count() == before
