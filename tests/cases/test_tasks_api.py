"""Case tasks over the API: /case-tasks/ and /cases/{id}/tasks/, for every persona."""
import pytest

from cases import services
from cases.models import CaseTask
from tests.cases.conftest import act
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

# Dana's case at Acme: the customer, Acme's customer admin and Acme's partner see it.
CUSTOMER_SIDE = {"customer": 200, "customer_admin": 200, "partner": 200}
CUSTOMER_SIDE_403 = {"customer": 403, "customer_admin": 403, "partner": 403}


@pytest.fixture
def visible_task(world, open_case):
    return services.case_task_create(
        actor=world.users["agent"], case=open_case, short_description="Send photos", visible_to_customer=True
    )


@pytest.fixture
def internal_task(world, open_case):
    return services.case_task_create(actor=world.users["agent"], case=open_case, short_description="Order part")


@matrix(external=200)
def test_task_list_access(persona, expected, api_as, visible_task):
    assert_status(api_as(persona).get("/api/v1/case-tasks/"), expected)


@matrix(**CUSTOMER_SIDE)
def test_visible_task_detail_access(persona, expected, api_as, visible_task):
    assert_status(api_as(persona).get(f"/api/v1/case-tasks/{visible_task.pk}/"), expected)


@matrix()
def test_internal_task_detail_access(persona, expected, api_as, internal_task):
    assert_status(api_as(persona).get(f"/api/v1/case-tasks/{internal_task.pk}/"), expected)


@matrix(external=403, internal=201)
def test_task_create_access(persona, expected, api_as, open_case):
    body = {"case": open_case.pk, "short_description": "Call the courier"}
    assert_status(api_as(persona).post("/api/v1/case-tasks/", body), expected)
    assert CaseTask.objects.filter(short_description="Call the courier").exists() is (expected == 201)


@matrix(**CUSTOMER_SIDE_403)
def test_task_patch_access(persona, expected, api_as, visible_task):
    response = api_as(persona).patch(f"/api/v1/case-tasks/{visible_task.pk}/", {"priority": 2})
    assert_status(response, expected)
    visible_task.refresh_from_db()
    assert (visible_task.priority == 2) is (expected == 200)


@matrix(**CUSTOMER_SIDE)
def test_task_close_access(persona, expected, api_as, visible_task):
    """Reference 5.4: customers update their visible tasks; closing one is saying it is done."""
    response = api_as(persona).post(f"/api/v1/case-tasks/{visible_task.pk}/close/", {"close_notes": "Done"})
    assert_status(response, expected)


@matrix(**CUSTOMER_SIDE)
def test_task_comment_access(persona, expected, api_as, visible_task):
    response = api_as(persona).post(f"/api/v1/case-tasks/{visible_task.pk}/comment/", {"body": "Photos attached."})
    assert_status(response, expected)


@matrix()
def test_internal_task_comment_access(persona, expected, api_as, internal_task):
    response = api_as(persona).post(f"/api/v1/case-tasks/{internal_task.pk}/comment/", {"body": "Ordered."})
    assert_status(response, expected)


def test_customer_replies_on_a_visible_task_and_the_case_owner_is_flagged(api_as, world, open_case, visible_task):
    from cases.models import CaseEvent

    response = api_as("customer").post(f"/api/v1/case-tasks/{visible_task.pk}/comment/", {"body": "Photos sent."})
    assert_status(response, 200)
    assert response.data["allowed_actions"] == ["close", "comment"]
    open_case.refresh_from_db()
    assert open_case.needs_attention is True
    entry = CaseEvent.objects.filter(case=open_case, body__contains="Photos sent.").get()
    assert entry.customer_visible is True and entry.body.startswith(visible_task.number)


def test_customer_closes_a_visible_task_which_unblocks_the_case(api_as, world, open_case, visible_task):
    from cases.selectors_work import case_is_blocked

    assert case_is_blocked(open_case)
    response = api_as("customer").post(f"/api/v1/case-tasks/{visible_task.pk}/close/", {"close_notes": "Sent them."})
    assert_status(response, 200)
    assert response.data["state"] == "closed" and response.data["allowed_actions"] == []
    assert not case_is_blocked(open_case)
    open_case.refresh_from_db()
    assert open_case.needs_attention is True


def test_customer_cannot_edit_or_cancel_a_visible_task(api_as, visible_task):
    client = api_as("customer")
    assert_status(client.patch(f"/api/v1/case-tasks/{visible_task.pk}/", {"short_description": "x"}), 403)
    assert_status(client.post(f"/api/v1/case-tasks/{visible_task.pk}/cancel/", {}), 403)


def test_an_empty_reply_is_400_naming_the_field(api_as, visible_task):
    response = api_as("customer").post(f"/api/v1/case-tasks/{visible_task.pk}/comment/", {"body": "  "})
    assert_status(response, 400)


@matrix(**CUSTOMER_SIDE_403)
def test_task_cancel_access(persona, expected, api_as, visible_task):
    assert_status(api_as(persona).post(f"/api/v1/case-tasks/{visible_task.pk}/cancel/", {}), expected)


@matrix(**CUSTOMER_SIDE)
def test_case_tasks_list_access(persona, expected, api_as, open_case, visible_task):
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.pk}/tasks/"), expected)


@matrix(**CUSTOMER_SIDE_403, internal=201)
def test_case_tasks_create_access(persona, expected, api_as, open_case):
    response = api_as(persona).post(f"/api/v1/cases/{open_case.pk}/tasks/", {"short_description": "Ring back"})
    assert_status(response, expected)


def test_customer_lists_only_visible_tasks_without_routing(api_as, open_case, visible_task, internal_task):
    rows = api_as("customer").get(f"/api/v1/cases/{open_case.pk}/tasks/").data["results"]
    assert [r["number"] for r in rows] == [visible_task.number]
    assert "assigned_to" not in rows[0] and "assignment_group" not in rows[0]


def test_task_by_number(api_as, visible_task):
    response = api_as("agent").get(f"/api/v1/case-tasks/{visible_task.number}/")
    assert_status(response, 200)
    assert response.data["id"] == visible_task.pk
    assert response.data["allowed_actions"] == ["cancel", "close", "comment"]


def test_created_task_answers_with_derived_fields(api_as, open_case, world):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.number}/tasks/", {"short_description": "Ring"})
    assert_status(response, 201)
    assert response.data["number"].startswith("CSTASK") and response.data["account"] == world.account.pk
    assert response.data["case"] == open_case.pk and response.data["state"] == "open"


def test_close_twice_is_409_naming_state_and_actions(api_as, visible_task):
    client = api_as("agent")
    client.post(f"/api/v1/case-tasks/{visible_task.pk}/close/", {"close_notes": "Done"})
    response = client.post(f"/api/v1/case-tasks/{visible_task.pk}/close/", {"close_notes": "Again"})
    assert_status(response, 409)
    assert response.data["code"] == "invalid_transition" and response.data["state"] == "closed"
    assert "allowed_actions" in response.data


def test_close_without_notes_is_400_naming_the_field(api_as, visible_task):
    response = api_as("agent").post(f"/api/v1/case-tasks/{visible_task.pk}/close/", {})
    assert_status(response, 400)
    assert "close_notes" in response.data["errors"]


def test_task_of_cancelled_case_is_read_only(api_as, world, open_case, visible_task):
    act(world, "agent", open_case, "cancel", reason="Duplicate")
    client = api_as("agent")
    assert_status(client.patch(f"/api/v1/case-tasks/{visible_task.pk}/", {"priority": 1}), 409)
    assert_status(client.post(f"/api/v1/cases/{open_case.pk}/tasks/", {"short_description": "x"}), 409)


def test_task_on_a_case_outside_scope_is_refused(api_as, world):
    erins = services.case_create(actor=world.users["other_customer"], short_description="Erin's")
    response = api_as("customer").post(f"/api/v1/cases/{erins.pk}/tasks/", {"short_description": "x"})
    assert_status(response, 404)


@pytest.mark.parametrize("persona", ["agent", "customer"])
def test_task_list_queries_do_not_grow_with_rows(persona, api_as, world, open_case, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            services.case_task_create(
                actor=world.users["agent"], case=open_case, short_description=f"t{i}", visible_to_customer=True
            )

    add(3)
    client = api_as(persona)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/case-tasks/").data["results"]) == 3
    add(12)
    with django_assert_max_num_queries(12):
        assert len(client.get("/api/v1/case-tasks/").data["results"]) == 15
    with django_assert_max_num_queries(13):
        assert len(client.get(f"/api/v1/cases/{open_case.pk}/tasks/").data["results"]) == 15
