"""The SLA API: persona matrix (internal only; the customer side gets 404 even on its own case),
the clock explanation, filters, and query counts that do not grow with the rows."""
import datetime

import pytest

from cases.models import TaskSla
from catalog import services as catalog_services
from tests import factories as f
from tests.cases.sla_helpers import MONDAY_9, act, clock, new_case  # noqa: F401  (clock is a fixture)
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


@pytest.fixture
def definition(world):
    return f.SlaDefinitionFactory(
        name="Resolution", duration=8 * H, pause_condition=f.AWAITING, stop_condition=f.RESOLVED,
        when_to_cancel="never",
    )


@pytest.fixture
def dana_case(world, definition, clock):
    """Dana's own case (customer persona), with a running SLA."""
    from cases import services

    return services.case_create(actor=world.users["customer"], short_description="Printer on fire")


@matrix(external=404)
def test_case_slas_access(persona, expected, api_as, dana_case):
    response = api_as(persona).get(f"/api/v1/cases/{dana_case.pk}/slas/")
    assert_status(response, expected)
    if expected == 200:
        assert [s["definition_name"] for s in response.data["results"]] == ["Resolution"]


def test_case_slas_of_an_unknown_case_is_404(api_as, world):
    assert_status(api_as("agent").get("/api/v1/cases/999999/slas/"), 404)


@matrix(external=404)
def test_sla_detail_access(persona, expected, api_as, dana_case):
    task = TaskSla.objects.get(case=dana_case)
    assert_status(api_as(persona).get(f"/api/v1/slas/{task.pk}/"), expected)


@matrix(external=200)
def test_sla_list_access(persona, expected, api_as, dana_case):
    response = api_as(persona).get("/api/v1/slas/")
    assert_status(response, expected)
    if expected == 200:
        assert response.data["count"] == (1 if persona in ("agent", "manager", "admin") else 0)


@matrix(external=404)
def test_sla_definition_detail_access(persona, expected, api_as, definition):
    assert_status(api_as(persona).get(f"/api/v1/sla-definitions/{definition.pk}/"), expected)


@matrix(external=200)
def test_sla_definition_list_access(persona, expected, api_as, definition):
    response = api_as(persona).get("/api/v1/sla-definitions/")
    assert_status(response, expected)
    if expected == 200:
        assert response.data["count"] == (1 if persona in ("agent", "manager", "admin") else 0)


@matrix(external=405, internal=405, anonymous=401)
def test_slas_are_read_only_in_the_api(persona, expected, api_as, dana_case, definition):
    assert_status(api_as(persona).post("/api/v1/sla-definitions/", {"name": "x"}), expected)


def test_the_clock_is_explained(api_as, world, dana_case, clock):
    clock.advance(hours=1)
    act(world, "agent", dana_case, "assign-to-me")
    clock.advance(hours=1)
    act(world, "agent", dana_case, "request-info", comment="Which printer?")
    clock.advance(hours=3)
    act(world, "customer", dana_case, "info-received")
    clock.advance(hours=1)
    body = api_as("agent").get(f"/api/v1/cases/{dana_case.number}/slas/").data["results"][0]
    assert (body["stage"], body["target"], body["has_breached"]) == ("in_progress", "resolution", False)
    assert body["breach_time"] == "2026-06-01T20:00:00Z" and body["original_breach_time"] == "2026-06-01T17:00:00Z"
    assert (body["duration_seconds"], body["pause_duration_seconds"]) == (8 * 3600, 3 * 3600)
    clock_ = body["clock"]
    assert clock_["elapsed_seconds"] == 6 * 3600
    assert clock_["actual_elapsed_seconds"] == clock_["business_elapsed_seconds"] == 3 * 3600
    assert clock_["business_time_left_seconds"] == 5 * 3600
    assert clock_["actual_time_left_seconds"] == 5 * 3600
    assert clock_["business_percentage"] == 37.5
    assert [(i["kind"], i["duration_seconds"]) for i in clock_["intervals"]] == [
        ("counted", 2 * 3600), ("paused", 3 * 3600), ("counted", 3600),
    ]
    assert clock_["intervals"][1]["begin_reason"] == "pause condition matched (state category is awaiting)"
    assert clock_["intervals"][2]["ended_at"] is None


def test_business_figures_follow_the_schedule(api_as, world, clock):
    schedule = catalog_services.schedule_create(actor=None, name="Mornings", time_zone="UTC")
    for weekday in range(7):
        catalog_services.schedule_span_create(
            actor=None, schedule=schedule, weekday=weekday, start_time=datetime.time(8), end_time=datetime.time(12)
        )
    f.SlaDefinitionFactory(duration=8 * H, schedule=schedule)
    case = new_case(world)
    clock.advance(hours=5)  # 09:00 -> 14:00: 3 business hours (09-12)
    body = api_as("agent").get(f"/api/v1/cases/{case.pk}/slas/").data["results"][0]
    assert body["clock"]["business_elapsed_seconds"] == 3 * 3600
    assert body["clock"]["elapsed_seconds"] == 5 * 3600
    assert body["breach_time"] == "2026-06-03T09:00:00Z"  # 3 h today, 4 h tomorrow, 1 h the day after
    assert body["clock"]["intervals"][0]["business_duration_seconds"] == 3 * 3600


def test_case_shows_sla_due_and_made_sla_to_agents_only(api_as, dana_case):
    agent_view = api_as("agent").get(f"/api/v1/cases/{dana_case.pk}/").data
    assert agent_view["sla_due"] == "2026-06-01T17:00:00Z" and agent_view["made_sla"] is True
    customer_view = api_as("customer").get(f"/api/v1/cases/{dana_case.pk}/").data
    assert "sla_due" not in customer_view and "made_sla" not in customer_view


def test_filters(api_as, world, definition, clock):
    a, b = new_case(world), new_case(world)
    act(world, "agent", b, "assign-to-me")
    act(world, "agent", b, "request-info", comment="?")
    client = api_as("agent")
    assert [r["case"] for r in client.get("/api/v1/slas/?stage=paused").data["results"]] == [b.pk]
    assert [r["case"] for r in client.get(f"/api/v1/slas/?case={a.pk}").data["results"]] == [a.pk]
    assert client.get("/api/v1/slas/?has_breached=true").data["count"] == 0


def test_definition_reads_its_conditions_in_words(api_as, definition):
    body = api_as("agent").get(f"/api/v1/sla-definitions/{definition.pk}/").data
    assert body["conditions_in_words"]["pause"] == "state category is awaiting"
    assert body["conditions_in_words"]["reset"] == "never"
    assert body["duration_seconds"] == 8 * 3600


def _schedule(name):
    schedule = catalog_services.schedule_create(actor=None, name=name, time_zone="Europe/Paris")
    catalog_services.schedule_span_create(
        actor=None, schedule=schedule, weekday=0, start_time=datetime.time(9), end_time=datetime.time(17)
    )
    return schedule


@pytest.mark.parametrize("where", ["all", "case"])
def test_list_queries_do_not_grow_with_rows(where, api_as, world, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases import services

    office = _schedule("Office")
    f.SlaDefinitionFactory(duration=8 * H, schedule=office, pause_condition=f.AWAITING)
    f.SlaDefinitionFactory(duration=4 * H)
    case = new_case(world)
    client = api_as("agent")
    url = f"/api/v1/cases/{case.pk}/slas/" if where == "case" else "/api/v1/slas/"

    def measure(rows):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200 and response.data["count"] == rows
        return len(queries)

    client.get(url)
    few = measure(2)
    f.SlaDefinitionFactory(duration=2 * H, schedule=_schedule("Night shift"))
    f.SlaDefinitionFactory(duration=3 * H, schedule=office)
    f.SlaDefinitionFactory(duration=5 * H)
    services.case_update(actor=world.users["agent"], instance=case, needs_attention=True)  # the new ones attach
    for _ in range(3):
        new_case(world)
    assert measure(5 if where == "case" else 20) == few
