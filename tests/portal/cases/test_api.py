"""The API the portal mirrors: visible catalog items, submitting one, the case survey."""
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Case, CaseSurvey
from catalog import services as catalog_services
from tests.matrix import assert_status, persona_matrix
from tests.portal.cases.conftest import act

pytestmark = pytest.mark.django_db

GOOD = {"answers": {"part": "Fuser", "quantity": 2}}


# Agents must say whom the case is for (the service's 400); see the test below.
@persona_matrix(anonymous=401, other_customer=201, customer=201, customer_admin=201, partner=201,
                agent=400, manager=400, admin=400)
def test_submit_matrix(persona, expected, api_as, catalog_item):
    response = api_as(persona).post(f"/api/v1/catalog-items/{catalog_item.pk}/submit/", GOOD, format="json")
    assert_status(response, expected)


@persona_matrix(anonymous=401, other_customer=201, customer=404, customer_admin=404, partner=201,
                agent=400, manager=400, admin=400)
def test_submit_item_limited_to_another_account(persona, expected, api_as, world, catalog_item):
    catalog_services.catalog_item_update(actor=None, instance=catalog_item, accounts=[world.other_account,
                                                                                      world.partner_account])
    response = api_as(persona).post(f"/api/v1/catalog-items/{catalog_item.pk}/submit/", GOOD, format="json")
    assert_status(response, expected)


def test_agent_submits_for_a_contact(world, api_as, catalog_item):
    body = {**GOOD, "contact": world.contacts["customer"].pk}
    response = api_as("agent").post(f"/api/v1/catalog-items/{catalog_item.pk}/submit/", body, format="json")
    assert response.status_code == 201
    assert Case.objects.get(number=response.data["number"]).contact == world.contacts["customer"]


def test_customer_cannot_submit_for_another_accounts_contact(world, api_as, catalog_item):
    body = {**GOOD, "contact": world.contacts["other_customer"].pk}
    response = api_as("customer").post(f"/api/v1/catalog-items/{catalog_item.pk}/submit/", body, format="json")
    assert response.status_code == 400 and "contact" in response.data["errors"]


def test_submit_creates_the_typed_case(api_as, catalog_item, service_and_type):
    _, case_type = service_and_type
    response = api_as("customer").post(f"/api/v1/catalog-items/{catalog_item.pk}/submit/", GOOD, format="json")
    assert response.status_code == 201
    case = Case.objects.get(number=response.data["number"])
    assert case.case_type == case_type and response.data["channel"] == "web"
    assert "assignment_group" not in response.data  # the customer's view of a case


def test_submit_wrong_answers_is_400_naming_them(api_as, catalog_item):
    bad = {"answers": {"quantity": "lots", "nope": 1}}
    response = api_as("customer").post(f"/api/v1/catalog-items/{catalog_item.pk}/submit/", bad, format="json")
    assert response.status_code == 400
    assert set(response.data["errors"]) == {"part", "quantity", "nope"}


def test_submit_multipart_with_a_file(api_as, catalog_item):
    upload = SimpleUploadedFile("note.txt", b"hello\n", content_type="text/plain")
    response = api_as("customer").post(
        f"/api/v1/catalog-items/{catalog_item.pk}/submit/", {"answers": json.dumps(GOOD["answers"]), "file": upload},
        format="multipart",
    )
    assert response.status_code == 201
    assert Case.objects.get(number=response.data["number"]).attachments.count() == 1


def test_catalog_items_list_only_visible_items(world, api_as, catalog_item, django_assert_max_num_queries):
    hidden = catalog_services.catalog_item_create(actor=None, name="Globex only")
    catalog_services.catalog_item_update(actor=None, instance=hidden, accounts=[world.other_account])
    owners = catalog_services.catalog_item_create(actor=None, name="Owners only", product=catalog_item.product
                                                  or _product(), owners_only=True)
    client = api_as("customer")
    with django_assert_max_num_queries(12):
        names = {row["name"] for row in client.get("/api/v1/catalog-items/?page_size=200").data["results"]}
    assert catalog_item.name in names and hidden.name not in names and owners.name not in names
    names = {row["name"] for row in api_as("other_customer").get("/api/v1/catalog-items/?page_size=200").data["results"]}
    assert hidden.name in names
    assert owners.name in {r["name"] for r in api_as("agent").get("/api/v1/catalog-items/?page_size=200").data["results"]}


def _product():
    from tests.factories import ProductFactory

    return ProductFactory()


@persona_matrix(anonymous=401, other_customer=404, customer=201, customer_admin=201, partner=201,
                agent=403, manager=403, admin=403)
def test_survey_answer_matrix(persona, expected, api_as, resolved_case):
    response = api_as(persona).post(f"/api/v1/cases/{resolved_case.number}/survey/", {"rating": 4}, format="json")
    assert_status(response, expected)


@persona_matrix(anonymous=401, other_customer=404, customer=200, customer_admin=200, partner=200,
                agent=200, manager=200, admin=200)
def test_survey_read_matrix(persona, expected, world, api_as, resolved_case):
    from cases import services

    services.case_survey_submit(actor=world.users["customer"], case=resolved_case, rating=5, comment="Great")
    response = api_as(persona).get(f"/api/v1/cases/{resolved_case.number}/survey/")
    assert_status(response, expected)
    if expected == 200:
        assert response.data["rating"] == 5 and response.data["case"] == resolved_case.number


def test_survey_second_answer_409_and_bad_rating_400(api_as, resolved_case):
    client = api_as("customer")
    assert client.post(f"/api/v1/cases/{resolved_case.number}/survey/", {"rating": 6}, format="json").status_code == 400
    assert client.post(f"/api/v1/cases/{resolved_case.number}/survey/", {"rating": 3}, format="json").status_code == 201
    again = client.post(f"/api/v1/cases/{resolved_case.number}/survey/", {"rating": 1}, format="json")
    assert again.status_code == 409 and again.data["code"] == "conflict"
    assert CaseSurvey.objects.get(case=resolved_case).rating == 3


def test_survey_before_resolution_is_409_and_unanswered_read_is_404(api_as, dana_case):
    client = api_as("customer")
    assert client.post(f"/api/v1/cases/{dana_case.number}/survey/", {"rating": 3}, format="json").status_code == 409
    assert client.get(f"/api/v1/cases/{dana_case.number}/survey/").status_code == 404


def test_survey_shows_on_the_agent_record_page(world, client_as, resolved_case):
    from cases import services

    act(world, "customer", resolved_case, "accept-solution")
    services.case_survey_submit(actor=world.users["customer"], case=resolved_case, rating=4, comment="SURVEY-COMMENT")
    html = client_as("agent").get(f"/cases/{resolved_case.number}/").content.decode()
    assert "Satisfaction survey" in html and "SURVEY-COMMENT" in html and "4/5" in html
