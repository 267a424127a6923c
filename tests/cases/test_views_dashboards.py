"""The dashboard pages and the workspace home: who gets in, what the drill-down links say, that the
numbers read without JavaScript, and that the pages' query counts do not grow with the cases."""
import datetime
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.services import escalations as esc
from tests import factories as f
from tests.matrix import assert_status, matrix
from users import services as user_services

pytestmark = pytest.mark.django_db
AGENT_URL, MANAGER_URL = "/dashboards/agent/", "/dashboards/manager/"
RESOLVE = {"resolution_code": "solved_fixed", "close_notes": "Fixed."}
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def new(world, *, assignee="agent", group=None, priority=4, **fields):
    fields.setdefault("account", world.account)
    user = world.users[assignee] if isinstance(assignee, str) else assignee
    return services.case_create(
        actor=world.users["agent"], short_description="Dashboard case", assignment_group=group or world.group,
        assigned_to=user, priority=priority, **fields,
    )


def opened(world, persona="agent", **fields):
    case = new(world, assignee=persona, **fields)
    return services.case_act(actor=world.users[persona], case=case, action="accept")


def chart_spec(html: str, ident: str) -> dict:
    found = re.search(rf'<script id="{ident}-data" type="application/json">(.*?)</script>', html, re.S)
    assert found, f"no chart {ident}"
    return json.loads(found.group(1))


def query(link: str) -> tuple[str, dict]:
    parts = urlsplit(link)
    return parts.path, parse_qs(parts.query)


# --- who gets in ---------------------------------------------------------------------------------
@matrix(anonymous=302, external=404, internal=200)
def test_agent_dashboard_access(persona, expected, client_as, world):
    response = client_as(persona).get(AGENT_URL)
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"] == f"/login/?next={AGENT_URL}"


@matrix(anonymous=302, external=404, internal=200)
def test_agent_dashboard_fragment_access(persona, expected, client_as, world):
    response = client_as(persona).get(AGENT_URL, **HTMX)
    assert_status(response, expected)
    if expected == 200:
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="dash-body"') and "<html" not in html


@matrix(anonymous=302, external=404, internal=200, agent=403)
def test_manager_dashboard_access(persona, expected, client_as, world):
    response = client_as(persona).get(MANAGER_URL)
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"] == f"/login/?next={MANAGER_URL}"


@matrix(anonymous=302, external=404, internal=200, agent=403)
def test_manager_dashboard_fragment_access(persona, expected, client_as, world):
    response = client_as(persona).get(f"{MANAGER_URL}?period=7&by=agent", **HTMX)
    assert_status(response, expected)
    if expected == 200:
        assert "<html" not in response.content.decode()


@matrix(anonymous=302, external=404, internal=302)
def test_workspace_home(persona, expected, client_as, world):
    response = client_as(persona).get("/")
    assert_status(response, expected)
    if persona == "anonymous":
        assert response["Location"] == "/login/?next=/"
    elif expected == 302:
        assert response["Location"] == AGENT_URL


def test_signing_in_lands_on_the_agent_dashboard(world):
    agent = world.users["agent"]
    agent.set_password("pw-agent-1")
    agent.save()
    client = Client()
    answer = client.post("/login/", {"username": agent.username, "password": "pw-agent-1", "next": "/"}, follow=True)
    assert answer.redirect_chain[-1][0] == AGENT_URL and b"My dashboard" in answer.content


@pytest.mark.parametrize(("persona", "shown"), [("agent", False), ("manager", True), ("admin", True)])
def test_the_manager_dashboard_is_in_the_navigation_of_managers_and_admins_only(persona, shown, client_as, world):
    html = client_as(persona).get(AGENT_URL).content.decode()
    assert (f'href="{MANAGER_URL}"' in html) is shown
    assert f'href="{AGENT_URL}"' in html and 'href="/healthz/"' in html and 'href="/api/v1/docs/"' in html


# --- the agent dashboard: figures and drill-downs -------------------------------------------------
def test_agent_dashboard_figures_link_to_the_lists_behind_them(client_as, world):
    opened(world, priority=1)
    new(world, priority=2)
    new(world, assignee=None, priority=1)
    html = client_as("agent").get(AGENT_URL).content.decode()
    group = world.group.pk

    assert 'href="/cases/?view=my_open"' in html
    assert 'href="/cases/?view=my_open&amp;state_category=new"' in html
    assert 'href="/cases/?view=my_open&amp;needs_attention=true"' in html
    assert 'href="/cases/?view=my_open&amp;sla=breached"' in html
    assert 'href="/cases/?view=my_open&amp;sla=at_risk"' in html
    assert f'href="/cases/?view=all_open&amp;assignment_group={group}&amp;priority=1"' in html
    assert f'href="/cases/?view=all_open&amp;assignment_group={group}"' in html
    assert f'href="/cases/?view=all_open&amp;assignment_group={group}&amp;assigned_to=none"' in html
    assert 'href="/inbox/"' in html
    spec = chart_spec(html, "my-priority")
    assert spec["type"] == "doughnut" and spec["datasets"][0]["data"] == [1, 1, 0, 0]
    assert spec["datasets"][0]["links"][0] == "/cases/?view=my_open&priority=1"
    states = chart_spec(html, "my-state")
    assert states["labels"] == ["New", "Open"] and states["datasets"][0]["links"] == [
        "/cases/?view=my_open&state=new", "/cases/?view=my_open&state=open",
    ]


def test_every_chart_has_a_table_with_the_same_links_readable_without_javascript(client_as, world):
    opened(world, priority=1)
    html = client_as("agent").get(AGENT_URL).content.decode()
    table = html[html.index('id="my-priority"'):]
    table = table[table.index("<details"):table.index("</details>")]
    assert "open data-collapse" in table
    assert '<a href="/cases/?view=my_open&amp;priority=1">1</a>' in table
    assert '<div class="chart-box" hidden>' in html  # the canvas shows only once the script drew it


def test_agent_dashboard_says_when_the_agent_is_in_no_group(client_as, world):
    user_services.assignment_group_update(actor=None, instance=world.group, members=[world.users["manager"]])
    html = client_as("agent").get(AGENT_URL).content.decode()
    assert "not a member of any active assignment group" in html and "assigned_to=none" not in html


def test_agent_dashboard_shows_the_manager_button_to_managers_only(client_as, world):
    assert 'data-shortcut="m"' not in client_as("agent").get(AGENT_URL).content.decode()
    assert 'data-shortcut="m"' in client_as("manager").get(AGENT_URL).content.decode()


def test_agent_dashboard_refreshes_itself_with_htmx(client_as, world):
    html = client_as("agent").get(AGENT_URL).content.decode()
    assert 'hx-get="/dashboards/agent/"' in html and "every 60s" in html


# --- the manager dashboard: figures, filters, drill-downs -----------------------------------------
@pytest.fixture
def tier2(world):
    bob = f.user_with_roles("agent", username="agent_bob", first_name="Bob", last_name="Baker")
    return user_services.assignment_group_create(actor=None, name="Tier 2", members=[bob])


def test_manager_dashboard_drills_down_within_the_chosen_group(client_as, world, tier2):
    opened(world, priority=1)
    new(world, assignee=None, group=tier2, priority=2)
    html = client_as("manager").get(f"{MANAGER_URL}?assignment_group={tier2.pk}&period=7&by=agent").content.decode()

    priority = chart_spec(html, "open-priority")["datasets"][0]
    assert priority["data"] == [0, 1, 0, 0]
    assert query(priority["links"][1]) == ("/cases/", {
        "view": ["all_open"], "assignment_group": [str(tier2.pk)], "priority": ["2"],
    })
    sla = chart_spec(html, "open-sla")["datasets"][0]["links"]
    assert [query(link)[1]["sla"] for link in sla] == [["breached"], ["at_risk"], ["on_track"], ["none"]]
    assert f'href="/cases/?view=all_open&amp;assignment_group={tier2.pk}&amp;assigned_to=none"' in html
    assert f'href="/cases/?view=all_open&amp;assignment_group={tier2.pk}&amp;escalated=true"' in html
    assert f'href="/cases/?view=all_open&amp;assignment_group={tier2.pk}&amp;blocked=true"' in html
    by_agent = chart_spec(html, "by-open")
    assert by_agent["labels"] == ["Unassigned"] and by_agent["stacked"] and by_agent["horizontal"]
    assert query(by_agent["datasets"][1]["links"][0])[1] == {
        "view": ["all_open"], "assignment_group": [str(tier2.pk)], "assigned_to": ["none"], "priority": ["2"],
    }


def test_period_figures_link_to_the_cases_resolved_in_the_period(client_as, world):
    case = opened(world)
    services.case_act(actor=world.users["agent"], case=case, action="propose-solution", **RESOLVE)
    board_html = client_as("manager").get(f"{MANAGER_URL}?period=30&by=group").content.decode()
    links = re.findall(r'href="(/cases/\?view=all&amp;resolved_after=[^"]+)"', board_html)
    assert links, "no link to the resolved cases"
    params = parse_qs(urlsplit(links[0].replace("&amp;", "&")).query)
    after, before = params["resolved_after"][0], params["resolved_before"][0]
    today = timezone.localdate()
    # the list's "before" is up to the start of that day: tomorrow, so that today is included
    day = datetime.timedelta(days=1)
    assert (after, before) == ((today - 29 * day).isoformat(), (today + day).isoformat())
    assert f'href="/cases/?view=all&amp;resolved_after={after}&amp;resolved_before={before}&amp;reopened=true"' in board_html
    assert f'assignment_group={world.group.pk}' in board_html  # the group row of the breakdown


def test_backlog_growth_bars_link_to_each_weeks_opened_and_resolved_cases(client_as, world):
    opened(world)
    html = client_as("manager").get(MANAGER_URL).content.decode()
    spec = chart_spec(html, "backlog-growth")
    assert [d["label"] for d in spec["datasets"]] == ["Opened", "Resolved"] and len(spec["labels"]) == 12
    assert spec["datasets"][0]["data"][-1] == 1
    _, params = query(spec["datasets"][0]["links"][-1])
    monday, next_monday = params["opened_after"][0], params["opened_before"][0]
    assert datetime.date.fromisoformat(monday).weekday() == 0
    assert datetime.date.fromisoformat(next_monday) - datetime.date.fromisoformat(monday) == datetime.timedelta(days=7)
    assert query(spec["datasets"][1]["links"][-1])[1]["resolved_after"] == [monday]


def test_breakdown_rows_without_a_list_filter_have_no_link(client_as, world):
    services.case_create(actor=world.users["agent"], short_description="A consumer's", consumer=f.ConsumerFactory())
    by_group = chart_spec(client_as("manager").get(f"{MANAGER_URL}?by=group").content.decode(), "by-open")
    assert by_group["labels"] == ["No group"]
    assert query(by_group["datasets"][3]["links"][0])[1] == {
        "view": ["all_open"], "assignment_group": ["none"], "priority": ["4"],
    }
    html = client_as("manager").get(f"{MANAGER_URL}?by=account").content.decode()
    by_account = chart_spec(html, "by-open")
    assert by_account["labels"] == ["No account"] and by_account["datasets"][3]["links"] == [None]
    assert '<th scope="row">No account</th>' in html


def test_my_groups_filter_uses_the_managers_groups(client_as, world, tier2):
    opened(world)
    new(world, assignee=None, group=tier2)
    html = client_as("manager").get(f"{MANAGER_URL}?assignment_group=mine").content.decode()
    assert chart_spec(html, "open-priority")["datasets"][0]["data"] == [0, 0, 0, 1]
    assert '<option value="mine" selected>My groups</option>' in html


def test_unknown_filter_values_fall_back_to_the_defaults(client_as, world):
    response = client_as("manager").get(f"{MANAGER_URL}?period=13&by=colour&assignment_group=999999")
    assert_status(response, 200)
    html = response.content.decode()
    assert '<option value="30" selected>Last 30 days</option>' in html
    assert '<option value="group" selected>Assignment group</option>' in html
    assert '<option value="" selected>All groups</option>' in html


def test_breakdown_switch_changes_the_tables(client_as, world):
    opened(world, account=world.account)
    html = client_as("manager").get(f"{MANAGER_URL}?by=account").content.decode()
    assert "Open backlog by account" in html and f'account={world.account.pk}' in html


def test_manager_dashboard_states_how_fresh_its_figures_are(client_as, world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    assert "refreshed every minute" in client_as("manager").get(MANAGER_URL).content.decode()


def test_manager_dashboard_filter_form_works_without_and_with_htmx(client_as, world):
    html = client_as("manager").get(MANAGER_URL).content.decode()
    assert f'<form class="card dash-filters" method="get" action="{MANAGER_URL}"' in html
    assert 'hx-target="#dash-body"' in html and 'hx-push-url="true"' in html and 'data-shortcut-focus="f"' in html


# --- cost ----------------------------------------------------------------------------------------
def _grow(world, n: int):
    for i in range(n):
        case = opened(world, priority=1 + i % 4, product=f.ProductFactory(), account=f.AccountFactory())
        if i % 3 == 0:
            services.case_act(actor=world.users["agent"], case=case, action="propose-solution", **RESOLVE)
        elif i % 3 == 1:
            esc.escalation_request(actor=world.users["agent"], case=case, reason="lack_of_progress")
        new(world, assignee=None, priority=1 + i % 4)


@pytest.mark.parametrize("url", [AGENT_URL, f"{MANAGER_URL}?by=agent", f"{MANAGER_URL}?by=product&period=90"])
def test_dashboard_pages_query_count_does_not_grow_with_the_cases(url, client_as, world, django_assert_max_num_queries):
    client = client_as("manager")
    _grow(world, 5)
    cache.clear()
    with CaptureQueriesContext(connection) as small:
        assert_status(client.get(url), 200)
    _grow(world, 25)
    cache.clear()
    with django_assert_max_num_queries(len(small)):
        assert_status(client.get(url), 200)
    assert len(small) <= 20


def test_a_cached_manager_dashboard_costs_a_handful_of_queries(client_as, world, settings, django_assert_max_num_queries):
    settings.DASHBOARD_CACHE_SECONDS = 60
    client = client_as("manager")
    _grow(world, 3)
    client.get(MANAGER_URL)
    with django_assert_max_num_queries(5):  # session, user and roles, the groups of the filter
        assert_status(client.get(MANAGER_URL), 200)
