"""bench_run's figures against the stock floor (bench/stock/, bench/README.md "The stock floor"):
the product's request and the floor's, interleaved request by request (product, floor, product,
floor ...), each timed in its own process the same way (django.test's client, session login
through `force_login`), so a noisy neighbour slows both alike.

`run.py` measures the API list, detail and creation with the floor beside its own in-project
floors; this module adds every customer read for each persona of `bench/customer_side.py` and the
agent's HTML pages (the list of all open cases, the record page and a comment posted from it as
htmx sends it: rolled back on both sides, so the probe keeps its entries from run to run), and
assembles the one table of product against floor. PostgreSQL only: the floor is a second
database on the same server."""
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.stock.client import StockFloor, stock_database_exists
from bench.stock.dburl import stock_database_url, url_from_settings

TARGET_RATIO = 2.0
WARMUP = 5
SEARCH_WORD = "router"  # one of the bench subjects' words ("Router drops the connection every hour")
HTMX = {"HTTP_HX_REQUEST": "true"}


class _Rollback(Exception):
    pass


def floor_database_url() -> str:
    return stock_database_url(url_from_settings(connection.settings_dict))


def availability(requested: bool | None) -> str | None:
    """None when the floor can be measured, else why not. `requested` None: when its database
    exists; True: it must (an error otherwise); False: skipped."""
    if requested is False:
        return "skipped (--no-stock)"
    if connection.vendor != "postgresql":
        if requested:
            raise RuntimeError("the stock floor is PostgreSQL only")
        return f"skipped: the stock floor is PostgreSQL only (this is {connection.vendor})"
    if not stock_database_exists(url_from_settings(connection.settings_dict)):
        if requested:
            raise RuntimeError(f"no stock floor database at {floor_database_url()}: run `python -m bench.stock seed`")
        return "skipped: no stock floor database (python -m bench.stock seed)"
    return None


def open_floor() -> StockFloor:
    return StockFloor(database_url=floor_database_url())


def stock_call(floor: StockFloor, method: str, path: str, user: str, **kwargs) -> Callable[[], dict]:
    def call():
        answer = floor.request(method, path, user=user, **kwargs)
        if answer["status"] not in (200, 201, 302):
            raise RuntimeError(f"stock floor {method} {path} as {user} answered {answer['status']}")
        return answer
    return call


def summary(ms: list[float]) -> dict:
    from bench.run import _summary

    return _summary(ms)


def pair(product: dict, stock: dict) -> dict:
    """One row of the comparison: both sides' median, p95 and queries, and the ratio."""
    keep = ("median_ms", "p95_ms", "queries")
    ratio = round(product["median_ms"] / stock["median_ms"], 2) if stock["median_ms"] else None
    return {"product": {k: product[k] for k in keep}, "stock": {k: stock[k] for k in keep}, "ratio": ratio,
            "target_met": ratio is not None and ratio <= TARGET_RATIO}


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    out = call()
    elapsed = (time.perf_counter() - started) * 1000
    return (out["ms"] if isinstance(out, dict) and "ms" in out else elapsed), out


def timed(call) -> float:
    """ms of one call: the floor's own in-process time for a floor request (its answer's "ms"), the
    wall time here for the product's."""
    return _timed(call)[0]


def interleaved(pairs: dict[str, tuple[Callable, Callable]], iterations: int) -> dict:
    """{name: pair row} for (product call, floor call) pairs, timed product, floor, product ..."""
    for product, stock in pairs.values():
        for _ in range(WARMUP):
            product()
            stock()
    timings = {name: ([], []) for name in pairs}
    for _ in range(iterations):
        for name, (product, stock) in pairs.items():
            timings[name][0].append(_timed(product)[0])
            timings[name][1].append(_timed(stock)[0])
    rows = {}
    for name, (product, stock) in pairs.items():
        with CaptureQueriesContext(connection) as queries:
            product()
        product_side = {**summary(timings[name][0]), "queries": len(queries)}
        stock_side = {**summary(timings[name][1]), "queries": stock()["queries"]}
        rows[name] = pair(product_side, stock_side)
    return rows


def _get(client, path: str, **extra) -> Callable[[], object]:
    def call():
        response = client.get(path, **extra)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}: {response.content[:200]!r}")
        return response
    return call


def customer_pairs(floor: StockFloor) -> dict[str, tuple[Callable, Callable]]:
    """Every customer read for each persona: portal home, My cases (all, open, a search), the case
    page of their most recently updated case, and the customer API's list and that case."""
    from bench.customer_side import personas
    from cases.models import Case
    from cases.permissions import case_scope_q

    pairs = {}
    for persona, user in personas().items():
        client = Client()
        client.force_login(user)
        case = Case.objects.filter(case_scope_q(user)).order_by("-updated_at", "-id").only("pk", "number").first()
        if case is None:
            raise RuntimeError(f"the bench {persona} has no case: run bench_seed --customer-side")
        paths = {
            "portal_home": "/portal/",
            "my_cases": "/portal/cases/",
            "my_cases_open": "/portal/cases/?status=open",
            "my_cases_search": f"/portal/cases/?q={SEARCH_WORD}",
            "portal_case": f"/portal/cases/{case.number}/",
            "customer_api_list": "/api/v1/cases/",
            "customer_api_detail": f"/api/v1/cases/{case.pk}/",
        }
        for page, path in paths.items():
            pairs[f"{page}.{persona}"] = (_get(client, path), stock_call(floor, "GET", path, user.username))
    return pairs


def agent_html_pairs(floor: StockFloor, agent, probe) -> dict[str, tuple[Callable, Callable]]:
    client = Client()
    client.force_login(agent)
    return {
        "agent_list_all_open": (_get(client, "/cases/?view=all_open"),
                                stock_call(floor, "GET", "/cases/?view=all_open", agent.username)),
        "record_page": (_get(client, f"/cases/{probe.number}/"),
                        stock_call(floor, "GET", f"/cases/{probe.number}/", agent.username)),
    }


def comment_posts(floor: StockFloor, agent, probe, iterations: int) -> dict:
    """POST /cases/<probe>/journal/ as htmx sends it, product then floor, each side in a
    transaction rolled back at the end."""
    client = Client()
    client.force_login(agent)
    path = f"/cases/{probe.number}/journal/"
    times, query_counts = ([], []), [None, None]
    floor.begin()
    try:
        with transaction.atomic():
            for i in range(WARMUP + iterations + 1):
                data = {"kind": "comment", "body": f"Bench comment {i}: we are looking into it."}
                last = i == WARMUP + iterations
                if last:  # the query count, on one extra request that is not timed
                    with CaptureQueriesContext(connection) as captured:
                        response = client.post(path, data, **HTMX)
                else:
                    ms, response = _timed(lambda: client.post(path, data, **HTMX))  # noqa: B023
                if response.status_code != 200:
                    raise RuntimeError(f"POST {path} answered {response.status_code}: {response.content[:200]!r}")
                ms_floor, answer = _timed(stock_call(floor, "POST", path, agent.username, data=data,
                                                     headers={"HX-Request": "true"}))
                if last:
                    query_counts = [len(captured), answer["queries"]]
                elif i >= WARMUP:
                    times[0].append(ms)
                    times[1].append(ms_floor)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        floor.rollback()
    row = pair({**summary(times[0]), "queries": query_counts[0]}, {**summary(times[1]), "queries": query_counts[1]})
    row["rolled_back"] = True
    return row
