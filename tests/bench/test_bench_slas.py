"""bench_slas works end to end on a tiny data set: it tops up running SLAs, arms the due ones on
both definitions and times scans that process exactly them (timings do not belong in tests)."""
import pytest

from bench.seed import seed
from bench.slas import run
from cases.models import TaskSla

pytestmark = pytest.mark.django_db


def test_bench_slas_scans_exactly_the_armed_slas():
    seed(cases=400, journal=1, probe_journal=1)
    result = run(running=60, due=12, iterations=2)
    assert result["meta"]["running_slas"] == 60
    for scan in result["scans"]:
        assert scan["processed"] == scan["armed"] == 12
        assert scan["outbox_rows"] == scan["notices"]
    assert TaskSla.objects.filter(notified_pct__gt=0).count() == 24
    assert {t.schedule_id is None for t in TaskSla.objects.filter(notified_pct__gt=0)} == {True, False}
    again = run(running=60, due=3, iterations=1)  # additive: nothing more to attach
    assert again["meta"]["running_slas"] == 60 and again["scans"][0]["processed"] == 3
