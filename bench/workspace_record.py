"""`bench/workspace_record.py`: the agent workspace's case record page, measured in-process.

As the bench agent (`bench_agent_1_1`, logged in through the session like a browser, so session,
user, roles and permissions load on every request), on the probe case that `bench_seed` made
(`--probe-journal N` timeline entries; the issue's figure is N = 100):

- `record_page`: GET /cases/<probe>/ — header, SLA badges, actions, details, composer, the first
  page of the timeline and every related list. Median and p95 ms, and the query count.
- `floor_detail`: the bench's framework floor for a case (`bench/floor.py`: the case and 25
  events as plain-Django JSON, same session), timed interleaved with the record page: not the
  same work (no HTML, no related lists), a reference for how loaded the machine was.
- `record_page_htmx_timeline`: GET /cases/<probe>/timeline/?before=… — "Load older entries".
- `comment_post`, `work_note_post`: POST /cases/<probe>/journal/ as htmx does it (the answer is
  the fresh composer plus the header, the timeline and the version out of band). Each post runs
  in a transaction of its own that is rolled back, so the probe keeps its N entries from run to
  run; what would run after commit (notifications to the broker) is not measured.

Warm-up requests come first; query counts are taken on one extra, untimed request."""
import datetime
import math
import os
import platform
import statistics
import time
from collections.abc import Callable

import django
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment

from bench.seed import PROBE_DESCRIPTION, bench_agent
from cases.models import Case, CaseEvent

TARGET_MS = 60.0  # the issue: the record page with 100 journal entries under 60 ms median at 1M cases
WARMUP = 5
HTMX = {"HTTP_HX_REQUEST": "true"}


class _Rollback(Exception):
    pass


def run(*, iterations: int = 200, progress: Callable[[str], None] = lambda message: None) -> dict:
    try:
        setup_test_environment(debug=False)
    except RuntimeError:
        pass  # already set up (pytest, or a second run in the same process)
    probe = Case.objects.filter(short_description=PROBE_DESCRIPTION).order_by("-id").first()
    if probe is None:
        raise RuntimeError("No probe case: run `manage.py bench_seed --cases N --probe-journal 100` first.")
    agent = bench_agent()
    client = Client()
    client.force_login(agent)
    page_url = f"/cases/{probe.number}/"
    result = {"meta": _meta(iterations, probe)}
    progress(f"{result['meta']['cases']:,} cases on {result['meta']['database']}; probe {probe.number} with "
             f"{result['meta']['probe_journal_entries']} entries; x{iterations}")

    with override_settings(ROOT_URLCONF="bench.urls"):  # the project's URLs plus the floor views
        result.update(_interleaved({
            "record_page": lambda: _get(client, page_url),
            "floor_detail": lambda: _get(client, f"/bench-floor/cases/{probe.pk}/"),
        }, iterations))
    result["ratio_to_floor"] = round(result["record_page"]["median_ms"] / result["floor_detail"]["median_ms"], 2)
    page = _get(client, page_url).content.decode()
    result["record_page"]["timeline_entries_shown"] = page.count('class="entry ')
    result["record_page"]["bytes"] = len(page)
    older = _older_url(page)
    if older:
        result["record_page_htmx_timeline"] = _measure(lambda: _get(client, older, **HTMX), iterations)
    progress("reads done; comment posts (rolled back)")
    result["comment_post"] = _journal_posts(client, probe, iterations, "comment")
    result["work_note_post"] = _journal_posts(client, probe, iterations, "work_note")
    result["target"] = {"record_page_median_ms": TARGET_MS,
                        "met": result["record_page"]["median_ms"] < TARGET_MS}
    return result


def _get(client, url, **extra):
    response = client.get(url, **extra)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def _older_url(page: str) -> str | None:
    marker = 'hx-get="/cases/'
    for chunk in page.split(marker)[1:]:
        url = "/cases/" + chunk.split('"', 1)[0]
        if "/timeline/?" in url and "before=" in url:
            return url.replace("&amp;", "&")
    return None


def _measure(call: Callable, iterations: int) -> dict:
    for _ in range(WARMUP):
        call()
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    return {**_summary(timings), "queries": len(queries), "sql": [q["sql"] for q in queries.captured_queries]}


def _interleaved(workloads: dict[str, Callable], iterations: int) -> dict:
    """Time several workloads in turn (A, B, A, B ...), so a noisy neighbour slows them alike."""
    for call in workloads.values():
        for _ in range(WARMUP):
            call()
    timings = {name: [] for name in workloads}
    for _ in range(iterations):
        for name, call in workloads.items():
            started = time.perf_counter()
            call()
            timings[name].append((time.perf_counter() - started) * 1000)
    result = {}
    for name, call in workloads.items():
        with CaptureQueriesContext(connection) as queries:
            call()
        result[name] = {**_summary(timings[name]), "queries": len(queries),
                        "sql": [q["sql"] for q in queries.captured_queries]}
    return result


def _journal_posts(client, probe, iterations: int, kind: str = "comment") -> dict:
    """POST /cases/<probe>/journal/ as htmx does, each post in a transaction of its own that is
    rolled back once it answered (only the request is timed). One transaction around all the
    posts, as before, made every later post slower: the probe's row then carries a version per
    earlier post that no one can prune until that transaction ends, and every read of it walks
    them all (a real post commits on its own)."""
    url = f"/cases/{probe.number}/journal/"
    timings, queries = [], None
    for i in range(WARMUP + iterations + 1):
        data = {"kind": kind, "body": f"Bench {kind.replace('_', ' ')} {i}: we are looking into it."}
        try:
            with transaction.atomic():
                if i == WARMUP + iterations:
                    with CaptureQueriesContext(connection) as captured:
                        response = client.post(url, data, **HTMX)
                    queries = captured
                else:
                    started = time.perf_counter()
                    response = client.post(url, data, **HTMX)
                    if i >= WARMUP:
                        timings.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise RuntimeError(f"POST {url} answered {response.status_code}: {response.content[:300]!r}")
                raise _Rollback
        except _Rollback:
            pass
    return {**_summary(timings), "queries": len(queries), "sql": [q["sql"] for q in queries.captured_queries],
            "rolled_back": True}


def _summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95, 2)}


def _meta(iterations: int, probe: Case) -> dict:
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
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": version,
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "probe": probe.number,
        "probe_journal_entries": probe.events.count(),
        "iterations": iterations,
        "debug": settings.DEBUG,
    }


def table(result: dict) -> str:
    meta = result["meta"]
    lines = [
        f"{meta['date']}  {meta['database']}  {meta['cases']:,} cases, {meta['events']:,} events, load {meta['load_average']}",
        f"probe {meta['probe']} with {meta['probe_journal_entries']} journal entries",
        f"{'figure':<44}{'median ms':>10}{'p95 ms':>10}{'queries':>9}",
    ]
    for name, label in (
        ("record_page", "case record page (GET, full page)"),
        ("floor_detail", "  floor: case + 25 events as JSON"),
        ("record_page_htmx_timeline", "older timeline entries (htmx)"),
        ("comment_post", "comment from the composer (htmx POST)"),
        ("work_note_post", "work note from the composer (htmx POST)"),
    ):
        row = result.get(name)
        if row:
            lines.append(f"{label:<44}{row['median_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['queries']:>9}")
    lines.append(f"record page / floor: {result['ratio_to_floor']}")
    met = result["target"]["met"]
    lines.append(f"target: record page median < {result['target']['record_page_median_ms']} ms: {'met' if met else 'MISSED'}")
    return "\n".join(lines)
