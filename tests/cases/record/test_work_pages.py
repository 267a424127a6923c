"""The case task page (`/case-tasks/<number>/`) and the case line page (`/case-lines/<number>/`):
who reaches them, details edited in place, the actions open now, their journal, the parent case."""
import pytest
from django.test import Client

from cases import services
from cases.models import CaseLine, CaseTask
from tests.cases.record.conftest import htmx
from tests.factories import user_with_roles
from tests.matrix import assert_status, matrix
from users import services as user_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(world, open_case):
    return services.case_task_create(actor=world.users["agent"], case=open_case, short_description="Ship a toner",
                                     assignment_group=world.group)


@pytest.fixture
def line(world, open_case):
    return services.case_line_create(actor=world.users["agent"], case=open_case, short_description="Toner x2")


# --- who ---------------------------------------------------------------------------------------------
@matrix(anonymous=302, external=404, internal=200)
def test_task_pages_are_for_staff_only(persona, expected, client_as, task):
    client = client_as(persona)
    for path in ("/case-tasks/{n}/", "/case-tasks/{n}/edit/", "/case-tasks/{n}/act/close/", "/case-tasks/{n}/act/cancel/"):
        assert_status(client.get(path.format(n=task.number)), expected)
        assert_status(client.get(path.format(n=task.number), **htmx(client)), expected)


@matrix(anonymous=302, external=404, internal=200)
def test_line_pages_are_for_staff_only(persona, expected, client_as, line, world):
    services.case_line_start(actor=world.users["agent"], line=line)
    client = client_as(persona)
    for path in ("/case-lines/{n}/", "/case-lines/{n}/edit/", "/case-lines/{n}/act/accept/", "/case-lines/{n}/act/deny/"):
        assert_status(client.get(path.format(n=line.number)), expected)
        assert_status(client.get(path.format(n=line.number), **htmx(client)), expected)


@matrix(anonymous=302, external=404, internal=302)
def test_task_and_line_commands_are_for_staff_only(persona, expected, client_as, task, line):
    client = client_as(persona)
    commands = [
        (f"/case-tasks/{task.number}/act/comment/", {"body": "Shipped"}),
        (f"/case-tasks/{task.number}/edit/", {"short_description": "Ship two toners", "priority": 3}),
        (f"/case-tasks/{task.number}/act/close/", {"close_notes": "Delivered"}),
        (f"/case-lines/{line.number}/edit/", {"short_description": "Toner x3", "priority": 4, "request_reason": "none"}),
        (f"/case-lines/{line.number}/act/cancel/", {"reason": "Not needed"}),
    ]
    for url, data in commands:
        assert_status(client.post(url, data), expected)
    internal = persona in ("agent", "manager", "admin")
    task_now, line_now = CaseTask.objects.get(pk=task.pk), CaseLine.objects.get(pk=line.pk)
    assert (task_now.state == "closed" and task_now.short_description == "Ship two toners") == internal
    assert (line_now.state == "cancelled" and line_now.short_description == "Toner x3") == internal


def test_a_missing_task_or_line_is_404(client_as):
    client = client_as("agent")
    assert client.get("/case-tasks/CSTASK9999999/").status_code == 404
    assert client.get("/case-lines/CSL9999999/").status_code == 404


@pytest.fixture
def back_office(world):
    clerk = user_with_roles("case_task_agent", username="clerk_cleo")
    group = user_services.assignment_group_create(actor=None, name="Back office", members=[clerk])
    return clerk, group


def test_back_office_works_the_tasks_routed_to_it_and_no_others(back_office, world, open_case, task):
    clerk, group = back_office
    mine = services.case_task_create(actor=world.users["agent"], case=open_case, short_description="Refund",
                                     assignment_group=group)
    client = Client()
    client.force_login(clerk)
    page = client.get(f"/case-tasks/{mine.number}/").content.decode()
    assert "Refund" in page and f"/case-tasks/{mine.number}/act/close/" in page
    assert f'href="/cases/{open_case.number}/"' not in page  # the case itself is not theirs to open
    assert client.get(f"/case-tasks/{task.number}/").status_code == 404
    assert client.get(f"/cases/{open_case.number}/").status_code == 404
    client.post(f"/case-tasks/{mine.number}/act/close/", {"close_notes": "Refunded"})
    assert CaseTask.objects.get(pk=mine.pk).state == "closed"


# --- the task page -----------------------------------------------------------------------------------
def test_task_page_shows_header_parent_actions_and_journal(client_as, task, open_case, world):
    services.case_task_comment(actor=world.users["agent"], task=task, body="Label printed")
    page = client_as("agent").get(f"/case-tasks/{task.number}/").content.decode()
    assert task.number in page and "Ship a toner" in page and ">Open<" in page
    assert f'href="/cases/{open_case.number}/"' in page
    actions = page.split('aria-label="Actions"')[1].split("</nav>")[0]
    assert f"/case-tasks/{task.number}/act/close/" in actions and f"/case-tasks/{task.number}/act/cancel/" in actions
    journal = page.split('id="work-journal"')[1]
    assert "Label printed" in journal and f"Case task {task.number} opened" in journal
    assert 'id="task-reply"' in page and 'data-shortcut="e"' in page


def test_task_close_needs_notes(client_as, task):
    client = client_as("agent")
    response = client.post(f"/case-tasks/{task.number}/act/close/", {"close_notes": ""}, **htmx(client))
    assert response.status_code == 422 and CaseTask.objects.get(pk=task.pk).state == "open"
    client.post(f"/case-tasks/{task.number}/act/close/", {"close_notes": "Delivered"})
    assert CaseTask.objects.get(pk=task.pk).state == "closed"


def test_closed_task_offers_no_actions_and_refuses_them(client_as, task, world):
    services.case_task_close(actor=world.users["agent"], task=task, close_notes="Done")
    client = client_as("agent")
    page = client.get(f"/case-tasks/{task.number}/").content.decode()
    assert "/act/" not in page.split('aria-label="Actions"')[1].split("</nav>")[0]
    assert 'id="task-reply"' not in page and f"/case-tasks/{task.number}/edit/" not in page
    response = client.get(f"/case-tasks/{task.number}/act/cancel/", **htmx(client))
    assert response.status_code == 409 and "is not allowed while the record is closed" in response.content.decode()


def test_task_reply_with_htmx_refreshes_the_journal(client_as, task):
    client = client_as("agent")
    body = client.post(f"/case-tasks/{task.number}/act/comment/", {"body": "Shipped today"}, **htmx(client)).content.decode()
    assert 'id="task-reply"' in body and "Reply added." in body
    assert 'id="work-journal" hx-swap-oob="true"' in body and "Shipped today" in body


def test_task_details_edited_in_place(client_as, task, world):
    client = client_as("agent")
    form = client.get(f"/case-tasks/{task.number}/edit/", **htmx(client)).content.decode()
    assert "<html" not in form and 'hx-target="#work-details"' in form and '<optgroup label="Tier 1">' in form
    response = client.post(f"/case-tasks/{task.number}/edit/", {
        "short_description": "Ship a toner", "priority": 1, "assignment_group": world.group.pk,
        "assigned_to": world.users["manager"].pk, "visible_to_customer": "on"}, **htmx(client))
    assert response["HX-Redirect"] == f"/case-tasks/{task.number}/"
    task.refresh_from_db()
    assert (task.priority, task.assigned_to, task.visible_to_customer) == (1, world.users["manager"], True)


def test_task_assignee_outside_the_group_is_refused_on_the_field(client_as, task, world):
    response = client_as("agent").post(f"/case-tasks/{task.number}/edit/", {
        "short_description": "Ship a toner", "priority": 4, "assignment_group": world.group.pk,
        "assigned_to": world.users["admin"].pk})
    assert response.status_code == 422  # the admin is no member of Tier 1: not even offered
    assert CaseTask.objects.get(pk=task.pk).assigned_to is None


# --- the line page -----------------------------------------------------------------------------------
def test_line_page_offers_the_actions_of_its_state(client_as, line, world):
    client = client_as("agent")
    actions = client.get(f"/case-lines/{line.number}/").content.decode().split('aria-label="Actions"')[1].split("</nav>")[0]
    assert "/act/start/" in actions and "/act/cancel/" in actions and "/act/accept/" not in actions
    client.post(f"/case-lines/{line.number}/act/start/")
    assert CaseLine.objects.get(pk=line.pk).state == "work_in_progress"
    actions = client.get(f"/case-lines/{line.number}/").content.decode().split('aria-label="Actions"')[1].split("</nav>")[0]
    assert "/act/accept/" in actions and "/act/deny/" in actions and "/act/request-info/" in actions
    assert "/act/start/" not in actions


def test_line_accept_needs_code_and_notes(client_as, line, world):
    services.case_line_start(actor=world.users["agent"], line=line)
    client = client_as("agent")
    response = client.post(f"/case-lines/{line.number}/act/accept/", {"resolution_code": "change_approved"})
    assert response.status_code == 422
    client.post(f"/case-lines/{line.number}/act/accept/", {"resolution_code": "change_approved",
                                                            "resolution_notes": "Shipped"})
    line.refresh_from_db()
    assert (line.state, line.resolution_code) == ("resolved_accepted", "change_approved")
    page = client.get(f"/case-lines/{line.number}/").content.decode()
    assert "Resolved - Accepted" in page and "Shipped" in page and "/act/" not in page.split('aria-label="Actions"')[1][:400]


def test_line_action_not_open_now_is_refused_with_the_state(client_as, line):
    response = client_as("agent").post(f"/case-lines/{line.number}/act/accept/", {
        "resolution_code": "change_approved", "resolution_notes": "x"}, follow=True)
    assert "is not allowed while the record is new" in response.content.decode()
    assert CaseLine.objects.get(pk=line.pk).state == "new"


def test_line_journal_and_parent_link(client_as, line, open_case, world):
    services.case_line_start(actor=world.users["agent"], line=line)
    page = client_as("agent").get(f"/case-lines/{line.number}/").content.decode()
    assert f'href="/cases/{open_case.number}/"' in page
    journal = page.split('id="work-journal"')[1]
    assert f"Case line {line.number}: New → Work in progress" in journal and "Toner x2" in journal
