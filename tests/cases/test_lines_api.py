"""Case lines over the API: /case-lines/ and /cases/{id}/lines/, for every persona."""
import pytest

from cases import services
from cases.models import CaseLine
from tests.cases.conftest import act
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

CUSTOMER_SIDE = {"customer": 200, "customer_admin": 200, "partner": 200}
CUSTOMER_SIDE_403 = {"customer": 403, "customer_admin": 403, "partner": 403}


@pytest.fixture
def line(world, open_case):
    return services.case_line_create(actor=world.users["agent"], case=open_case, short_description="12 licences")


@pytest.fixture
def working_line(world, line):
    return services.case_line_start(actor=world.users["agent"], line=line)


@matrix(external=200)
def test_line_list_access(persona, expected, api_as, line):
    assert_status(api_as(persona).get("/api/v1/case-lines/"), expected)


@matrix(**CUSTOMER_SIDE)
def test_line_detail_access(persona, expected, api_as, line):
    assert_status(api_as(persona).get(f"/api/v1/case-lines/{line.pk}/"), expected)


@matrix(external=403, internal=201)
def test_line_create_access(persona, expected, api_as, open_case):
    body = {"case": open_case.pk, "short_description": "Extra seat", "priority": 5}
    assert_status(api_as(persona).post("/api/v1/case-lines/", body), expected)
    assert CaseLine.objects.filter(short_description="Extra seat").exists() is (expected == 201)


@matrix(**CUSTOMER_SIDE_403)
def test_line_patch_access(persona, expected, api_as, line):
    assert_status(api_as(persona).patch(f"/api/v1/case-lines/{line.pk}/", {"priority": 2}), expected)
    line.refresh_from_db()
    assert (line.priority == 2) is (expected == 200)


@matrix(**CUSTOMER_SIDE_403)
def test_line_start_access(persona, expected, api_as, line):
    assert_status(api_as(persona).post(f"/api/v1/case-lines/{line.pk}/start/"), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_line_request_info_access(persona, expected, api_as, working_line):
    assert_status(api_as(persona).post(f"/api/v1/case-lines/{working_line.pk}/request-info/"), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_line_info_received_access(persona, expected, api_as, world, working_line):
    services.case_line_request_info(actor=world.users["agent"], line=working_line)
    assert_status(api_as(persona).post(f"/api/v1/case-lines/{working_line.pk}/info-received/"), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_line_accept_access(persona, expected, api_as, working_line):
    body = {"resolution_code": "change_approved", "resolution_notes": "Done"}
    assert_status(api_as(persona).post(f"/api/v1/case-lines/{working_line.pk}/accept/", body), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_line_deny_access(persona, expected, api_as, working_line):
    body = {"resolution_notes": "Out of stock"}
    assert_status(api_as(persona).post(f"/api/v1/case-lines/{working_line.pk}/deny/", body), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_line_cancel_access(persona, expected, api_as, line):
    assert_status(api_as(persona).post(f"/api/v1/case-lines/{line.pk}/cancel/", {"reason": "No"}), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_line_submit_access(persona, expected, api_as, world, open_case):
    draft = services.case_line_create(actor=world.users["agent"], case=open_case, short_description="d", draft=True)
    assert_status(api_as(persona).post(f"/api/v1/case-lines/{draft.pk}/submit/"), expected)


@matrix(**CUSTOMER_SIDE)
def test_case_lines_list_access(persona, expected, api_as, open_case, line):
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.pk}/lines/"), expected)


@matrix(**CUSTOMER_SIDE_403, internal=201)
def test_case_lines_create_access(persona, expected, api_as, open_case):
    assert_status(api_as(persona).post(f"/api/v1/cases/{open_case.pk}/lines/", {"short_description": "x"}), expected)


def test_line_by_number_with_allowed_actions(api_as, line):
    response = api_as("agent").get(f"/api/v1/case-lines/{line.number}/")
    assert_status(response, 200)
    assert response.data["id"] == line.pk and response.data["allowed_actions"] == ["cancel", "start"]


def test_accept_on_new_line_is_409_naming_state_and_actions(api_as, line):
    body = {"resolution_code": "change_approved", "resolution_notes": "Done"}
    response = api_as("agent").post(f"/api/v1/case-lines/{line.pk}/accept/", body)
    assert_status(response, 409)
    assert response.data["state"] == "new" and sorted(response.data["allowed_actions"]) == ["cancel", "start"]


def test_accept_without_code_is_400_naming_the_field(api_as, working_line):
    response = api_as("agent").post(f"/api/v1/case-lines/{working_line.pk}/accept/", {"resolution_notes": "x"})
    assert_status(response, 400)
    assert "resolution_code" in response.data["errors"]


def test_draft_flag_only_on_create(api_as, open_case, line):
    client = api_as("agent")
    created = client.post(f"/api/v1/cases/{open_case.pk}/lines/", {"short_description": "d", "draft": True})
    assert_status(created, 201)
    assert created.data["state"] == "draft"
    assert_status(client.patch(f"/api/v1/case-lines/{line.pk}/", {"draft": True}), 400)


def test_line_of_cancelled_case_is_read_only(api_as, world, open_case, line):
    act(world, "agent", open_case, "cancel", reason="Duplicate")
    assert_status(api_as("agent").post(f"/api/v1/case-lines/{line.pk}/start/"), 409)


@pytest.mark.parametrize("persona", ["agent", "customer"])
def test_line_list_queries_do_not_grow_with_rows(persona, api_as, world, open_case, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            services.case_line_create(actor=world.users["agent"], case=open_case, short_description=f"l{i}")

    add(3)
    client = api_as(persona)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/case-lines/").data["results"]) == 3
    add(12)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/case-lines/").data["results"]) == 15
    with django_assert_max_num_queries(13):
        assert len(client.get(f"/api/v1/cases/{open_case.pk}/lines/").data["results"]) == 15
