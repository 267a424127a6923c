"""Query bounds: a list page costs the same number of queries with 5 rows as with 30, and the
navigation on every workspace page costs none until htmx asks for its counts."""
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from tests.cases.lists.conftest import make_case

pytestmark = pytest.mark.django_db

CASE_URLS = [
    "/cases/?view=my_open",
    "/cases/?view=my_groups_unassigned",
    "/cases/?view=all_open",
    "/cases/?view=all&q=printer",
    "/cases/?view=all&priority=1&priority=2&assigned_to=me&escalated=false",
    "/cases/?view=sla_at_risk",
]


def _grow(world, count):
    """`count` cases of each shape the lists show: mine and open, in the queue, P1 on Printers."""
    agent = world.users["agent"]
    for i in range(count):
        make_case(world, f"Printer {i} offline", assignee="agent", state="open", impact=1, urgency=1)
        make_case(world, f"Queue {i}")
        services.case_task_create(
            actor=agent, case=make_case(world, f"Parent {i}"), short_description=f"Task {i}",
            assignment_group=world.group, assigned_to=agent,
        )


def _queries(client, url, **headers) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:300]
    return [q["sql"] for q in queries.captured_queries]


def _count(client, url, **headers) -> int:
    return len(_queries(client, url, **headers))


@pytest.mark.parametrize("url", CASE_URLS + ["/case-tasks/", "/case-tasks/?view=all_open&priority=4"])
def test_list_queries_do_not_grow_with_rows(url, client_as, world, django_assert_max_num_queries):
    client = client_as("agent")
    _grow(world, 5)
    cache.clear()
    small = _queries(client, url)
    _grow(world, 25)
    cache.clear()
    large = _queries(client, url)
    # One more at most, and only the capped count: a first page with fewer rows than a page is
    # its own count, a full one asks COUNT(…LIMIT 1001) once. Nothing else depends on the rows.
    extra = [sql for sql in large if sql not in small]
    assert len(large) <= len(small) + 1
    assert len(large) == len(small) or (len(extra) >= 1 and any("COUNT(*)" in sql for sql in extra))
    with django_assert_max_num_queries(len(small) + 1):
        client.get(url)
    assert len(large) <= 14  # cold caches: session, user, roles, perms, rows, count, escalations, options, nav
    warm = _count(client, url)
    assert warm <= len(large) - 4  # the filter options (and the tabs' counts) come from the cache


@pytest.mark.parametrize("url", ["/cases/?view=all_open", "/case-tasks/"])
def test_htmx_results_cost_no_more_than_the_page(url, client_as, world):
    client = client_as("agent")
    _grow(world, 3)
    target = "case-results" if url.startswith("/cases/") else "task-results"
    full = _count(client, url)
    part = _count(client, url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET=target)
    assert part <= full


def test_navigation_counts_are_one_query_and_then_cached(client_as, world):
    client = client_as("agent")
    _grow(world, 3)
    cold = _count(client, "/case-lists/nav/", HTTP_HX_REQUEST="true")
    warm = _count(client, "/case-lists/nav/", HTTP_HX_REQUEST="true")
    assert cold - warm == 3  # permissions (roles and own, one statement), the user's groups, every count in one statement
    _grow(world, 10)
    cache.clear()
    assert _count(client, "/case-lists/nav/", HTTP_HX_REQUEST="true") == cold


def test_the_uncounted_navigation_costs_no_query(world, rf):
    from django.template.loader import render_to_string

    request = rf.get("/somewhere/")
    request.user = world.users["agent"]
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string("workspace/_nav.html", {"request": request, "user": request.user})
    assert len(queries) == 0
    assert 'hx-get="/case-lists/nav/"' in html and 'href="/cases/?view=my_open"' in html
