"""bench_workspace_lists works end to end on a tiny data set, every page shows rows, and the
query counts do not grow with the data (query counts only: timings do not belong in tests)."""
import pytest

from bench.seed import seed
from bench.workspace_lists import run, table, workloads

pytestmark = pytest.mark.django_db


def test_bench_workspace_lists_measures_every_page_with_constant_query_counts():
    seed(cases=300, journal=1, probe_journal=1)
    small = run(iterations=2)
    seed(cases=600, journal=1, probe_journal=1)
    large = run(iterations=2)
    assert large["meta"]["cases"] > small["meta"]["cases"] + 500
    assert set(small["pages"]) == set(workloads(1))
    for result in (small, large):
        for name, page in result["pages"].items():
            assert {"median_ms", "p95_ms", "queries", "rows"} <= set(page), name
        for name in ("my_open", "all_open", "search", "all_open_htmx"):
            assert result["pages"][name]["rows"] > 0, name
        assert set(result["targets"]["met"]) == set(workloads(1)) - {"my_open_cold_cache", "floor_all_open"}
        assert result["pages"]["floor_all_open"]["rows"] == result["pages"]["all_open"]["rows"] and result["ratio_all_open_to_floor"] > 0
    for name in small["pages"]:
        assert large["pages"][name]["queries"] <= small["pages"][name]["queries"] + 1, name  # +1: a full page's capped count
    assert "| my_open |" in table(large)
