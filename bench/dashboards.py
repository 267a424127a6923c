"""The dashboards, measured in-process against the bench database (bench/README.md, "Dashboards").

Everything runs inside one transaction rolled back at the end, so the bench database is left as it
was: a bench manager (the seed makes agents only; made through the users service), an open
"blocked by" record on every awaiting case (what requesting information creates; the seed writes
cases straight into their table, without them) and open escalations on a few open cases (through
the escalations service), so that the blocked and escalated figures cost what they would.

Figures (full HTML pages through django.test's client, logged in through the session; median and
p95 ms over `iterations` requests after 3 warm-ups; queries from one extra untimed request):
- `agent`: `/dashboards/agent/` as `bench_agent_1_1` (a member of the largest group);
- `manager_cold`: `/dashboards/manager/` computed on every request (cache off): all groups, the
  last 30 days, by group; `manager_cold_by_account`: the same broken down by account (the widest
  grouping); `manager_cold_one_group`: narrowed to Bench Tier 1, the last 365 days, by agent;
- `manager_cached`: the same page within its cache time (what most views of it cost).
On PostgreSQL, `plans` has the plan of each dashboard query of one cold manager page (EXPLAIN
ANALYZE): the scans it used, whether from an index alone and how many heap fetches that took.
`vacuum=True` runs VACUUM ANALYZE on the case table first (after a bulk seed the visibility map is
empty until autovacuum passes, and index-only scans then visit the table)."""
import json
import math
import os
import statistics
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from bench.run import _get, _meta as run_meta
from bench.seed import bench_agent, bench_group
from cases.models import Case, CaseBlocker, Escalation
from cases.services import escalations as escalation_services
from users import services as user_services
from users.models import User

TARGET_MS = 300.0
WARMUP = 3
MANAGER = "bench_manager"
ESCALATIONS = 50
AGENT_URL = "/dashboards/agent/"
MANAGER_URL = "/dashboards/manager/"


class _Rollback(Exception):
    pass


def run(*, iterations: int = 50, vacuum: bool = False, progress: Callable[[str], None] = lambda message: None) -> dict:
    # Not setup_test_environment(): it instruments every template render (a signal and a copy of
    # the context per template, for the test client's response.context), which would be counted
    # as the pages' time. The client only needs its host allowed.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        return _run(iterations, vacuum, progress)


def _run(iterations: int, vacuum: bool, progress) -> dict:
    # The setup is committed (and kept: a second run adds nothing). Rolled back, its updates of
    # the awaiting cases would leave every open row with an uncommitted version to check, and the
    # measured scans would read the heap instead of the index alone.
    with transaction.atomic():
        agent, manager, group = bench_agent(), _manager(), bench_group()
        setup = _setup(agent)
    if vacuum and connection.vendor == "postgresql":
        progress("VACUUM ANALYZE cases_case ...")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) cases_case")
    result: dict = {"meta": _meta(iterations), "setup": setup}
    progress(f"{result['meta']['cases']:,} cases on {result['meta']['database']}; dashboards x{iterations}")
    try:
        with transaction.atomic():
            agent_client, manager_client = Client(), Client()
            agent_client.force_login(agent)
            manager_client.force_login(manager)
            with override_settings(DASHBOARD_CACHE_SECONDS=0):
                result["agent"] = _measure(agent_client, AGENT_URL, iterations)
                progress("agent dashboard done")
                result["manager_cold"] = _measure(manager_client, MANAGER_URL, iterations)
                result["manager_cold_by_account"] = _measure(manager_client, f"{MANAGER_URL}?by=account", iterations)
                one_group = f"{MANAGER_URL}?assignment_group={group.pk}&period=365&by=agent"
                result["manager_cold_one_group"] = _measure(manager_client, one_group, iterations)
                progress("manager dashboard (computed) done")
                result["plans"] = _plans(manager_client, MANAGER_URL)
            with override_settings(DASHBOARD_CACHE_SECONDS=60):
                result["manager_cached"] = _measure(manager_client, MANAGER_URL, iterations)
            raise _Rollback
    except _Rollback:
        pass
    measured = ("agent", "manager_cold", "manager_cold_by_account", "manager_cold_one_group", "manager_cached")
    result["target"] = {"median_ms": TARGET_MS, "met": {name: result[name]["median_ms"] < TARGET_MS for name in measured}}
    return result


def _manager() -> User:
    """The bench manager: a manager of every bench group's work (the role, not a group's manager)."""
    existing = User.objects.filter(username=MANAGER).first()
    return existing or user_services.user_create(
        actor=None, username=MANAGER, roles=["manager"], first_name="Bench", last_name="Manager",
        email=f"{MANAGER}@bench.example",
    )


def _setup(agent) -> dict:
    """What the seed leaves out: the "blocked by" record of every awaiting case, a few escalations.
    Committed and idempotent: a second run adds only what new seeding calls for."""
    awaiting = Case.objects.filter(state_category="awaiting").exclude(
        pk__in=CaseBlocker.objects.filter(resolved_at__isnull=True).values("case_id")
    )
    blockers = CaseBlocker.objects.bulk_create(
        [CaseBlocker(case_id=pk, reason="customer_info", created_at=updated)
         for pk, updated in awaiting.values_list("pk", "updated_at").iterator(chunk_size=10_000)],
        batch_size=5_000,
    )
    # What the services keep: the case's own "blocked" flag, which the dashboards count.
    Case.objects.filter(pk__in=CaseBlocker.objects.filter(resolved_at__isnull=True).values("case_id")).filter(
        blocked=False
    ).update(blocked=True)
    open_ids = list(
        Case.objects.filter(state_category__in=["new", "open", "awaiting"])
        .exclude(pk__in=Escalation.objects.filter(state__in=["requested", "escalated"]).values("case_id"))
        .order_by("-id").values_list("pk", flat=True)[:max(0, ESCALATIONS - Escalation.objects.filter(
            state__in=["requested", "escalated"]).count())]
    )
    for pk in open_ids:
        escalation_services.escalation_request(actor=None, case=Case(pk=pk), reason="lack_of_progress")
    return {"blockers_added": len(blockers), "escalations_added": len(open_ids)}


def _measure(client, url: str, iterations: int) -> dict:
    for _ in range(WARMUP):
        _get(client, url)
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        _get(client, url)
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    return {**_summary(timings), "queries": len(queries), "url": url, "sql": [q["sql"] for q in queries.captured_queries]}


def _plans(client, url: str) -> list[dict]:
    """EXPLAIN ANALYZE of each dashboard query of one computed manager page (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        return []
    with CaptureQueriesContext(connection) as queries:
        _get(client, url)
    plans = []
    for query in queries.captured_queries:
        sql = query["sql"]
        tables = ('"cases_case"', '"cases_caseblocker"', '"cases_escalation"')
        if not sql.startswith("SELECT") or not any(table in sql for table in tables):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
            document = cursor.fetchone()[0]
        document = json.loads(document) if isinstance(document, str) else document
        plan = document[0]
        plans.append({
            "sql": sql[:160], "execution_ms": round(plan["Execution Time"], 2), "planning_ms": round(plan["Planning Time"], 2),
            "scans": _scans(plan["Plan"]),
        })
    return plans


def _scans(node: dict) -> list[str]:
    found = []
    if "Scan" in node["Node Type"]:
        text = node["Node Type"]
        if node.get("Index Name"):
            text += f" using {node['Index Name']}"
        text += f" on {node.get('Relation Name', '?')} ({node.get('Actual Rows', 0)} rows"
        if "Heap Fetches" in node:
            text += f", {node['Heap Fetches']} heap fetches"
        found.append(text + ")")
    for child in node.get("Plans", []):
        found.extend(_scans(child))
    return found


def _summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95, 2)}


def _meta(iterations: int) -> dict:
    meta = run_meta(iterations, 0)
    meta.pop("creations", None)
    meta["open_cases"] = Case.objects.filter(state_category__in=["new", "open", "awaiting"]).count()
    meta["load_average"] = [round(x, 2) for x in os.getloadavg()]  # a shared machine: say how busy it was
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT relpages, relallvisible FROM pg_class WHERE relname = 'cases_case'")
            pages, visible = cursor.fetchone()
        meta["case_pages_all_visible_pct"] = round(100 * visible / pages, 1) if pages else None
    return meta


def table(result: dict) -> str:
    meta = result["meta"]
    lines = [
        f"{meta['date']}  {meta['database']}  {meta['cases']:,} cases, {meta['open_cases']:,} open  "
        f"({meta['machine']}, load {meta['load_average']})",
        f"{'figure':<28}{'median ms':>10}{'p95 ms':>10}{'queries':>9}",
    ]
    labels = {
        "agent": "agent dashboard", "manager_cold": "manager (computed)",
        "manager_cold_by_account": "manager by account", "manager_cold_one_group": "manager, one group, 365 d",
        "manager_cached": "manager (cached)",
    }
    for name, label in labels.items():
        row = result[name]
        lines.append(f"{label:<28}{row['median_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['queries']:>9}")
    for plan in result.get("plans", []):
        lines.append(f"  {plan['execution_ms']:>7.2f} ms  {'; '.join(plan['scans'])}")
    lines.append(f"target: median < {TARGET_MS:.0f} ms: " + ", ".join(
        f"{k} {'met' if v else 'MISSED'}" for k, v in result["target"]["met"].items()
    ))
    return "\n".join(lines)
