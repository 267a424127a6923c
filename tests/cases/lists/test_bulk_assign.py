"""Bulk "Assign to me" / "Assign to…" on the case list: each case through `case_assign` (locked
and checked by the service), every outcome reported, one refusal never stopping the others."""
import pytest
from django.contrib.messages import get_messages

from cases.models import Case
from tests.cases.lists.conftest import numbers

pytestmark = pytest.mark.django_db

URL = "/case-lists/assign/"


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_assign_to_me_assigns_each_selected_case(client_as, board, world):
    b = board
    response = client_as("manager").post(
        URL, {"action": "me", "case": [b.unassigned.number, b.mine_new.number], "next": "/cases/?view=all_open"}
    )
    assert response.status_code == 302 and response["Location"] == "/cases/?view=all_open"
    manager = world.users["manager"]
    assert Case.objects.get(pk=b.unassigned.pk).assigned_to == manager
    assert Case.objects.get(pk=b.mine_new.pk).assigned_to == manager
    assert _messages(response) == [f"Assigned to you: {b.unassigned.number}, {b.mine_new.number}."]
    event = Case.objects.get(pk=b.unassigned.pk).events.filter(kind="field_changed", field="assigned_to").get()
    assert event.author == manager  # the service wrote the timeline


def test_each_refusal_is_reported_and_the_rest_are_assigned(client_as, board, world):
    b = board
    response = client_as("agent").post(URL, {
        "action": "me",
        "case": [b.unassigned.number, b.unassigned_tier2.number, b.mine_closed.number, "CS9999999"],
        "next": "/cases/?view=all",
    })
    assert Case.objects.get(pk=b.unassigned.pk).assigned_to == world.users["agent"]
    assert Case.objects.get(pk=b.unassigned_tier2.pk).assigned_to is None
    said = _messages(response)
    assert said[0] == f"Assigned to you: {b.unassigned.number}."
    assert f"{b.unassigned_tier2.number} was not assigned: agent_alice is not a member of Tier 2." in said
    assert f"{b.mine_closed.number} was not assigned: it is closed; it can no longer change." in said
    assert "CS9999999 was not assigned: no such case." in said


def test_assign_to_a_group_and_an_agent(client_as, board, world):
    b = board
    tom = world.users["tier2_agent"]
    client_as("manager").post(URL, {
        "action": "assign", "case": [b.unassigned.number], "assignment_group": b.tier2.pk, "assigned_to": tom.pk,
    })
    case = Case.objects.get(pk=b.unassigned.pk)
    assert (case.assignment_group, case.assigned_to) == (b.tier2, tom)


def test_assign_to_a_group_alone_queues_the_cases_there_unassigned(client_as, board):
    b = board
    response = client_as("manager").post(URL, {"action": "assign", "case": [b.mine_new.number], "assignment_group": b.tier2.pk})
    case = Case.objects.get(pk=b.mine_new.pk)
    assert (case.assignment_group, case.assigned_to) == (b.tier2, None)
    assert _messages(response) == [f"Assigned to Tier 2 / unassigned: {b.mine_new.number}."]


def test_nothing_selected_or_nobody_named_is_refused(client_as, board):
    assert _messages(client_as("agent").post(URL, {"action": "me"})) == ["Select at least one case."]
    said = _messages(client_as("agent").post(URL, {"action": "assign", "case": [board.unassigned.number]}))
    assert said == ["Choose an assignment group, an agent, or both."]
    assert Case.objects.get(pk=board.unassigned.pk).assigned_to is None


def test_an_outside_next_url_is_not_followed(client_as, board):
    response = client_as("agent").post(URL, {"action": "me", "case": [board.unassigned.number], "next": "https://evil.example/"})
    assert response["Location"] == "/cases/"


def test_with_htmx_the_results_come_back_refreshed_with_the_outcome(client_as, board):
    b = board
    response = client_as("agent").post(
        URL, {"action": "me", "case": [b.unassigned.number, b.unassigned_tier2.number], "next": "/cases/?view=my_open"},
        HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-results",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and 'id="case-results"' in html
    assert f"Assigned to you: {b.unassigned.number}." in html
    assert "1 not assigned" in html and "not a member of Tier 2" in html
    assert b.unassigned.number in numbers(response)  # the list of my open cases, refreshed
    assert response["HX-Trigger"] == "cases-changed"  # the navigation reloads its counts
    assert 'id="case-tabs" aria-label="Case lists" hx-swap-oob="true"' in html  # so do the tabs


def test_the_list_offers_the_bulk_actions_with_a_checkbox_per_row(client_as, board):
    html = client_as("agent").get("/cases/?view=all_open").content.decode()
    assert 'action="/case-lists/assign/"' in html and 'value="me"' in html
    assert f'name="case" value="{board.unassigned.number}"' in html
