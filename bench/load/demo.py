"""The demo mode of the load test (bench/load): gunicorn with config.settings.production on a
PostgreSQL database of its own (seed_demo plus `bench_seed` cases), driven over HTTP from
127.0.0.1 by N concurrent clients (threads, one session or token each) with a fixed mix:

    agent_workspace_list   GET /cases/                 an agent's workspace list (session)
    agent_api_list         GET /api/v1/cases/          an agent, token
    customer_portal_list   GET /portal/cases/          a customer's "My cases" (session)
    customer_api_list      GET /api/v1/cases/          a customer, token (their own cases only)
    agent_create           POST /api/v1/cases/         an agent opens a case for a contact
    customer_create        POST /api/v1/cases/         a customer opens a case for themselves

Every answer must be a success (2xx; the workspace and portal lists 200): any error fails the
run. Reports p50/p95/max per kind and overall, and the throughput.

    python -m bench.load                       # 8 clients, 2,000 requests, database casedesk_load_deploy
    python -m bench.load --clients 8 --requests 3000 --json bench/load-result.json
    python -m bench.load --database-url postgres://postgres@127.0.0.1:5432/other_load --keep-database

The database is dropped and created again (one of its own, its name containing "load")."""
import datetime
import json
import os
import platform
import random
import re
import shutil
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import psycopg

from bench.load.report import summary
from deploy.stack import Client, ProductionStack, StackError

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/casedesk_load_deploy"
PASSWORD = "demo1234"
AGENTS = ("alice", "bob", "maria")
CUSTOMERS = ("dana", "carl", "erin")
# The pages issue 14 found answering 500 in production (no static manifest): each must answer 200
# to an anonymous visitor, and the static files it names must resolve.
SMOKE_PAGES = ("/login/", "/portal/login/", "/portal/register/", "/admin/login/", "/api/v1/docs/")
MIX = {  # kind: weight (of 100)
    "agent_workspace_list": 25,
    "agent_api_list": 25,
    "customer_portal_list": 20,
    "customer_api_list": 20,
    "agent_create": 5,
    "customer_create": 5,
}


def recreate_database(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name in ("test", "postgres"):
        raise SystemExit(f"refusing to drop the database {name!r}: give the load test one of its own")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{parts.path.lstrip("/")}" WITH (FORCE)')


class Load:
    def __init__(self, base_url: str, *, clients: int, requests: int, time_limit: float, seed: int = 42):
        self.base_url, self.clients, self.total, self.time_limit = base_url, clients, requests, time_limit
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.issued = 0
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []

    def setup(self) -> None:
        """One browser session and one API token per demo person; the ids a creation needs."""
        self.sessions, self.tokens = {}, {}
        for username in AGENTS + CUSTOMERS:
            session = Client(self.base_url)
            session.login(username, PASSWORD)
            api = Client(self.base_url)
            api.obtain_token(username, PASSWORD)
            self.sessions[username], self.tokens[username] = session.cookies, api.token
        agent = self._api("alice")
        groups = agent.get("/api/v1/assignment-groups/", headers={"Accept": "application/json"}).json()["results"]
        contacts = agent.get("/api/v1/contacts/?search=dana", headers={"Accept": "application/json"}).json()["results"]
        if not groups or not contacts:
            raise StackError("the demo data has no assignment group or no contact named Dana")
        self.group_id, self.contact_id = groups[0]["id"], contacts[0]["id"]

    def _api(self, username: str) -> Client:
        return Client(self.base_url, token=self.tokens[username])

    def _session(self, username: str) -> Client:
        return Client(self.base_url, cookies=dict(self.sessions[username]))

    def one(self, kind: str, n: int):
        json_accept = {"Accept": "application/json"}
        if kind == "agent_workspace_list":
            return self._session(AGENTS[n % len(AGENTS)]).get("/cases/"), 200
        if kind == "agent_api_list":
            return self._api(AGENTS[n % len(AGENTS)]).get("/api/v1/cases/", headers=json_accept), 200
        if kind == "customer_portal_list":
            return self._session(CUSTOMERS[n % len(CUSTOMERS)]).get("/portal/cases/"), 200
        if kind == "customer_api_list":
            return self._api(CUSTOMERS[n % len(CUSTOMERS)]).get("/api/v1/cases/", headers=json_accept), 200
        if kind == "agent_create":
            payload = {"short_description": f"Load test case {n}", "contact": self.contact_id,
                       "assignment_group": self.group_id, "impact": 2, "urgency": 3, "channel": "email"}
            return self._api(AGENTS[n % len(AGENTS)]).post_json("/api/v1/cases/", payload), 201
        payload = {"short_description": f"Load test: my printer {n}", "description": "It stopped printing."}
        return self._api("dana").post_json("/api/v1/cases/", payload), 201

    def worker(self, kinds: list[str], deadline: float) -> None:
        while time.monotonic() < deadline:
            with self.lock:
                if self.issued >= self.total:
                    return
                n = self.issued
                self.issued += 1
            kind = kinds[n]
            try:
                answer, expected = self.one(kind, n)
            except OSError as exc:
                with self.lock:
                    self.errors.append(f"{kind} #{n}: no answer ({exc})")
                continue
            with self.lock:
                self.timings[kind].append(answer.elapsed_ms)
                if answer.status != expected:
                    self.errors.append(f"{kind} #{n}: {answer.status} (expected {expected}) {answer.text[:200]!r}")

    def run(self) -> dict:
        weighted = [kind for kind, weight in MIX.items() for _ in range(weight)]
        kinds = [self.random.choice(weighted) for _ in range(self.total)]
        deadline = time.monotonic() + self.time_limit
        started = time.monotonic()
        threads = [threading.Thread(target=self.worker, args=(kinds, deadline)) for _ in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        everything = [ms for values in self.timings.values() for ms in values]
        done = len(everything)
        return {
            "clients": self.clients,
            "requests": done,
            "planned": self.total,
            "seconds": round(elapsed, 1),
            "requests_per_s": round(done / elapsed, 1) if elapsed else 0.0,
            "errors": len(self.errors),
            "not_sent": self.total - self.issued,  # the time limit came first
            "error_samples": self.errors[:20],
            "overall": summary(everything),
            "by_kind": {kind: summary(values) for kind, values in sorted(self.timings.items())},
        }


def smoke(base_url: str) -> list[str]:
    """The anonymous pages and their static files; the problems found."""
    client, problems, static = Client(base_url), [], set()
    for path in SMOKE_PAGES:
        answer = client.get(path)
        if answer.status != 200:
            problems.append(f"GET {path}: {answer.status}")
        static.update(re.findall(r"""(?:src|href)=["'](/static/[^"'#?\s]+)""", answer.text))
    for url in sorted(static):
        status = client.get(url).status
        if status != 200:
            problems.append(f"GET {url}: {status}")
    if not static:
        problems.append("the pages name no static file")
    return problems


def print_report(result: dict) -> None:
    meta = result["meta"]
    print(f"\n{result['requests']} requests by {result['clients']} clients in {result['seconds']} s "
          f"({result['requests_per_s']} req/s), errors: {result['errors']}")
    print(f"gunicorn {meta['workers']} workers, production settings, {meta['database']}, {meta['cases']} cases")
    print(f"  {'kind':<22} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, row in [*result["by_kind"].items(), ("overall", result["overall"])]:
        if row.get("count"):
            print(f"  {kind:<22} {row['count']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")
    print(f"  anonymous pages {', '.join(SMOKE_PAGES)}: "
          f"{'; '.join(result['smoke_problems']) or 'all 200, static files resolve'}")
    for line in result["error_samples"]:
        print(f"  error: {line}")


def run(args) -> int:
    """The demo mode: a database of its own, dropped and created again (its name must say "load")."""
    name = urllib.parse.urlsplit(args.database_url).path.lstrip("/")
    if "load" not in name:
        raise SystemExit(f"refusing to drop and create {name!r}: the demo mode takes a database of its own named "
                         "*load* (to load-test a seeded bench database, keeping it, give --customers/--agents)")
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    recreate_database(args.database_url)
    stack = ProductionStack(workdir, database_url=args.database_url, workers=args.workers)
    try:
        print(f"load: the production stack in {workdir}, database {args.database_url}")
        stack.prepare()
        if args.extra_cases:
            stack.manage("bench_seed", "--cases", str(args.extra_cases), "--journal", "2")
        stack.start()
        load = Load(stack.base_url, clients=args.clients, requests=args.requests, time_limit=args.time_limit)
        load.setup()
        result = load.run()
        result["smoke_problems"] = smoke(stack.base_url)
        cases = int(stack.manage("shell", "-c", "from cases.models import Case; print(Case.objects.count())")
                    .strip().splitlines()[-1])
    except StackError as exc:
        print(f"FAILED: {exc}")
        return 1
    finally:
        stack.stop()
        if not args.keep_database:
            drop_database(args.database_url)
    result["meta"] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "database": "PostgreSQL", "cases": cases, "workers": args.workers,
        "python": platform.python_version(), "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": os.getloadavg()[0],
    }
    print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"written to {args.json}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if result["errors"] or result["smoke_problems"] else 0
