"""The navigation's lists: counts per named list, capped, cached briefly; tabs on the list page;
the page being shown marked as current."""
import pytest

from cases import selectors_lists
from tests.cases.lists.conftest import make_case

pytestmark = pytest.mark.django_db


def _count(html: str, label: str) -> str:
    import re

    found = re.search(re.escape(label) + r' <span class="count[^"]*">([^<]+)</span>', html)
    return found.group(1) if found else ""


def test_counts_of_each_named_list(client_as, board):
    html = client_as("agent").get("/case-lists/nav/").content.decode()
    assert _count(html, "My open cases") == "3"
    assert _count(html, "My groups&#x27; unassigned") == "1"
    assert _count(html, "All open cases") == "7"
    assert _count(html, "Awaiting info") == "1"
    assert _count(html, "SLA at risk") == "0"
    assert _count(html, "Resolved") == "1"
    assert _count(html, "My tasks") == "0"


def test_counts_are_capped(client_as, world, monkeypatch):
    monkeypatch.setattr(selectors_lists, "NAV_COUNT_CAP", 2)
    for i in range(4):
        make_case(world, f"Case {i}")
    html = client_as("agent").get("/case-lists/nav/").content.decode()
    assert _count(html, "All open cases") == "2+"


def test_counts_are_cached_briefly_and_dropped_after_a_bulk_assignment(client_as, board, world):
    client = client_as("agent")
    assert _count(client.get("/case-lists/nav/").content.decode(), "My open cases") == "3"
    make_case(world, "Another", assignee="agent")
    assert _count(client.get("/case-lists/nav/").content.decode(), "My open cases") == "3"  # cached
    client.post("/case-lists/assign/", {"action": "me", "case": [board.unassigned.number]})
    assert _count(client.get("/case-lists/nav/").content.decode(), "My open cases") == "5"


def test_the_back_office_sees_task_lists_only(client, world):
    from tests.factories import user_with_roles

    client.force_login(user_with_roles("case_task_agent"))
    html = client.get("/case-lists/nav/").content.decode()
    assert "My tasks" in html and "My open cases" not in html


def test_the_entry_of_the_page_shown_is_current(client_as, board):
    html = client_as("agent").get(
        "/case-lists/nav/", HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="http://testserver/cases/?view=awaiting_info"
    ).content.decode()
    assert '<a href="/cases/?view=awaiting_info" aria-current="page">' in html
    assert html.count('aria-current="page"') == 1


def test_the_list_page_shows_tabs_with_counts(client_as, board):
    html = client_as("agent").get("/cases/?view=resolved").content.decode()
    assert '<a href="/cases/?view=resolved" aria-current="page">Resolved <span class="count">1</span></a>' in html
    assert "<h1>Resolved, awaiting the customer</h1>" in html
    assert 'data-shortcut-focus="f"' in html and "<dt>j / k</dt>" in html
