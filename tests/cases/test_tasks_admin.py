"""Admin pages for case tasks and case lines: admins only; transitions run as actions that call
the services. (Lines live here too, to keep the admin checks of this feature in one file.)"""
import pytest

from cases import selectors_work
from tests.factories import CaseLineFactory, CaseTaskFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

ADMIN_ONLY = {"anonymous": 302, "external": 302, "internal": 302, "admin": 200}


@pytest.fixture
def task(world):
    return CaseTaskFactory()


@pytest.fixture
def line(world):
    return CaseLineFactory()


@pytest.mark.parametrize("page", ["changelist", "add", "change"])
@matrix(**ADMIN_ONLY)
def test_case_task_admin_pages(persona, expected, page, client_as, task):
    url = {"changelist": "/admin/cases/casetask/", "add": "/admin/cases/casetask/add/",
           "change": f"/admin/cases/casetask/{task.pk}/change/"}[page]
    assert_status(client_as(persona).get(url), expected)


@pytest.mark.parametrize("page", ["changelist", "add", "change"])
@matrix(**ADMIN_ONLY)
def test_case_line_admin_pages(persona, expected, page, client_as, line):
    url = {"changelist": "/admin/cases/caseline/", "add": "/admin/cases/caseline/add/",
           "change": f"/admin/cases/caseline/{line.pk}/change/"}[page]
    assert_status(client_as(persona).get(url), expected)


def test_admin_close_action_closes_through_the_service(client_as, task):
    response = client_as("admin").post(
        "/admin/cases/casetask/", {"action": "close_selected", "_selected_action": [task.pk]}
    )
    assert_status(response, 302)
    task.refresh_from_db()
    assert task.state == "closed" and not selectors_work.case_is_blocked(task.case)


def test_admin_start_action_starts_lines(client_as, line):
    client_as("admin").post("/admin/cases/caseline/", {"action": "start_selected", "_selected_action": [line.pk]})
    line.refresh_from_db()
    assert line.state == "work_in_progress"


def test_admin_adds_a_task_through_the_service(client_as, world, open_case):
    response = client_as("admin").post(
        "/admin/cases/casetask/add/",
        {"case": open_case.pk, "short_description": "From the admin", "priority": 4, "blocks-TOTAL_FORMS": 0,
         "blocks-INITIAL_FORMS": 0},
    )
    assert_status(response, 302)
    task = open_case.tasks.get()
    assert task.number.startswith("CSTASK") and selectors_work.case_is_blocked(open_case)
