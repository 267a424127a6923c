"""On PostgreSQL (make test-services): the manager dashboard by account reads the open backlog's
totals and its breakdown by account in one scan (GROUPING SETS), with the same figures as the
portable two reads; a case without an account stays a row of its own, apart from the totals."""
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors_metrics as metrics
from cases import selectors_metrics_sql
from cases.models import Case
from tests import factories as f
from tests.cases.test_selectors_metrics import act, manager_board, new, opened

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("GROUPING SETS are PostgreSQL's (make test-services)")
    cache.clear()
    yield
    cache.clear()


def _figures(board) -> dict:
    return {
        "open": board.open, "unassigned": board.unassigned, "blocked": board.blocked,
        "by_priority": board.by_priority, "sla": board.sla,
        "by_state": [(s.label, s.count) for s in board.by_state],
        "rows": [(r.key, r.label, r.open, r.by_priority, r.unassigned, r.breached, r.at_risk, r.blocked, r.escalated)
                 for r in board.open_rows],
    }


def test_by_account_reads_totals_and_breakdown_in_one_scan_with_the_same_figures(world, monkeypatch):
    accounts = [f.AccountFactory(name=f"Account {n}") for n in range(3)]
    for n, account in enumerate(accounts):
        for _ in range(n + 1):
            opened(world, account=account, contact=None, priority=1 + n)
    blocked = opened(world, priority=2)
    act(world, "agent", blocked, "request-info", comment="?")
    new(world, priority=3, assignee=None)
    orphan = new(world, priority=4, assignee=None)
    Case.objects.filter(pk=orphan.pk).update(account=None, contact=None)  # no account: a row of its own

    manager_board(world, by="group")  # the manager's permissions are loaded once (not counted below)
    with CaptureQueriesContext(connection) as one_scan:
        board = manager_board(world, by="account")
    monkeypatch.setattr(selectors_metrics_sql, "grouping_sets_rows", lambda *args, **kwargs: None)
    with CaptureQueriesContext(connection) as two_reads:
        portable = manager_board(world, by="account")

    assert _figures(board) == _figures(portable)
    assert board.open == 9 and board.blocked == 1
    assert [(r.label, r.open) for r in board.open_rows][0] == ("Account 2", 3)
    assert ("No account", 1) in [(r.label, r.open) for r in board.open_rows]
    assert sum(r.open for r in board.open_rows) == board.open
    assert len(one_scan) == len(two_reads) - 1
    grouped = [q["sql"] for q in one_scan.captured_queries if "GROUPING SETS" in q["sql"]]
    assert len(grouped) == 1


def test_the_breakdown_keeps_only_the_largest_rows(world, monkeypatch):
    monkeypatch.setattr(metrics, "TOP", 2)
    for n, account in enumerate(f.AccountFactory(name=f"Account {n}") for n in range(4)):
        for _ in range(n + 1):
            opened(world, account=account, contact=None)
    rows = manager_board(world, by="account").open_rows
    assert [(r.label, r.open) for r in rows] == [("Account 3", 4), ("Account 2", 3)]
