"""bench_routing works end to end on a tiny data set, leaves the database as it was, and routing's
query count does not grow with the data (query counts only: timings do not belong in tests)."""
import io
import json

import pytest
from django.core.management import call_command

from bench.routing import run
from bench.seed import seed
from cases.models import AssignmentRule, Case, CaseEvent, CaseOffer
from users.models import User

pytestmark = pytest.mark.django_db


def _snapshot():
    return [m.objects.count() for m in (Case, CaseEvent, CaseOffer, AssignmentRule, User)]


def test_bench_routing_reports_every_figure_writes_nothing_and_keeps_its_query_count(world):
    seed(cases=300)
    before = _snapshot()
    small = run(iterations=3)
    assert _snapshot() == before
    seed(cases=300)
    large = run(iterations=3)
    for result in (small, large):
        for name in ("route_in_group", "route_new"):
            assert {"median_ms", "p95_ms", "queries"} <= set(result[name]) and result[name]["n"] == 3
        assert result["timeout_scan"]["timed_out"] == result["timeout_scan"]["offers"] > 0
        assert set(result["target"]["met"]) == {"route_in_group", "route_new"}
    for name in ("route_in_group", "route_new"):
        assert small[name]["queries"] == large[name]["queries"], name


def test_bench_routing_command_writes_json(tmp_path, world):
    seed(cases=200)
    out = tmp_path / "routing.json"
    text = io.StringIO()
    call_command("bench_routing", iterations=2, json_path=str(out), stdout=text, stderr=io.StringIO())
    assert "route (case in its group)" in text.getvalue()
    assert json.loads(out.read_text())["route_new"]["n"] == 2
