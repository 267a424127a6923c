"""bench/workspace_record.py works end to end on a tiny data set, leaves the probe's journal as it
was, and the record page's query count does not grow with the data or the probe's journal
(query counts only: timings do not belong in tests)."""
import io
import json

import pytest
from django.core.management import call_command

from bench.seed import PROBE_DESCRIPTION, seed
from bench.workspace_record import run
from cases.models import Case, CaseEvent

pytestmark = pytest.mark.django_db


def test_bench_record_page_reports_every_figure_and_keeps_its_query_count(world):
    seed(cases=200, probe_journal=20)
    small = run(iterations=2)
    events = CaseEvent.objects.count()
    seed(cases=300, probe_journal=100)  # a second probe, with the 100 entries
    large = run(iterations=2)
    assert CaseEvent.objects.count() == events + 300 * 3 + 100  # the journal posts were rolled back
    assert large["meta"]["probe_journal_entries"] == 100
    for result in (small, large):
        for name in ("record_page", "comment_post", "work_note_post"):
            assert {"median_ms", "p95_ms", "queries", "n"} <= set(result[name]) and result[name]["n"] == 2
        assert result["record_page"]["timeline_entries_shown"] == (20 if result is small else 25)
        assert set(result["target"]) == {"record_page_median_ms", "met"}
    assert "record_page_htmx_timeline" in large  # 100 entries: there is an older page
    assert small["record_page"]["queries"] == large["record_page"]["queries"]
    assert small["comment_post"]["queries"] == large["comment_post"]["queries"]
    assert small["work_note_post"]["queries"] == large["work_note_post"]["queries"]
    assert Case.objects.filter(short_description=PROBE_DESCRIPTION).count() == 2


def test_bench_record_page_command_writes_json(tmp_path, world):
    seed(cases=100, probe_journal=30)
    out = tmp_path / "record.json"
    text = io.StringIO()
    call_command("bench_workspace_record", iterations=2, json_path=str(out), stdout=text, stderr=io.StringIO())
    assert "case record page" in text.getvalue()
    assert json.loads(out.read_text())["record_page"]["n"] == 2
