"""bench_interactions works end to end on a tiny data set, leaves the database as it was, and the
pages' query counts do not grow with the number of interactions (counts only: timings do not
belong in tests)."""
import io
import json

import pytest
from django.core.management import call_command

from bench.interactions import run
from bench.seed import seed
from cases.models import CaseOffer
from interactions.models import Interaction, InteractionEntry
from users.models import AgentChannelCapacity

pytestmark = pytest.mark.django_db
PAGES = ("inbox", "inbox_fragment", "list", "list_waiting", "record")


def _snapshot():
    return [m.objects.count() for m in (Interaction, InteractionEntry, CaseOffer, AgentChannelCapacity)]


def test_bench_interactions_reports_every_page_writes_nothing_and_keeps_its_query_count(world):
    seed(cases=300)
    before = _snapshot()
    small = run(iterations=2, interactions=60)
    assert _snapshot() == before
    large = run(iterations=2, interactions=600)
    for result in (small, large):
        for name in PAGES:
            assert {"median_ms", "p95_ms", "queries", "rows"} <= set(result[name]) and result[name]["n"] == 2
        assert result["record"]["rows"] == 0 and result["inbox"]["rows"] > 0
        assert set(result["target"]["met"]) == {"inbox", "list", "list_waiting", "record"}
    assert large["seeded"]["interactions"] > small["seeded"]["interactions"]
    for name in PAGES:
        assert small[name]["queries"] == large[name]["queries"], name


def test_bench_interactions_command_writes_json(tmp_path, world):
    seed(cases=100)
    out = tmp_path / "interactions.json"
    text = io.StringIO()
    call_command("bench_interactions", iterations=1, interactions=30, json_path=str(out), stdout=text, stderr=io.StringIO())
    assert "inbox_fragment" in text.getvalue()
    assert json.loads(out.read_text())["list"]["n"] == 1
