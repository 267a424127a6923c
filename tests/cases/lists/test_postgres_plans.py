"""On PostgreSQL (make test-services): each named list's page can be read from an index that
serves both its filter and its order (no sort of the matching rows, no sequential scan), and the
text search can use the trigram index. The planner is pushed to show that the index is *usable*
(sequential scans, bitmap scans and full sorts disabled); which plan it picks at a given size is
its own business (figures in bench/README.md)."""
import json

import pytest
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from cases import selectors_lists as sel
from tests.cases.lists.conftest import make_case

pytestmark = [pytest.mark.services, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL (make test-services)")


def _nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _plan(qs, *, forbid=("seqscan", "bitmapscan", "sort")) -> list[dict]:
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        for setting in forbid:
            cursor.execute(f"SET LOCAL enable_{setting} = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        document = cursor.fetchone()[0]
    document = json.loads(document) if isinstance(document, str) else document
    return list(_nodes(document[0]["Plan"]))


def _case_scans(nodes):
    return [n for n in nodes if n.get("Relation Name") == "cases_case"]


EXPECTED = {  # list -> the index that serves it (filter and order)
    "my_open": {"case_assignee_active_updated", "case_active_updated"},
    # (group, -updated_at) on active cases serves the filter and the order too, with "unassigned" as
    # a row filter; on a 3-case table the planner's pick between the two depends on its statistics.
    "my_groups_unassigned": {"case_group_unassigned_updated", "case_group_active_updated"},
    "all_open": {"case_active_updated"},
    "awaiting_info": {"case_category_updated", "case_active_updated", "case_updated"},
    "sla_at_risk": {"case_sla_due"},
    "resolved": {"case_category_updated", "case_updated"},
    "all": {"case_updated"},
}


@pytest.mark.parametrize("view", list(EXPECTED))
def test_each_named_list_is_read_in_order_from_an_index(view, world):
    for i in range(3):
        make_case(world, f"Case {i}", assignee="agent", state="open")
    agent = world.users["agent"]
    query = sel.case_list_query_parse(QueryDict(f"view={view}"))
    qs = sel.case_list_filtered(user=agent, query=query, now=timezone.now()).values(*sel.CASE_ROW_COLUMNS)[:25]
    nodes = _plan(qs)
    assert not [n for n in nodes if n["Node Type"] == "Sort"], nodes  # an incremental sort of ties is fine
    scans = _case_scans(nodes)
    assert len(scans) == 1 and scans[0]["Node Type"] in ("Index Scan", "Index Only Scan"), scans
    assert scans[0]["Index Name"] in EXPECTED[view]


def test_the_text_search_can_use_the_trigram_index(world):
    make_case(world, "Router drops the connection")
    query = sel.case_list_query_parse(QueryDict("view=all&q=router"))
    qs = sel.case_list_filtered(user=world.users["agent"], query=query, now=timezone.now())
    nodes = _plan(qs.order_by()[:201], forbid=("seqscan", "indexscan"))
    assert any(n.get("Index Name") == "case_short_description_trgm" for n in nodes), nodes


def test_the_navigation_counts_use_no_sequential_scan_of_cases(world):
    make_case(world, "Case", assignee="agent", state="open")
    agent = world.users["agent"]
    for view in sel.NAV_LISTS:
        qs = sel.case_list_for_user(user=agent).filter(sel.case_named_list_q(view, user=agent, now=timezone.now()))
        nodes = _plan(qs.order_by().values("pk")[:1000], forbid=("seqscan",))
        assert all(n["Node Type"] != "Seq Scan" for n in _case_scans(nodes)), view
