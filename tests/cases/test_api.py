"""Case types over the API: every signed-in user reads the active ones, admins define them."""
import pytest

from cases import services
from cases.models import CaseType
from tests.factories import CaseTypeFactory, ServiceDefinitionFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_types(world):
    service = ServiceDefinitionFactory(name="Printer support")
    active = services.case_type_create(
        actor=None, name="Complaint", code="complaint", category="complaint", service_definitions=[service]
    )
    inactive = services.case_type_create(actor=None, name="Legacy", code="legacy", active=False)
    return active, inactive


@matrix(external=200)
def test_case_type_list_access(persona, expected, api_as, case_types):
    assert_status(api_as(persona).get("/api/v1/case-types/"), expected)


@matrix(external=200)
def test_case_type_detail_access(persona, expected, api_as, case_types):
    assert_status(api_as(persona).get(f"/api/v1/case-types/{case_types[0].pk}/"), expected)


@matrix(external=404)
def test_inactive_case_type_is_internal(persona, expected, api_as, case_types):
    assert_status(api_as(persona).get(f"/api/v1/case-types/{case_types[1].pk}/"), expected)


@matrix(external=403, internal=403, admin=201)
def test_case_type_create_access(persona, expected, api_as, case_types):
    before = CaseType.objects.count()
    response = api_as(persona).post("/api/v1/case-types/", {"name": "Onboarding", "code": "onboarding"})
    assert_status(response, expected)
    assert CaseType.objects.count() == before + (expected == 201)


@matrix(external=403, internal=403, admin=200)
def test_case_type_update_access(persona, expected, api_as, case_types):
    active = case_types[0]
    assert_status(api_as(persona).patch(f"/api/v1/case-types/{active.pk}/", {"description": "Unhappy"}), expected)
    active.refresh_from_db()
    assert (active.description == "Unhappy") is (expected == 200)


@matrix(external=404, internal=403, admin=200)
def test_inactive_case_type_update_access(persona, expected, api_as, case_types):
    response = api_as(persona).patch(f"/api/v1/case-types/{case_types[1].pk}/", {"active": True})
    assert_status(response, expected)


def test_customers_list_only_active_case_types(api_as, case_types):
    names = {row["name"] for row in api_as("customer").get("/api/v1/case-types/").data["results"]}
    assert names == {"Complaint"}


def test_service_definitions_are_a_list_of_ids(api_as, case_types):
    body = api_as("customer").get(f"/api/v1/case-types/{case_types[0].pk}/").data
    assert body["service_definitions"] == [case_types[0].service_definitions.get().pk]


def test_admin_sets_and_clears_service_definitions(api_as, case_types):
    a, b = ServiceDefinitionFactory(), ServiceDefinitionFactory()
    url = f"/api/v1/case-types/{case_types[0].pk}/"
    assert api_as("admin").patch(url, {"service_definitions": [a.pk, b.pk]}).data["service_definitions"] == [a.pk, b.pk]
    assert api_as("admin").patch(url, {"service_definitions": []}).data["service_definitions"] == []


def test_patch_without_service_definitions_keeps_them(api_as, case_types):
    url = f"/api/v1/case-types/{case_types[0].pk}/"
    api_as("admin").patch(url, {"description": "x"})
    assert case_types[0].service_definitions.count() == 1


def test_unknown_service_definition_names_the_field(api_as, case_types):
    before = CaseType.objects.count()
    response = api_as("admin").post(
        "/api/v1/case-types/", {"name": "Orders", "code": "orders", "service_definitions": [999999]}
    )
    assert response.status_code == 400 and "service_definitions" in response.data["errors"]
    assert CaseType.objects.count() == before


@pytest.mark.parametrize("field", ["name", "code"])
def test_duplicate_name_or_code_names_the_field_and_writes_nothing(field, api_as, case_types):
    data = {"name": "Other", "code": "other", field: getattr(case_types[0], field)}
    before = CaseType.objects.count()
    response = api_as("admin").post("/api/v1/case-types/", data)
    assert response.status_code == 400 and field in response.data["errors"], response.data
    assert CaseType.objects.count() == before


def test_bad_code_and_category_name_the_fields(api_as, case_types):
    response = api_as("admin").post("/api/v1/case-types/", {"name": "X", "code": "not a slug", "category": "misc"})
    assert response.status_code == 400
    assert {"code", "category"} <= set(response.data["errors"])


def test_case_types_are_not_deleted_through_the_api(api_as, case_types):
    assert api_as("admin").delete(f"/api/v1/case-types/{case_types[0].pk}/").status_code == 405


@pytest.mark.parametrize("persona", ["customer", "agent"])
def test_case_type_list_query_count_is_bounded(persona, api_as, world, django_assert_max_num_queries):
    services_ = [ServiceDefinitionFactory() for _ in range(3)]
    for _ in range(30):
        CaseTypeFactory().service_definitions.set(services_)
    with django_assert_max_num_queries(6):
        response = api_as(persona).get("/api/v1/case-types/?page_size=100")
    assert len(response.data["results"]) == 30


def test_case_types_filter_by_service_definition_and_category(api_as, case_types):
    service = case_types[0].service_definitions.get()
    api = api_as("agent")
    assert [r["id"] for r in api.get("/api/v1/case-types/", {"service_definitions": service.pk}).data["results"]] == [
        case_types[0].pk
    ]
    assert [r["id"] for r in api.get("/api/v1/case-types/", {"category": "complaint"}).data["results"]] == [
        case_types[0].pk
    ]
    for ordering in ("name", "-code", "category", "-updated_at"):
        assert api.get("/api/v1/case-types/", {"ordering": ordering}).status_code == 200
    assert api.get("/api/v1/case-types/", {"search": "compl"}).data["count"] == 1
