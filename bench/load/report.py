"""Figures of the load test: percentiles, per-kind summaries, and the tables printed (one target,
or the product beside the stock floor with the ratios)."""
import statistics


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def summary(values: list[float], *, seconds: float | None = None, errors: int | None = None) -> dict:
    if not values:
        return {"count": 0, **({"errors": errors} if errors is not None else {})}
    row = {"count": len(values), "p50_ms": round(statistics.median(values), 1),
           "p95_ms": round(percentile(values, 0.95), 1), "p99_ms": round(percentile(values, 0.99), 1),
           "max_ms": round(max(values), 1)}
    if seconds:
        row["requests_per_s"] = round(len(values) / seconds, 1)
    if errors is not None:
        row["errors"] = errors
    return row


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


COLUMNS = ("count", "requests_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "errors")
HEAD = f"{'count':>6} {'req/s':>7} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'err':>4}"


def _cells(row: dict | None) -> str:
    if not row or not row.get("count"):
        return f"{'-':>6} {'':>7} {'':>7} {'':>7} {'':>7} {'':>7} {(row or {}).get('errors', 0):>4}"
    return (f"{row['count']:>6} {row.get('requests_per_s', ''):>7} {row['p50_ms']:>7} {row['p95_ms']:>7} "
            f"{row['p99_ms']:>7} {row['max_ms']:>7} {row.get('errors', 0):>4}")


def print_target(result: dict) -> None:
    print(f"\n{result['target']}: {result['requests']} requests in {result['seconds']} s "
          f"({result['requests_per_s']} req/s) by {result['customers']} customers and {result['agents']} agents, "
          f"errors: {result['errors']}")
    print(f"  {result['server']}")
    print(f"  client CPU {result['client_cpu_percent']} % of a core; server (gunicorn) CPU "
          f"{result['server_cpu_ms_per_request']} ms per request; database connections opened while counted: "
          f"{result['database_sessions_opened']}; load average {result['load_average_before']} before, "
          f"{result['load_average_after']} after")
    print(f"  {'kind (ms)':<26} {HEAD}")
    for kind, row in [*result["by_kind"].items(), ("overall", result["overall"]), ("(sign-in, not counted)", result["sign_in"])]:
        print(f"  {kind:<26} {_cells(row)}")
    for kind, answer in result.get("not_served", {}).items():
        print(f"  not served, left out ({result['skipped']} draws skipped in all): {kind}: {answer}")
    for line in result["error_samples"]:
        print(f"  error: {line}")


def side_by_side(product: dict, stock: dict) -> dict:
    """Prints the two targets kind by kind with the ratios (product / floor); returns the ratios."""
    kinds = [*dict.fromkeys([*product["by_kind"], *stock["by_kind"]]), "overall"]
    print(f"\nproduct beside the stock floor ({product['workers']} gunicorn workers each; ratio = product / floor)")
    print(f"  {'kind (ms)':<24} {'product ' + HEAD:<62} | {'floor ' + HEAD:<60} | {'req/s':>6} {'p95':>6}")
    ratios = {}
    for kind in kinds:
        a = product["overall"] if kind == "overall" else product["by_kind"].get(kind)
        b = stock["overall"] if kind == "overall" else stock["by_kind"].get(kind)
        throughput = ratio((a or {}).get("requests_per_s"), (b or {}).get("requests_per_s"))
        p95 = ratio((a or {}).get("p95_ms"), (b or {}).get("p95_ms"))
        ratios[kind] = {"throughput": throughput, "p95": p95}
        print(f"  {kind:<24} {'':>8}{_cells(a)} | {'':>6}{_cells(b)} | {throughput or '-':>6} {p95 or '-':>6}")
    if stock.get("not_served"):
        # The floor left some kinds out: compare the product on the kinds both served as well.
        both = [ms for kind, values in product["_timings"].items() if kind not in stock["not_served"] for ms in values]
        common = summary(both, seconds=product["seconds"], errors=None)
        ratios["overall_served_by_both"] = {"throughput": ratio(common.get("requests_per_s"), stock["requests_per_s"]),
                                            "p95": ratio(common.get("p95_ms"), stock["overall"].get("p95_ms"))}
        print(f"  {'overall, both served':<24} {'':>8}{_cells(common)} | {'':>6}{_cells(stock['overall'])} | "
              f"{ratios['overall_served_by_both']['throughput'] or '-':>6} {ratios['overall_served_by_both']['p95'] or '-':>6}")
        print(f"  the floor does not serve: {', '.join(stock['not_served'])} (left out of its run, same draws otherwise)")
    print(f"  throughput: product {product['requests_per_s']} req/s, floor {stock['requests_per_s']} req/s "
          f"(x{ratios['overall']['throughput']}); p95 x{ratios['overall']['p95']}")
    return ratios
