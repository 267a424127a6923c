"""Load tests of the production stack over HTTP (bench/README.md, "Load test of the production stack").

Two modes:
- the demo mode (bench/load/demo.py): a database of its own, dropped and created, with the demo
  data and `bench_seed` cases; N threads over the demo people's lists and creations;
      python -m bench.load [--clients 8] [--requests 2000] [--database-url postgres://.../casedesk_load_deploy]
- the bench-database mode (bench/load/seeded.py), chosen by --customers/--agents: a seeded bench
  database (`bench_seed --customer-side`), kept as it is, C customers and A agents at once, each
  signed in, against the product, the stock floor (bench/stock) or both one after the other;
      python -m bench.load --database-url postgres://.../bench --customers 50 --agents 20 --target both \\
          [--duration 60] [--warmup 10] [--rounds 1] [--requests N] [--workers 4] [--seed 42] [--json out.json]

Every answer must be what the request expects (200, 201, 302): one error fails the run (exit 1)."""
import argparse
import json
import os
import shutil
from pathlib import Path

from bench.load import demo, seeded
from bench.load.demo import MIX  # noqa: F401 (the demo mode's kinds, for its test)
from bench.load.personas import NotSeeded
from bench.load.report import print_target, side_by_side
from deploy.stack import StackError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    p.add_argument("--database-url", help="demo mode: a database of its own, dropped and created "
                   f"({demo.DEFAULT_DATABASE}); bench-database mode: the seeded bench database (kept)")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers, the same for every target (4)")
    p.add_argument("--requests", type=int, default=None,
                   help="demo: requests in all (2000); bench database: counted requests per target at most (no bound)")
    p.add_argument("--json", help="write the result here")
    demo_options = p.add_argument_group("demo mode")
    demo_options.add_argument("--clients", type=int, default=8)
    demo_options.add_argument("--time-limit", type=float, default=180.0, help="seconds of load at most (180)")
    demo_options.add_argument("--extra-cases", type=int, default=2000, help="cases added by bench_seed (2000)")
    demo_options.add_argument("--keep-database", action="store_true")
    bench = p.add_argument_group("bench-database mode")
    bench.add_argument("--customers", type=int, default=0, help="customers at once (e.g. 50)")
    bench.add_argument("--agents", type=int, default=0, help="agents at once (e.g. 20)")
    bench.add_argument("--target", choices=("product", "stock", "both"), default="product")
    bench.add_argument("--duration", type=float, default=60.0, help="counted seconds per target (60)")
    bench.add_argument("--warmup", type=float, default=10.0, help="seconds of the mix not counted first, each phase (10)")
    bench.add_argument("--rounds", type=int, default=1,
                       help="alternate the targets this many times, each phase duration/rounds (1: product, then floor)")
    bench.add_argument("--seed", type=int, default=42, help="people, cases and draws (42)")
    bench.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
                       help="the product's cache (REDIS_URL, else redis://127.0.0.1:6379/1)")
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if not (args.customers or args.agents):
        args.database_url = args.database_url or demo.DEFAULT_DATABASE
        args.requests = 2000 if args.requests is None else args.requests
        if not args.database_url.startswith("postgres"):
            raise SystemExit("the load test runs on PostgreSQL: --database-url postgres://...")
        return demo.run(args)
    if not (args.database_url or "").startswith("postgres"):
        raise SystemExit("the bench-database mode needs --database-url postgres://.../<a seeded bench database>")
    args.requests = args.requests or 0
    try:
        result = seeded.run(args)
    except (StackError, NotSeeded) as exc:
        print(f"FAILED: {exc}")
        return 1
    for target in result["targets"].values():
        print_target(target)
    if len(result["targets"]) == 2:
        result["ratios"] = side_by_side(result["targets"]["product"], result["targets"]["stock"])
    shutil.rmtree(result.pop("workdir"), ignore_errors=True)
    for target in result["targets"].values():
        target.pop("_timings")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"written to {args.json}")
    errors = sum(target["errors"] for target in result["targets"].values())
    return 1 if errors else 0
