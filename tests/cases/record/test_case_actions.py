"""Actions on the case record page: lifecycle actions with the inputs they need, assignment,
escalation, tasks, lines and templates, watching and "needs attention" — each a service call,
each refusal shown in the service's words."""
import html

import pytest

from cases import services
from cases.models import Case, CaseLine, CaseTask, Escalation
from tests.cases.attachment_files import TEXT, upload
from tests.cases.record.conftest import htmx
from tests.factories import TaskTemplateFactory, TaskTemplateItemFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def published_template(world):
    template = TaskTemplateFactory(name="Replace a printer")
    TaskTemplateItemFactory(template=template, short_description="Order the replacement", order=1)
    TaskTemplateItemFactory(template=template, short_description="Collect the old one", order=2)
    return services.task_template_publish(actor=world.users["admin"], template=template)


def _messages(response) -> str:
    from django.contrib.messages import get_messages

    return " ".join(str(m) for m in get_messages(response.wsgi_request))


# --- every command, every persona ---------------------------------------------------------------------
@matrix(anonymous=302, external=404, internal=302)
def test_every_command_is_for_staff_only(persona, expected, client_as, open_case, published_template):
    client, n = client_as(persona), open_case.number
    commands = [
        (f"/cases/{n}/journal/", {"kind": "work_note", "body": "Checked"}),
        (f"/cases/{n}/watch/", {}),
        (f"/cases/{n}/assign/", {"assignment_group": open_case.assignment_group_id}),
        (f"/cases/{n}/tasks/new/", {"short_description": "Ship it", "priority": 4}),
        (f"/cases/{n}/tasks/from-template/", {"template": published_template.pk}),
        (f"/cases/{n}/lines/new/", {"short_description": "Toner", "priority": 4, "request_reason": "none"}),
        (f"/cases/{n}/attachments/", {"file": upload("log.txt", TEXT), "customer_visible": "on"}),
        (f"/cases/{n}/clear-attention/", {}),
        (f"/cases/{n}/escalate/", {"reason": "inactivity", "severity": "medium"}),
        (f"/cases/{n}/act/request-info/", {"comment": "Which model?"}),
        (f"/cases/{n}/assign-to-me/", {}),
    ]
    for url, data in commands:
        assert_status(client.post(url, data), expected)
    case = Case.objects.get(pk=open_case.pk)
    internal = persona in ("agent", "manager", "admin")
    assert (case.state == "awaiting_info") == internal
    assert CaseTask.objects.filter(case=case).count() == (3 if internal else 0)
    assert CaseLine.objects.filter(case=case).exists() == internal
    assert Escalation.objects.filter(case=case).exists() == internal
    assert case.attachments.exists() == internal


# --- lifecycle actions --------------------------------------------------------------------------------
def test_action_form_asks_for_what_the_action_needs(client_as, open_case):
    client = client_as("agent")
    body = client.get(f"/cases/{open_case.number}/act/propose-solution/", **htmx(client)).content.decode()
    assert 'name="resolution_code"' in body and 'name="close_notes"' in body and 'name="notes_to_comments"' in body
    assert 'name="work_note"' in body and "moves from Open to Resolved" in body
    body = client.get(f"/cases/{open_case.number}/act/request-info/", **htmx(client)).content.decode()
    assert 'name="comment"' in body and 'name="resolution_code"' not in body
    assert 'name="comment" cols="40" rows="3" required' in body


def test_missing_required_input_is_refused_on_the_field(client_as, open_case):
    client = client_as("agent")
    response = client.post(f"/cases/{open_case.number}/act/propose-solution/",
                           {"resolution_code": "solved_fixed"}, **htmx(client))
    assert response.status_code == 422
    body = response.content.decode()
    assert "This field is required" in body.split('name="close_notes"')[1][:400]
    assert Case.objects.get(pk=open_case.pk).state == "open"


def test_request_info_moves_the_case_and_posts_the_comment(client_as, open_case):
    response = client_as("agent").post(f"/cases/{open_case.number}/act/request-info/",
                                       {"comment": "Which model is it?", "work_note": "Probably the X200"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{open_case.number}/"
    case = Case.objects.get(pk=open_case.pk)
    assert case.state == "awaiting_info"
    assert case.events.get(kind="comment").body == "Which model is it?"
    assert case.events.get(kind="work_note").body == "Probably the X200"
    assert "Request info" in _messages(response) and "Awaiting info" in _messages(response)


def test_propose_solution_with_resolution_notes_copied_to_comments(client_as, open_case):
    client_as("agent").post(f"/cases/{open_case.number}/act/propose-solution/", {
        "resolution_code": "solved_fixed", "close_notes": "Replaced the fuser.", "notes_to_comments": "on"})
    case = Case.objects.get(pk=open_case.pk)
    assert case.state == "resolved" and case.resolution_code == "solved_fixed"
    assert case.events.get(kind="comment").body == "Replaced the fuser."


def test_htmx_action_answers_with_a_redirect_header(client_as, open_case):
    client = client_as("agent")
    response = client.post(f"/cases/{open_case.number}/act/request-info/", {"comment": "Model?"}, **htmx(client))
    assert response.status_code == 200 and response["HX-Redirect"] == f"/cases/{open_case.number}/"


def test_action_not_open_now_shows_the_state_and_the_allowed_actions(client_as, case):
    client = client_as("agent")
    response = client.get(f"/cases/{case.number}/act/propose-solution/", **htmx(client))
    assert response.status_code == 409
    body = html.unescape(response.content.decode())
    assert "'propose-solution' is not allowed while the record is new" in body
    assert "assign-to-me" in body and "cancel" in body and 'name="close_notes"' not in body


def test_action_refused_by_the_service_after_a_concurrent_change(client_as, open_case, world):
    """The agent's form was for an open case; meanwhile a colleague closed it."""
    services.case_act(actor=world.users["manager"], case=open_case, action="close", resolution_code="duplicate",
                      close_notes="Dup of CS0000009")
    response = client_as("agent").post(f"/cases/{open_case.number}/act/request-info/", {"comment": "Model?"},
                                       follow=True)
    assert "is not allowed while the record is closed" in response.content.decode()
    assert Case.objects.get(pk=open_case.pk).state == "closed"


def test_cancel_needs_a_reason(client_as, case):
    client = client_as("agent")
    assert client.post(f"/cases/{case.number}/act/cancel/", {}).status_code == 422
    client.post(f"/cases/{case.number}/act/cancel/", {"reason": "Opened twice"})
    assert Case.objects.get(pk=case.pk).state == "cancelled"


# --- assignment ---------------------------------------------------------------------------------------
def test_assign_to_me_opens_a_new_case(client_as, case, world):
    client_as("agent").post(f"/cases/{case.number}/assign-to-me/")
    case.refresh_from_db()
    assert case.state == "open" and case.assigned_to == world.users["agent"]


def test_assign_to_me_takes_over_an_open_case(client_as, open_case, world):
    client_as("manager").post(f"/cases/{open_case.number}/assign-to-me/")
    open_case.refresh_from_db()
    assert open_case.assigned_to == world.users["manager"] and open_case.reassignment_count == 1


def test_assign_to_me_outside_the_group_shows_the_reason(client_as, open_case):
    response = client_as("admin").post(f"/cases/{open_case.number}/assign-to-me/", follow=True)
    assert "is not a member of Tier 1" in response.content.decode()


def test_assign_form_lists_groups_and_their_members(client_as, open_case, world):
    client = client_as("agent")
    body = client.get(f"/cases/{open_case.number}/assign/", **htmx(client)).content.decode()
    assert '<optgroup label="Tier 1">' in body and world.users["manager"].get_full_name() in body


def test_assign_to_a_group_member(client_as, open_case, world):
    response = client_as("agent").post(f"/cases/{open_case.number}/assign/", {
        "assignment_group": world.group.pk, "assigned_to": world.users["manager"].pk})
    assert response.status_code == 302
    open_case.refresh_from_db()
    assert open_case.assigned_to == world.users["manager"]


def test_assign_to_someone_outside_the_group_is_refused_on_the_field(client_as, open_case, world):
    from users import services as user_services

    other = user_services.assignment_group_create(actor=None, name="Tier 2", members=[world.users["admin"]])
    response = client_as("agent").post(f"/cases/{open_case.number}/assign/", {
        "assignment_group": world.group.pk, "assigned_to": world.users["admin"].pk})
    assert response.status_code == 422 and "is not a member of Tier 1" in response.content.decode()
    assert other.pk
    open_case.refresh_from_db()
    assert open_case.assigned_to == world.users["agent"]


# --- escalation, tasks, lines, templates ----------------------------------------------------------------
def test_escalate_then_a_second_request_is_refused(client_as, open_case):
    client = client_as("agent")
    client.post(f"/cases/{open_case.number}/escalate/", {"reason": "lack_of_progress", "severity": "high",
                                                         "justification": "Customer is upset"})
    escalation = Escalation.objects.get(case=open_case)
    assert (escalation.severity, escalation.state) == ("high", "escalated")  # no template: escalated at once
    page = client.get(f"/cases/{open_case.number}/").content.decode()
    assert f"/cases/{open_case.number}/escalate/" not in page  # one escalation per case
    response = client.post(f"/cases/{open_case.number}/escalate/", {"reason": "inactivity", "severity": "medium"})
    assert response.status_code == 409 and "is not allowed while the record is escalated" in response.content.decode()


def test_new_task_from_the_case(client_as, open_case, world):
    response = client_as("agent").post(f"/cases/{open_case.number}/tasks/new/", {
        "short_description": "Ship a replacement", "priority": 2, "assignment_group": world.group.pk,
        "visible_to_customer": "on"})
    assert response.status_code == 302
    task = CaseTask.objects.get(case=open_case)
    assert (task.priority, task.visible_to_customer, task.assignment_group) == (2, True, world.group)


def test_tasks_from_a_published_template(client_as, open_case, published_template):
    client = client_as("agent")
    body = client.get(f"/cases/{open_case.number}/tasks/from-template/", **htmx(client)).content.decode()
    assert "Replace a printer" in body
    response = client.post(f"/cases/{open_case.number}/tasks/from-template/", {"template": published_template.pk})
    assert response.status_code == 302 and "2 task(s) created" in _messages(response)
    assert sorted(CaseTask.objects.filter(case=open_case).values_list("short_description", flat=True)) == [
        "Collect the old one", "Order the replacement"]


def test_draft_templates_are_not_offered(client_as, open_case):
    TaskTemplateFactory(name="Half-written")
    client = client_as("agent")
    body = client.get(f"/cases/{open_case.number}/tasks/from-template/", **htmx(client)).content.decode()
    assert "Half-written" not in body and "No published, active task template" in body


def test_new_line_from_the_case(client_as, open_case):
    client_as("agent").post(f"/cases/{open_case.number}/lines/new/", {
        "short_description": "Toner x2", "priority": 5, "request_reason": "increase_demand"})
    line = CaseLine.objects.get(case=open_case)
    assert (line.priority, line.request_reason, line.state) == (5, "increase_demand", "new")


# --- watching and attention ---------------------------------------------------------------------------
def test_watch_and_stop_watching(client_as, open_case, world):
    client = client_as("agent")
    client.post(f"/cases/{open_case.number}/watch/")
    assert open_case.watch_list.filter(pk=world.users["agent"].pk).exists()
    client.post(f"/cases/{open_case.number}/watch/", {"op": "remove"})
    assert not open_case.watch_list.filter(pk=world.users["agent"].pk).exists()


def test_clear_needs_attention(client_as, open_case, world):
    services.case_comment_add(actor=world.users["customer"], case=open_case, body="Hello?")
    assert Case.objects.get(pk=open_case.pk).needs_attention
    client_as("agent").post(f"/cases/{open_case.number}/clear-attention/")
    assert not Case.objects.get(pk=open_case.pk).needs_attention
