import pytest

from cases import admin as cases_admin
from cases.models import CaseType
from tests.factories import CaseTypeFactory, ServiceDefinitionFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_type(world):
    return CaseTypeFactory(name="Complaint", code="complaint")


def assert_admin_status(response, expected: int) -> None:
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_case_type_changelist_access(persona, expected, client_as, case_type):
    assert_admin_status(client_as(persona).get("/admin/cases/casetype/"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_case_type_add_page_access(persona, expected, client_as, case_type):
    assert_admin_status(client_as(persona).get("/admin/cases/casetype/add/"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_case_type_change_page_access(persona, expected, client_as, case_type):
    assert_admin_status(client_as(persona).get(f"/admin/cases/casetype/{case_type.pk}/change/"), expected)


def test_admin_adds_case_type_with_services_through_the_service(client_as, world, mocker):
    service = ServiceDefinitionFactory()
    create = mocker.Mock(wraps=cases_admin.services.case_type_create)
    mocker.patch.object(cases_admin.CaseTypeAdmin, "create_service", staticmethod(create))
    response = client_as("admin").post(
        "/admin/cases/casetype/add/",
        {"name": "Orders", "code": "orders", "category": "orders", "active": "on", "service_definitions": [service.pk]},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert list(CaseType.objects.get(code="orders").service_definitions.all()) == [service]
    assert create.call_args.kwargs["actor"] == world.users["admin"]


def test_admin_duplicate_code_shows_field_error_and_writes_nothing(client_as, case_type):
    before = CaseType.objects.count()
    response = client_as("admin").post(
        "/admin/cases/casetype/add/", {"name": "Other", "code": "complaint", "category": "general"}
    )
    assert response.status_code == 200
    assert "code" in response.context["adminform"].form.errors
    assert CaseType.objects.count() == before


def test_case_types_cannot_be_deleted_in_the_admin(client_as, case_type):
    response = client_as("admin").post(f"/admin/cases/casetype/{case_type.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert CaseType.objects.filter(pk=case_type.pk).exists()


def test_case_type_changelist_query_count_is_bounded(client_as, world, django_assert_max_num_queries):
    for _ in range(30):
        CaseTypeFactory()
    client = client_as("admin")
    with django_assert_max_num_queries(10):
        response = client.get("/admin/cases/casetype/")
    assert len(response.context["cl"].result_list) == 30
