"""bench_dashboards works end to end on a tiny data set, its measuring writes nothing, and the
dashboards' query counts do not grow with the data (query counts only: timings do not belong in tests)."""
import io
import json

import pytest
from django.core.management import call_command

from bench.dashboards import run
from bench.seed import seed
from cases.models import Case, CaseBlocker, Escalation
from users.models import User

pytestmark = pytest.mark.django_db
FIGURES = ("agent", "manager_cold", "manager_cold_by_account", "manager_cold_one_group", "manager_cached")


def _snapshot():
    return [m.objects.count() for m in (Case, CaseBlocker, Escalation, User)]


def test_bench_dashboards_reports_every_figure_writes_nothing_and_keeps_its_query_count(world):
    seed(cases=300)
    small = run(iterations=2)
    assert small["setup"]["blockers_added"] > 0 and small["setup"]["escalations_added"] > 0
    assert Case.objects.filter(blocked=True).count() == CaseBlocker.objects.filter(resolved_at=None).count() > 0
    before = _snapshot()
    again = run(iterations=2)  # the setup is kept: a second run adds nothing, the measuring writes nothing
    assert _snapshot() == before and again["setup"] == {"blockers_added": 0, "escalations_added": 0}
    seed(cases=300)
    large = run(iterations=2)
    for result in (small, large):
        for name in FIGURES:
            assert {"median_ms", "p95_ms", "queries"} <= set(result[name]) and result[name]["n"] == 2
        assert set(result["target"]["met"]) == set(FIGURES)
    for name in FIGURES:
        assert small[name]["queries"] == large[name]["queries"], name
    assert large["manager_cached"]["queries"] < large["manager_cold"]["queries"]


def test_bench_dashboards_command_writes_json(tmp_path, world):
    seed(cases=200)
    out = tmp_path / "dashboards.json"
    text = io.StringIO()
    call_command("bench_dashboards", iterations=2, json_path=str(out), stdout=text, stderr=io.StringIO())
    assert "manager (computed)" in text.getvalue()
    assert json.loads(out.read_text())["agent"]["n"] == 2
