"""The benchmark tooling works end to end on a tiny data set, and the API's query counts do not
grow with the data (query counts only: timings do not belong in tests)."""
import json

import pytest
from django.core.management import call_command

from bench.run import run
from bench.seed import PROBE_DESCRIPTION, seed
from cases.models import Case, CaseEvent
from core.numbers import number_next

pytestmark = pytest.mark.django_db(transaction=False)

FIGURES = ("list_api", "detail_api", "detail_api_two_requests", "list_floor", "detail_floor", "create_api", "create_floor")


def test_seed_writes_consistent_cases_and_journals():
    result = seed(cases=300, journal=3, probe_journal=20)
    assert result["cases"] == 301 and result["events"] == 300 * 3 + 20
    probe = Case.objects.get(pk=result["probe_case_id"])
    assert probe.short_description == PROBE_DESCRIPTION and probe.events.count() == 20
    assert not Case.objects.exclude(lifecycle__code="standard").exists()
    for case in Case.objects.select_related("lifecycle")[:50]:
        state = case.lifecycle.states.get(code=case.state)
        assert state.category == case.state_category
        if case.assigned_to_id and case.assignment_group_id:
            assert case.assignment_group.members.filter(pk=case.assigned_to_id).exists()
    assert CaseEvent.objects.filter(kind="created").count() == 301


def test_case_numbers_continue_after_the_seeded_block():
    seed(cases=50)
    highest = max(int(n[2:]) for n in Case.objects.values_list("number", flat=True))
    assert int(number_next("CS")[2:]) > highest


def test_bench_run_reports_every_figure_with_constant_query_counts(tmp_path):
    seed(cases=300)
    small = run(iterations=2, creations=2)
    seed(cases=300)
    large = run(iterations=2, creations=2)
    assert large["meta"]["cases"] > small["meta"]["cases"] + 300
    for result in (small, large):
        for name in FIGURES:
            assert {"median_ms", "p95_ms", "queries"} <= set(result[name]), name
        assert result["list_api"]["rows"] == result["list_floor"]["rows"] > 0
        assert result["detail_api"]["journal_entries"] == result["detail_floor"]["journal_entries"] == 20
        assert result["create_service"]["cases_per_s"] > 0 and result["create_api"]["cases_per_s"] > 0
        assert {"list", "detail", "detail_two_requests", "create"} == set(result["ratios"]) and "met" in result["targets"]
        assert "create_ratio_to_floor" in result["targets"]["met"]
        # the stock floor is PostgreSQL only and needs its own database (tests/bench/test_stock_floor.py)
        assert result["stock"].get("skipped") or result["stock"]["figures"]
        assert result["meta"]["load_average_start"] is not None and "load_average_end" in result["meta"]
    for name in (*FIGURES, "create_service"):
        assert small[name]["queries"] == large[name]["queries"], name


def test_bench_commands_write_json(tmp_path):
    call_command("bench_seed", cases=100, stdout=open("/dev/null", "w"))
    out = tmp_path / "bench.json"
    call_command("bench_run", iterations=2, creations=2, json_path=str(out), stdout=open("/dev/null", "w"),
                 stderr=open("/dev/null", "w"))
    document = json.loads(out.read_text())
    assert document["meta"]["cases"] >= 101 and document["list_api"]["queries"] > 0


def test_floor_create_makes_a_real_case_and_refuses_whoever_may_not_add_one(world, client_as):
    """The creation floor is correct code, not a shortcut: a numbered case on the default lifecycle,
    the account from the contact, priority from impact x urgency; anonymous and customers refused."""
    from django.test import override_settings

    from bench.run import FLOOR_CREATE_URL
    from bench.seed import bench_agent, bench_group

    seed(cases=20)
    contact = world.contacts["customer"]
    payload = {"short_description": "Floor", "contact": contact.pk, "assignment_group": bench_group().pk,
               "impact": 1, "urgency": 1, "channel": "email"}
    with override_settings(ROOT_URLCONF="bench.urls"):
        for persona in ("anonymous", "customer"):
            answer = client_as(persona).post(FLOOR_CREATE_URL, payload, content_type="application/json")
            assert answer.status_code == 403, persona
        agent = client_as("agent")
        agent.force_login(bench_agent())
        answer = agent.post(FLOOR_CREATE_URL, payload, content_type="application/json")
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(pk=answer.json()["id"])
    assert case.number.startswith("CS") and case.account_id == contact.account_id and case.priority == 1
    assert case.state == "new" and case.opened_by == bench_agent() and case.lifecycle.is_default
