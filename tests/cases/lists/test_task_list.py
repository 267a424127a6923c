"""The task list (`/case-tasks/`): my tasks, my groups' open tasks, all open, all; filters, search,
sort and pages; scoped by `case_task_list_for_user` (the back office sees only what is routed to it)."""
import pytest

from cases import services
from tests.cases.lists.conftest import numbers
from tests.factories import user_with_roles
from users import services as user_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(world, board):
    agent, manager = world.users["agent"], world.users["manager"]

    def task(title, case=board.mine_open, **fields):
        return services.case_task_create(actor=agent, case=case, short_description=title, **fields)

    made = {
        "mine": task("Call the courier", assignment_group=world.group, assigned_to=agent, priority=1),
        "managers": task("Approve the refund", assignment_group=world.group, assigned_to=manager),
        "group_queue": task("Check the warehouse stock", assignment_group=world.group),
        "tier2": task("Replace the router", case=board.unassigned_tier2, assignment_group=board.tier2),
        "done": task("Send the invoice", assignment_group=world.group, assigned_to=agent),
    }
    services.case_task_close(actor=agent, task=made["done"], close_notes="Sent")
    return made


def _n(*tasks):
    return {t.number for t in tasks}


def _list(client, query=""):
    response = client.get(f"/case-tasks/?{query}")
    assert response.status_code == 200, response.content[:300]
    return numbers(response)


def test_my_tasks_is_the_default_and_holds_my_open_tasks(client_as, tasks):
    assert set(_list(client_as("agent"))) == _n(tasks["mine"])
    assert set(_list(client_as("manager"), "view=mine")) == _n(tasks["managers"])


def test_my_groups_and_all_open(client_as, tasks):
    t = tasks
    assert set(_list(client_as("agent"), "view=my_groups")) == _n(t["mine"], t["managers"], t["group_queue"])
    assert set(_list(client_as("admin"), "view=all_open")) == _n(t["mine"], t["managers"], t["group_queue"], t["tier2"])
    assert set(_list(client_as("admin"), "view=all")) == set(_n(*t.values()))


def test_filters_search_and_sort(client_as, tasks, world):
    t, client = tasks, client_as("agent")
    assert set(_list(client, "view=all&state=closed")) == _n(t["done"])
    assert set(_list(client, "view=all&priority=1")) == _n(t["mine"])
    assert set(_list(client, f"view=all&assigned_to={world.users['manager'].pk}&assigned_to=me")) == _n(
        t["mine"], t["managers"], t["done"]
    )
    assert set(_list(client, "view=all_open&assigned_to=none")) == _n(t["group_queue"], t["tier2"])
    assert set(_list(client, "q=router")) == _n(t["tier2"])  # a search without a view: all tasks
    assert _list(client, "view=all&sort=number") == sorted(_n(*t.values()))
    assert _list(client, "view=all&sort=-number") == sorted(_n(*t.values()), reverse=True)


def test_an_exact_task_number_opens_the_task(client_as, tasks):
    response = client_as("agent").get(f"/case-tasks/?q={tasks['tier2'].number}")
    assert response.status_code == 302 and response["Location"] == f"/case-tasks/{tasks['tier2'].number}/"


def test_rows_show_the_parent_case_and_link_to_both_records(client_as, tasks, board):
    html = client_as("agent").get("/case-tasks/?view=all_open").content.decode()
    assert f'href="/case-tasks/{tasks["tier2"].number}/"' in html
    assert f'href="/cases/{board.unassigned_tier2.number}/"' in html and "Router firmware update" in html


def test_the_back_office_sees_only_tasks_routed_to_it(client, tasks, board):
    clerk = user_with_roles("case_task_agent", username="clerk_cleo")
    user_services.assignment_group_update(actor=None, instance=board.tier2, members=[clerk])
    client.force_login(clerk)
    assert set(_list(client, "view=all")) == _n(tasks["tier2"])
    assert set(_list(client, "view=my_groups")) == _n(tasks["tier2"])


def test_htmx_gets_only_the_task_results(client_as, tasks):
    part = client_as("agent").get("/case-tasks/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="task-results")
    assert b"<html" not in part.content and b'id="task-results"' in part.content
    assert set(numbers(part)) == _n(tasks["mine"])
