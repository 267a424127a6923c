"""In-process measurements (django.test's client, no network) of the cases API against the
framework floor, in one run. See bench/README.md for what each figure means.

Reads are measured interleaved (API, floor, API, floor ...) so that a noisy neighbour on a
shared machine slows both sides alike; query counts are captured on one extra, untimed request.
The client logs in through the session (force_login), exactly like the floor views, so the user
and its permissions are loaded on every request as in production (force_authenticate would keep
one user object, and its permission cache, across requests and hide those queries)."""
import contextlib
import datetime
import functools
import math
import multiprocessing
import os
import platform
import statistics
import time
from collections.abc import Callable

import django
from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment
from rest_framework.test import APIClient

from bench import versus_stock
from bench.seed import PROBE_DESCRIPTION, bench_agent, bench_group
from cases import services
from cases.models import Case, CaseEvent
from customers.models import Contact

TARGETS = {  # the targets (PostgreSQL, 1,000,000 cases)
    "list_api_median_ms": 45.0,
    "detail_api_median_ms": 30.0,
    "create_api_cases_per_s": 50.0,
    "ratio_to_floor": 2.0,
}
WARMUP = 5
FLOOR_CREATE_URL = "/bench-floor/cases/create/"


def run(*, iterations: int = 200, creations: int | None = None, floor: bool = True, processes: int = 1,
        stock: bool | None = None, progress: Callable[[str], None] = lambda message: None) -> dict:
    """`floor`: the in-project floors (bench/floor.py); `stock`: the stock floor (bench/stock/),
    None = when its database exists (PostgreSQL only)."""
    _test_environment()
    creations = creations or min(iterations, 200)
    skipped = versus_stock.availability(stock)
    with override_settings(ROOT_URLCONF="bench.urls"), (
        contextlib.nullcontext() if skipped else versus_stock.open_floor()
    ) as stock_floor:
        ctx = _Context()
        result = {"meta": _meta(iterations, creations)}
        progress(f"{result['meta']['cases']:,} cases on {result['meta']['database']}; reads x{iterations}; "
                 f"stock floor: {skipped or versus_stock.floor_database_url().rsplit('/', 1)[-1]}")
        result.update(_reads(ctx, iterations, floor, stock_floor))
        progress("reads done; creating")
        mark = created_mark()
        stock_mark = stock_floor.mark() if stock_floor else None
        try:
            result["create_service"] = _create_service(ctx, creations)
            creation = _create_api(ctx, creations, floor, stock_floor)
            result["create_api"] = creation["create_api"]
            if floor:
                result["create_floor"] = creation["create_floor"]
                result.setdefault("ratios", {})["create"] = creation["create_ratio"]
            if stock_floor:
                result["create_stock"] = creation["create_stock"]
            if processes > 1:
                result["create_api_processes"] = _create_api_scaling(ctx, creations, processes, progress)
        finally:
            result["meta"]["created_and_removed"] = forget_created(mark)
            if stock_floor:
                result["meta"]["stock_created_and_removed"] = stock_floor.forget(stock_mark)
        if stock_floor:
            progress("customer reads and the record page against the stock floor")
            result["stock"] = _stock_figures(ctx, result, stock_floor, iterations)
        else:
            result["stock"] = {"skipped": skipped}
        result["meta"]["load_average_end"] = _load_average()
        result["targets"] = _targets(result)
    return result


def _stock_figures(ctx, result: dict, stock_floor, iterations: int) -> dict:
    """Every figure against the stock floor: the API's (measured with the reads and creations
    above, the in-project floor kept beside as a second reference) and the customer and agent
    pages (bench/versus_stock.py)."""
    figures = {}
    for name, product, stock, in_project in (("list_api", "list_api", "list_stock", "list_floor"),
                                             ("detail_api", "detail_api", "detail_stock", "detail_floor"),
                                             ("create_api", "create_api", "create_stock", "create_floor")):
        figures[name] = versus_stock.pair(result[product], result[stock])
        if in_project in result:
            base = result[in_project]
            figures[name]["in_project_floor"] = {
                "median_ms": base["median_ms"], "queries": base["queries"],
                "ratio": round(result[product]["median_ms"] / base["median_ms"], 2)}
    figures.update(versus_stock.interleaved(versus_stock.customer_pairs(stock_floor), iterations))
    figures.update(versus_stock.interleaved(versus_stock.agent_html_pairs(stock_floor, ctx.agent, ctx.probe), iterations))
    figures["record_comment_post"] = versus_stock.comment_posts(stock_floor, ctx.agent, ctx.probe, iterations)
    return {"database": versus_stock.floor_database_url().rsplit("/", 1)[-1], "target_ratio": versus_stock.TARGET_RATIO,
            "figures": figures}


def _load_average() -> float | None:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def created_mark() -> tuple[int, datetime.datetime]:
    """Where the seeded data ends: the highest case id and the time now."""
    from django.db.models import Max
    from django.utils import timezone

    return Case.objects.aggregate(top=Max("pk"))["top"] or 0, timezone.now()


def forget_created(mark: tuple[int, datetime.datetime]) -> int:
    """Delete the cases a run created (with their SLAs, events and offers) and the outbox rows it
    wrote, so the next run reads the data bench_seed wrote. Left in place, hundreds of new cases of
    one group at the top of every "recently updated" index make the next run's list reads walk
    past them: the figures would drift from run to run."""
    from notifications.models import Notification

    top, since = mark
    removed = Case.objects.filter(pk__gt=top).delete()[1].get("cases.Case", 0)
    Notification.objects.filter(created_at__gte=since).delete()
    return removed


def _test_environment() -> None:
    """The test client needs 'testserver' allowed and the locmem mail backend (pytest already did it)."""
    try:
        setup_test_environment(debug=False)
    except RuntimeError:
        pass  # already set up (pytest, or a second run in the same process)


class _Context:
    def __init__(self):
        self.agent = bench_agent()
        self.group = bench_group()
        self.probe = Case.objects.filter(short_description=PROBE_DESCRIPTION).order_by("-id").first()
        if self.probe is None:
            raise RuntimeError("No probe case: run `manage.py bench_seed --cases N` first.")
        # Many customers, as on a real desk: with a few, each would pass the notification flood limit
        # within a run, and the later creations would skip their mail (held) and look cheaper.
        self.contacts = list(Contact.objects.filter(account__name__startswith="Bench account ").order_by("id")[:1000])
        self.client = _client(self.agent)
        self.list_url = f"/api/v1/cases/?assignment_group={self.group.pk}&state_category=open"
        self.floor_list_url = f"/bench-floor/cases/?assignment_group={self.group.pk}&state_category=open"


def _client(agent) -> APIClient:
    client = APIClient()
    client.force_login(agent)
    return client


# --- reads ---------------------------------------------------------------------------------------
def _reads(ctx: _Context, iterations: int, floor: bool, stock_floor=None) -> dict:
    c, probe = ctx.client, ctx.probe
    workloads = {
        "list_api": lambda: _get(c, ctx.list_url),
        # the case with its first page of timeline in one answer, as the floor gives them
        "detail_api": lambda: _get(c, f"/api/v1/cases/{probe.pk}/?include=activity"),
        # the same as two requests (the case, then /activity/): reported, not a target
        "detail_api_two_requests": lambda: (
            _get(c, f"/api/v1/cases/{probe.pk}/"), _get(c, f"/api/v1/cases/{probe.pk}/activity/")
        ),
    }
    if floor:
        workloads["list_floor"] = lambda: _get(c, ctx.floor_list_url)
        workloads["detail_floor"] = lambda: _get(c, f"/bench-floor/cases/{probe.pk}/")
    if stock_floor:  # the same requests to the stock floor, timed in its own process
        user = ctx.agent.username
        workloads["list_stock"] = versus_stock.stock_call(stock_floor, "GET", ctx.list_url, user)
        workloads["detail_stock"] = versus_stock.stock_call(
            stock_floor, "GET", f"/api/v1/cases/{probe.pk}/?include=activity", user)
    timings = {name: [] for name in workloads}
    for name, call in workloads.items():
        for _ in range(WARMUP):
            call()
    for _ in range(iterations):
        for name, call in workloads.items():  # interleaved: API and floor share the same noise
            timings[name].append(versus_stock.timed(call))
    result = {}
    for name, call in workloads.items():
        if name.endswith("_stock"):
            result[name] = {**_summary(timings[name]), "queries": call()["queries"]}
            continue
        with CaptureQueriesContext(connection) as queries:
            answer = call()
        result[name] = {
            **_summary(timings[name]),
            "queries": len(queries),
            "sql": [q["sql"] for q in queries.captured_queries],
        }
    result["list_api"]["rows"] = len(_get(c, ctx.list_url).json()["results"])
    activity = _get(c, f"/api/v1/cases/{probe.pk}/activity/").json()
    result["detail_api_two_requests"]["journal_entries"] = len(activity["results"])
    embedded = _get(c, f"/api/v1/cases/{probe.pk}/?include=activity").json()["activity"]
    if embedded["results"] != activity["results"]:
        raise RuntimeError("The embedded timeline differs from /activity/.")
    result["detail_api"]["journal_entries"] = len(embedded["results"])
    if floor:
        result["list_floor"]["rows"] = len(_get(c, ctx.floor_list_url).json()["results"])
        result["detail_floor"]["journal_entries"] = len(answer.json()["activity"])
        result["ratios"] = {
            "list": round(result["list_api"]["median_ms"] / result["list_floor"]["median_ms"], 2),
            "detail": round(result["detail_api"]["median_ms"] / result["detail_floor"]["median_ms"], 2),
            "detail_two_requests": round(
                result["detail_api_two_requests"]["median_ms"] / result["detail_floor"]["median_ms"], 2
            ),
        }
    return result


def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def _summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95, 2)}


# --- creation ------------------------------------------------------------------------------------
def _create_service(ctx: _Context, count: int) -> dict:
    def create(i):
        return services.case_create(
            actor=ctx.agent, short_description=f"Bench service create {i}", contact=ctx.contacts[i % len(ctx.contacts)],
            assignment_group=ctx.group, impact=2, urgency=3,
        )

    create(-1)  # warm-up
    with CaptureQueriesContext(connection) as queries:
        create(-2)
    query_count = len(queries)  # now: the log is a slice of connection.queries, reset per request
    started = time.perf_counter()
    for i in range(count):
        create(i)
    elapsed = time.perf_counter() - started
    return _rate(count, elapsed, query_count)


def _create_api(ctx: _Context, count: int, floor: bool, stock_floor=None) -> dict:
    """API creation, interleaved with the floor's (API, floor, API, floor ...) like the reads, so
    the ratio holds whatever the machine's speed does meanwhile. cases/s counts the API's own
    requests only."""
    contact_ids = [contact.pk for contact in ctx.contacts]
    client = ctx.client
    urls = {"create_api": "/api/v1/cases/"}
    if floor:
        urls["create_floor"] = FLOOR_CREATE_URL
    post = {name: functools.partial(_post_case, client, url=url) for name, url in urls.items()}
    if stock_floor:
        post["create_stock"] = functools.partial(_post_stock_case, stock_floor, ctx.agent.username)
    result = {}
    for name, url in urls.items():
        _post_case(client, ctx.group.pk, contact_ids[0], -1, url=url)  # warm-up
        with CaptureQueriesContext(connection) as queries:
            _post_case(client, ctx.group.pk, contact_ids[0], -2, url=url)
        result[name] = {"queries": len(queries), "sql": [q["sql"] for q in queries.captured_queries]}
    if stock_floor:
        post["create_stock"](ctx.group.pk, contact_ids[0], -1)  # warm-up
        result["create_stock"] = {"queries": post["create_stock"](ctx.group.pk, contact_ids[0], -2)["queries"],
                                  "sql": []}
    timings = {name: [] for name in post}
    for i in range(count):
        contact_id = contact_ids[i % len(contact_ids)]
        for name, call in post.items():  # API, in-project floor, stock floor, API ...
            timings[name].append(versus_stock.timed(functools.partial(call, ctx.group.pk, contact_id, i)))
    for name in post:
        result[name] = {
            **_rate(count, sum(timings[name]) / 1000, result[name]["queries"]),
            **_summary(timings[name]),
            "sql": result[name]["sql"],
        }
    if floor:
        result["create_ratio"] = round(result["create_api"]["median_ms"] / result["create_floor"]["median_ms"], 2)
    return result


def _post_case(client, group_id, contact_id, i, url="/api/v1/cases/"):
    payload = {
        "short_description": f"Bench API create {i}", "contact": contact_id, "assignment_group": group_id,
        "impact": 2, "urgency": 3, "channel": "email",
    }
    response = client.post(url, payload, format="json")
    if response.status_code != 201:
        raise RuntimeError(f"POST {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def _post_stock_case(stock_floor, username, group_id, contact_id, i) -> dict:
    payload = {
        "short_description": f"Bench API create {i}", "contact": contact_id, "assignment_group": group_id,
        "impact": 2, "urgency": 3, "channel": "email",
    }
    answer = stock_floor.request("POST", "/api/v1/cases/", user=username, data=payload, content_type="application/json")
    if answer["status"] != 201:
        raise RuntimeError(f"stock floor POST /api/v1/cases/ answered {answer['status']}")
    return answer


def _rate(count: int, elapsed: float, queries: int) -> dict:
    return {
        "n": count,
        "seconds": round(elapsed, 2),
        "cases_per_s": round(count / elapsed, 1),
        "ms_per_case": round(elapsed * 1000 / count, 2),
        "queries": queries,
    }


def _create_api_scaling(ctx: _Context, count: int, processes: int, progress) -> list[dict]:
    """API creation from 1, 2, 4 ... P processes at once, each with its own connection: total
    cases/s over the wall time from the common start to the last finish."""
    steps = sorted({p for p in (1, 2, 4, 8, 16) if p < processes} | {processes})
    mp = multiprocessing.get_context("fork")
    rows = []
    contact_ids = [contact.pk for contact in ctx.contacts]
    for p in steps:
        connections.close_all()  # each child opens its own connection
        barrier, queue = mp.Barrier(p), mp.Queue()
        workers = [
            mp.Process(target=_create_worker, args=(ctx.agent.pk, ctx.group.pk, contact_ids, count, n, barrier, queue))
            for n in range(p)
        ]
        for w in workers:
            w.start()
        spans = [queue.get() for _ in workers]
        for w in workers:
            w.join()
        failures = [s for s in spans if "error" in s]
        if failures:
            raise RuntimeError(f"creation worker failed: {failures[0]['error']}")
        wall = max(s["end"] for s in spans) - min(s["start"] for s in spans)
        rows.append({"processes": p, "cases": p * count, "seconds": round(wall, 2), "cases_per_s": round(p * count / wall, 1)})
        progress(f"API creation with {p} process(es): {rows[-1]['cases_per_s']} cases/s")
    return rows


def _create_worker(agent_id, group_id, contact_ids, count, n, barrier, queue):
    try:
        from users.models import User

        client = _client(User.objects.get(pk=agent_id))
        _post_case(client, group_id, contact_ids[0], f"warm-up {n}")
        barrier.wait()
        start = time.time()
        for i in range(count):
            _post_case(client, group_id, contact_ids[(i + n) % len(contact_ids)], f"p{n}-{i}")
        queue.put({"start": start, "end": time.time()})
    except Exception as exc:  # reported to the parent, which raises
        queue.put({"error": repr(exc), "start": 0, "end": 0})
        try:
            barrier.abort()
        except Exception:
            pass
    finally:
        connections.close_all()


# --- report --------------------------------------------------------------------------------------
def _meta(iterations: int, creations: int) -> dict:
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
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": version,
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "iterations": iterations,
        "creations": creations,
        "debug": settings.DEBUG,
        "load_average_start": _load_average(),
    }


def _targets(result: dict) -> dict:
    checks = {
        "list_api_median_ms": result["list_api"]["median_ms"] < TARGETS["list_api_median_ms"],
        "detail_api_median_ms": result["detail_api"]["median_ms"] < TARGETS["detail_api_median_ms"],
        "create_api_cases_per_s": result["create_api"]["cases_per_s"] >= TARGETS["create_api_cases_per_s"],
    }
    for name, ratio in result.get("ratios", {}).items():
        if name in ("list", "detail", "create"):  # the two-request detail is reported, not a target
            checks[f"{name}_ratio_to_floor"] = ratio <= TARGETS["ratio_to_floor"]
    figures = result.get("stock", {}).get("figures")
    if figures:
        checks["every_ratio_to_stock_floor"] = all(row["target_met"] for row in figures.values())
    return {"targets": TARGETS, "met": checks}


def table(result: dict) -> str:
    """The human summary of a run."""
    meta = result["meta"]
    lines = [
        f"{meta['date']}  {meta['database']}  {meta['cases']:,} cases, {meta['events']:,} events  ({meta['machine']})",
        f"{'figure':<34}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'floor ms':>10}{'ratio':>7}",
    ]
    for name, floor_name, ratio_name, label in (
        ("list_api", "list_floor", "list", "list API (25 of a group's open)"),
        ("detail_api", "detail_floor", "detail", "detail API ?include=activity (20)"),
        ("detail_api_two_requests", "", "detail_two_requests", "  as 2 requests (case, /activity/)"),
    ):
        row, base = result[name], result.get(floor_name)
        ratio = result.get("ratios", {}).get(ratio_name)
        lines.append(
            f"{label:<34}{row['median_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['queries']:>9}"
            f"{(base['median_ms'] if base else float('nan')):>10.2f}{(ratio or float('nan')):>7.2f}"
        )
        if base:
            lines.append(f"{'  in-project floor (' + str(base['queries']) + ' q)':<34}{base['median_ms']:>10.2f}{base['p95_ms']:>10.2f}{base['queries']:>9}")
    for name, label in (("create_service", "create via service"), ("create_api", "create via API"),
                        ("create_floor", "  in-project floor: DRF create"),
                        ("create_stock", "  stock floor: DRF create")):
        row = result.get(name)
        if row:
            lines.append(f"{label:<34}{row['cases_per_s']:>10.1f} cases/s  ({row['ms_per_case']} ms each, {row['queries']} queries)")
    if "create" in result.get("ratios", {}):
        api, base = result["create_api"], result["create_floor"]
        lines.append(
            f"{'create via API (per request)':<34}{api['median_ms']:>10.2f}{api['p95_ms']:>10.2f}{api['queries']:>9}"
            f"{base['median_ms']:>10.2f}{result['ratios']['create']:>7.2f}"
        )
    for row in result.get("create_api_processes", []):
        lines.append(f"{'  API, ' + str(row['processes']) + ' process(es)':<34}{row['cases_per_s']:>10.1f} cases/s")
    lines.extend(stock_table(result))
    met = result["targets"]["met"]
    lines.append("targets: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in met.items()))
    return "\n".join(lines)


def stock_table(result: dict) -> list[str]:
    """Every figure against the stock floor: product ms (queries), floor ms (queries), ratio."""
    stock, meta = result.get("stock", {}), result["meta"]
    if "figures" not in stock:
        return [f"stock floor: {stock.get('skipped', 'not measured')}"]
    lines = [
        f"against the stock floor ({stock['database']}), interleaved; load average {meta['load_average_start']} "
        f"-> {meta['load_average_end']}",
        f"{'figure':<40}{'product ms (q)':>16}{'stock ms (q)':>15}{'ratio':>7}  target <= {stock['target_ratio']:g}",
    ]
    for name, row in stock["figures"].items():
        product, floor = row["product"], row["stock"]
        lines.append(
            f"{name:<40}{product['median_ms']:>10.2f} ({product['queries']:>2}){floor['median_ms']:>9.2f} "
            f"({floor['queries']:>2}){row['ratio']:>7.2f}  {'met' if row['target_met'] else 'MISSED'}"
        )
    return lines
