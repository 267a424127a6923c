"""The persona matrix for every page and fragment of the lists: anonymous to sign in, customers
404 (the workspace is not theirs), staff in."""
import pytest

from cases import services
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGES = [
    ("/cases/", {}),
    ("/cases/?view=sla_at_risk&priority=1", {}),
    ("/cases/?view=all", {**HTMX, "HTTP_HX_TARGET": "case-results"}),
    ("/case-tasks/", {}),
    ("/case-tasks/?view=all_open", {**HTMX, "HTTP_HX_TARGET": "task-results"}),
    ("/case-lists/nav/", HTMX),
    ("/case-lists/filters/", {}),
]


@matrix(anonymous=302, external=404, internal=200)
@pytest.mark.parametrize("url, headers", PAGES, ids=[p[0] + ("+htmx" if p[1] else "") for p in PAGES])
def test_list_pages(persona, expected, url, headers, client_as):
    response = client_as(persona).get(url, **headers)
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"].startswith("/login/?next=")


@matrix(anonymous=302, external=404, internal=302)
def test_bulk_assign(persona, expected, client_as, world):
    case = services.case_create(actor=world.users["agent"], short_description="Printer", account=world.account)
    response = client_as(persona).post("/case-lists/assign/", {"action": "me", "case": [case.number]})
    assert_status(response, expected)


@matrix(anonymous=302, external=404, internal=302)
def test_saving_a_filter(persona, expected, client_as):
    response = client_as(persona).post("/case-lists/filters/", {"name": "Mine", "view": "all", "query": ""})
    assert_status(response, expected)


@matrix(anonymous=302, external=404, internal=404, agent=302)
@pytest.mark.parametrize("action", ["rename", "delete"])
def test_renaming_or_deleting_a_saved_filter_is_the_owners_alone(persona, expected, action, client_as, world):
    saved = services.saved_case_filter_create(actor=world.users["agent"], name="Agent's", view="all")
    response = client_as(persona).post(f"/case-lists/filters/{saved.pk}/{action}/", {"name": "New name"})
    assert_status(response, expected)


@matrix(anonymous=302, external=404, internal=404, agent=200)
def test_opening_a_saved_filter_is_the_owners_alone(persona, expected, client_as, world):
    saved = services.saved_case_filter_create(actor=world.users["agent"], name="Agent's", view="all")
    assert_status(client_as(persona).get(saved.url), expected)


def test_list_pages_refuse_writes(client_as):
    assert client_as("agent").post("/cases/").status_code == 405
    assert client_as("agent").get("/case-lists/assign/").status_code == 405
