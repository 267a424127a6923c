"""In-process measurements of the workspace's HTML case lists (django.test's client, no network)
as a bench agent (`bench_agent_1_1`, member of "Bench Tier 1"), on the bench database
(`manage.py bench_seed`). See bench/README.md, "Workspace lists".

Each workload is a full page as an agent opens it (session, user, permissions, the list, its
capped count, the tabs' counts, the filter bar): my open cases, my groups' unassigned, all open,
a text search, a filter with several values, the htmx results fragment, the navigation's counts
and the task list. The caches (filter options, counts) are warm, as they are for an agent
working a list; `my_open_cold_cache` clears them before every request to show a cache miss.
Workloads are interleaved, so a noisy neighbour slows them alike; query counts come from one
extra, untimed request (its SQL is kept in the JSON). `floor_all_open` is the framework floor of
the same first page (bench/floor.py: plain Django, a plain template, no count, no navigation),
measured interleaved, so `ratio_all_open_to_floor` holds whatever the machine's load."""
import datetime
import math
import os
import platform
import statistics
import time
from collections.abc import Callable

import django
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment

from bench.seed import bench_agent, bench_group
from cases.models import Case

TARGET_MEDIAN_MS = 60.0  # the target for list pages at 1,000,000 cases
WARMUP = 5
SEARCH_WORD = "router"  # one of the bench subjects' words ("Router drops the connection every hour")


def workloads(group_id: int) -> dict[str, tuple[str, dict]]:
    htmx = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "case-results"}
    return {
        "my_open": ("/cases/?view=my_open", {}),
        "my_groups_unassigned": ("/cases/?view=my_groups_unassigned", {}),
        "all_open": ("/cases/?view=all_open", {}),
        "search": (f"/cases/?view=all_open&q={SEARCH_WORD}", {}),
        "filter": (f"/cases/?view=all_open&priority=1&priority=2&assignment_group={group_id}", {}),
        "all_open_htmx": ("/cases/?view=all_open", htmx),
        "nav_counts": ("/case-lists/nav/", {"HTTP_HX_REQUEST": "true"}),
        "tasks_all_open": ("/case-tasks/?view=all_open", {}),
        "my_open_cold_cache": ("/cases/?view=my_open", {}),
        "floor_all_open": ("/bench-floor/case-list-html/", {}),
    }


def run(*, iterations: int = 100, progress: Callable[[str], None] = lambda message: None) -> dict:
    _test_environment()
    with override_settings(ROOT_URLCONF="bench.urls"):  # the project's URLs plus the floor views
        return _run(iterations, progress)


def _run(iterations: int, progress: Callable[[str], None]) -> dict:
    agent, group = bench_agent(), bench_group()
    client = Client()
    client.force_login(agent)
    plan = workloads(group.pk)
    result = {"meta": _meta(iterations, agent.username, group.name)}
    progress(f"{result['meta']['cases']:,} cases on {result['meta']['database']}; {len(plan)} pages x{iterations}")

    def call(name):
        url, headers = plan[name]
        if name.endswith("_cold_cache"):
            cache.clear()
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        return response

    for name in plan:
        for _ in range(WARMUP):
            call(name)
    timings = {name: [] for name in plan}
    for i in range(iterations):
        for name in plan:  # interleaved: every page shares the same noise
            started = time.perf_counter()
            call(name)
            timings[name].append((time.perf_counter() - started) * 1000)
        if progress and (i + 1) % max(1, iterations // 5) == 0:
            progress(f"  {i + 1}/{iterations}")
    pages = {}
    for name in plan:
        with CaptureQueriesContext(connection) as queries:
            response = call(name)
        html = response.content.decode()
        pages[name] = {
            **_summary(timings[name]),
            "queries": len(queries),
            "rows": html.count("<tr data-href="),
            "bytes": len(response.content),
            "url": plan[name][0],
            "sql": [q["sql"] for q in queries.captured_queries],
        }
    result["pages"] = pages
    checked = [n for n in plan if not n.endswith("_cold_cache") and not n.startswith("floor")]
    result["ratio_all_open_to_floor"] = round(pages["all_open"]["median_ms"] / pages["floor_all_open"]["median_ms"], 2)
    result["targets"] = {
        "median_ms": TARGET_MEDIAN_MS,
        "met": {name: pages[name]["median_ms"] < TARGET_MEDIAN_MS for name in checked},
    }
    return result


def _test_environment() -> None:
    """The test client needs 'testserver' allowed (pytest already did it)."""
    try:
        setup_test_environment(debug=False)
    except RuntimeError:
        pass


def _summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95, 2)}


def _meta(iterations: int, agent: str, group: str) -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            version = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            version = f"SQLite {cursor.fetchone()[0]}"
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": version,
        "cases": Case.objects.count(),
        "iterations": iterations,
        "agent": agent,
        "group": group,
        "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
        "debug": settings.DEBUG,
    }


def table(result: dict) -> str:
    """The figures as a Markdown table (bench/README.md)."""
    lines = ["| page | median ms | p95 ms | queries | rows |", "|---|---|---|---|---|"]
    for name, page in result["pages"].items():
        lines.append(f"| {name} | {page['median_ms']} | {page['p95_ms']} | {page['queries']} | {page['rows']} |")
    return "\n".join(lines)
