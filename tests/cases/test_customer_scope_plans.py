"""On PostgreSQL (make test-services): every customer scope (a contact, a customer admin over an
account hierarchy, a partner, a consumer) plans its "My cases" page, its open filter and its count
without a sequential scan of the case table, on tens of thousands of seeded cases with fresh
statistics. The scope ORed the same conditions across outer joins and subqueries before, which
PostgreSQL can only evaluate row by row: a (parallel) sequential scan of the whole table for the
count, 1.6-2 s at a million cases (issue 15). The portal's pages and counts, read arm by arm
(cases.selectors_customer), touch only the reader's own cases: no walk of the table's recency
order filtered by the scope."""
import json

import pytest
from django.db import connection
from django.db.models import CharField, Q, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from bench.seed import seed
from cases import selectors
from cases import selectors_customer as customer_selectors
from cases.choices import StateCategory
from cases.models import Case
from customers import services as customer_services
from customers.models import Account
from tests.factories import user_with_roles

pytestmark = [pytest.mark.services, pytest.mark.django_db]

CASES = 30_000
OPEN = (StateCategory.NEW, StateCategory.OPEN, StateCategory.AWAITING)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("query plans are checked on PostgreSQL (make test-services)")


@pytest.fixture
def seeded(world):
    """30,000 bench cases over 60 accounts; then a few hundred of them moved to the world's
    personas: Dana's (a contact with a login), below Acme (two bench accounts become children of
    Acme Europe, so Carl administers a three-level hierarchy), naming Partner Co as partner, and a
    consumer's; then ANALYZE, as after any bulk load."""
    seed(cases=CASES, journal=0, probe_journal=0)
    ids = list(Case.objects.order_by("id").values_list("id", flat=True))
    consumer = user_with_roles("consumer", username="consumer_connie")
    connie = customer_services.consumer_create(actor=None, first_name="Connie", last_name="C", user=consumer,
                                               email="connie@example.net")
    Case.objects.filter(pk__in=ids[100:400]).update(contact=world.contacts["customer"], account=world.account)
    Case.objects.filter(pk__in=ids[500:650]).update(consumer=connie, contact=None, account=None)
    Case.objects.filter(pk__in=ids[700:800]).update(partner=world.partner_account)
    below = list(Account.objects.filter(name__startswith="Bench account ").order_by("id")[:2])
    Account.objects.filter(pk__in=[a.pk for a in below]).update(
        parent=world.child_account, path=Concat(Value(world.child_account.path), "id", Value("/"), output_field=CharField())
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case, customers_account, customers_contact, customers_consumer")
    return {**{p: world.users[p] for p in ("customer", "customer_admin", "partner")}, "consumer": consumer}


def _plan(sql: str, params) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        document = cursor.fetchone()[0]
    document = json.loads(document) if isinstance(document, str) else document
    nodes, todo = [], [document[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo += node.get("Plans", [])
    return nodes


def _statements(user):
    """What "My cases" (all and open), the portal home and the customer API list run: a page in
    recency order and the count."""
    cases = selectors.case_list_for_user(user=user)
    for name, qs in (("all", cases), ("open", cases.filter(state_category__in=OPEN))):
        page_sql, page_params = qs.order_by("-updated_at", "-id")[:20].query.sql_with_params()
        yield f"{name} page", page_sql, page_params
        ids_sql, ids_params = qs.order_by().values("pk").query.sql_with_params()
        yield f"{name} count", f"SELECT COUNT(*) FROM ({ids_sql}) matched", ids_params
        yield f"{name} capped count", f"SELECT COUNT(*) FROM ({ids_sql} LIMIT 1001) matched", ids_params


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner", "consumer"])
def test_no_customer_scope_plans_a_sequential_scan_of_the_cases(seeded, persona):
    user = seeded[persona]
    assert selectors.case_list_for_user(user=user).exists()  # the scope is not empty: the plan is a real one
    for label, sql, params in _statements(user):
        nodes = _plan(sql, params)
        scans = [n for n in nodes if n.get("Relation Name") == "cases_case"]
        assert scans, (label, nodes)
        assert all("Seq Scan" not in n["Node Type"] for n in scans), (persona, label, scans)


# --- the customer selectors' statements: bounded by the reader's own cases --------------------------
RECENCY_WALKS = {"case_updated", "case_active_updated", "case_category_updated"}  # the whole table's order


def _captured(call) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        call()
    return [q["sql"] for q in captured.captured_queries]


def _analyze(sql: str) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        document = cursor.fetchone()[0]
    document = json.loads(document) if isinstance(document, str) else document
    nodes, todo = [], [document[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo += node.get("Plans", [])
    return nodes


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner", "consumer"])
def test_the_portal_home_and_my_cases_read_only_the_readers_own_cases(seeded, persona):
    """The home's "action needed" and recent lists, My cases (all, open) and its capped count, as
    cases.selectors_customer runs them: no sequential scan, no walk of the whole table's recency
    order, every scan of the case table keyed by an arm (a contact, an account, ...), and the
    case rows they touch (returned, filtered out) at most a small multiple of the reader's own
    cases, whatever the table holds."""
    user = seeded[persona]
    scope = customer_selectors.reader_scope(user)
    in_scope = Case.objects.filter(scope.q()).count()
    assert in_scope, persona
    action = Q(state_category__in=(StateCategory.AWAITING, StateCategory.RESOLVED))
    calls = {
        "action needed": lambda: customer_selectors.customer_case_page(scope, filter_q=action, limit=10),
        "recent": lambda: customer_selectors.customer_case_page(scope, limit=5),
        "my cases": lambda: customer_selectors.customer_case_page(scope, limit=20),
        "open": lambda: customer_selectors.customer_case_page(scope, filter_q=Q(state_category__in=OPEN), limit=20),
        "count": lambda: customer_selectors.customer_case_count(scope, cap=1000),
        "open count": lambda: customer_selectors.customer_case_count(scope, filter_q=Q(state_category__in=OPEN),
                                                                      cap=1000),
    }
    for label, call in calls.items():
        statements = _captured(call)
        assert len(statements) == 1, (label, statements)
        nodes = _analyze(statements[0])
        scans = [n for n in nodes if n.get("Relation Name") == "cases_case"]
        assert scans, (persona, label)
        for scan in scans:
            assert scan["Node Type"] in ("Index Scan", "Index Only Scan", "Bitmap Heap Scan"), (persona, label, scan)
            assert scan.get("Index Name") not in RECENCY_WALKS, (persona, label, scan)
            assert "Index Cond" in scan or "Recheck Cond" in scan, (persona, label, scan)
        touched = sum((n.get("Actual Rows", 0) + n.get("Rows Removed by Filter", 0)) * n.get("Actual Loops", 1)
                      for n in scans)
        assert touched <= 2 * in_scope + 30, (persona, label, touched, in_scope)
