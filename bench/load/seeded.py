"""The load test on a seeded bench database (bench/README.md, "Load test of the production stack"):
C customers and A agents at once, each signed in through the sign-in form (and holding an API
token), each doing its mix without pause until the duration or the request budget is spent,
against the product (gunicorn, `config.settings.production`, the Redis cache, persistent database
connections) and/or the stock floor (gunicorn, `bench.stock.wsgi:application`, its `_stock`
database), one after the other (or alternating, `--rounds`), with the same people, cases and
draws (same seed): both servers are up and everybody is signed in on each before anything counts.

The database is never dropped, migrated or reseeded; the run adds comments, work notes and cases
("Load test ..." subjects) to it, as people would."""
import asyncio
import concurrent.futures
import datetime
import os
import platform
import random
import tempfile
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

import psycopg

from bench.load import personas as people_mod
from bench.load.http import Person
from bench.load.report import summary
from deploy.stack import ProductionStack, StackError

PASSWORD = "bench-password"
CUSTOMER_MIX = {  # kind: weight
    "customer_portal_home": 15,
    "customer_my_cases": 20,
    "customer_my_cases_open": 10,
    "customer_case_page": 20,
    "customer_comment": 10,
    "customer_api_list": 15,
    "customer_create": 10,
}
AGENT_MIX = {
    "agent_workspace_list": 25,
    "agent_record_page": 30,
    "agent_journal": 15,
    "agent_api_list": 20,
    "agent_create": 10,
}
EXPECTED = {"customer_comment": (302, 303), "agent_journal": (302, 303), "customer_create": (201,),
            "agent_create": (201,)}  # everything else: 200


def run_async(coroutine):
    """`asyncio.run`, also from a thread whose event loop is already running (a test process where
    Playwright's sync API holds one open): then in a thread of its own, with a fresh loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# --- the two servers ---------------------------------------------------------------------------
def product_stack(workdir: Path, database_url: str, *, workers: int, redis_url: str) -> ProductionStack:
    """The README's scale-out recipe: production settings, Redis cache, one trusted proxy in front
    (X-Forwarded-For names the person), DATABASE_CONN_MAX_AGE as the environment or the settings say."""
    return ProductionStack(workdir, database_url=database_url, workers=workers,
                           extra_env={"REDIS_URL": redis_url, "TRUSTED_PROXY_COUNT": "1"})


def stock_stack(workdir: Path, database_url: str, *, workers: int, conn_max_age: str) -> ProductionStack:
    return ProductionStack(workdir, database_url=database_url, workers=workers, app="bench.stock.wsgi:application",
                           health_path="/login/",
                           extra_env={"DJANGO_SETTINGS_MODULE": "bench.stock.settings",
                                      "DATABASE_CONN_MAX_AGE": conn_max_age})


def stock_database_url(database_url: str) -> str:
    explicit = os.environ.get("STOCK_DATABASE_URL")
    if explicit:
        return explicit
    parts = urllib.parse.urlsplit(database_url)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "_stock"))


def check_stock_database(url: str, usernames: list[str]) -> None:
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            found = {row[0] for row in conn.execute("SELECT username FROM auth_user WHERE username = ANY(%s)",
                                                    [usernames])}
    except psycopg.Error as exc:
        raise StackError(f"the stock floor's database {url} is not usable ({exc}): python -m bench.stock seed") from exc
    missing = sorted(set(usernames) - found)
    if missing:
        raise StackError(f"the stock floor's database lacks {len(missing)} of the people ({', '.join(missing[:5])}...): "
                         "seed it again after the product's (python -m bench.stock seed)")


def gunicorn_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) of gunicorn's master and workers so far, from /proc (0 elsewhere)."""
    tick, total = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100, 0.0
    try:
        pids = os.listdir("/proc")
    except OSError:
        return 0.0
    for pid in pids:
        if not pid.isdigit():
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(pid) == master_pid or int(fields[1]) == master_pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def database_sessions(database_url: str) -> int | None:
    """Sessions opened on that database so far (pg_stat_database.sessions, PostgreSQL 14+), read
    from the server's `postgres` database so that reading it opens none on the measured one."""
    parts = urllib.parse.urlsplit(database_url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            row = conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = %s",
                               [parts.path.lstrip("/")]).fetchone()
    except psycopg.Error:
        return None
    return row[0] if row else None


# --- one target --------------------------------------------------------------------------------
class Run:
    def __init__(self, host: str, port: int, personas: list, contacts: list[int], *, scheme: str, seed: int,
                 sign_in_concurrency: int, probe: bool = False):
        self.personas, self.contacts, self.seed = personas, contacts, seed
        self.probe = probe  # the floor: kinds it refuses (403/404/405) are left out, and reported
        self.not_served: dict[str, str] = {}
        self.skipped = 0
        self.sign_in_concurrency = sign_in_concurrency
        # Each person's draws: the same sequence on every target, continued from phase to phase.
        self.rngs = [random.Random(seed * 100_003 + i) for i in range(len(personas))]
        self.draws = [0] * len(personas)
        # Addresses 10.x.y.z, one per person, as the proxy would report them.
        self.people = [Person(host, port, username=p.username, address=f"10.{15 + i // 60000}.{i // 250 % 240}.{i % 250 + 1}",
                              scheme=scheme) for i, p in enumerate(personas)]
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.errors_by_kind: dict[str, int] = defaultdict(int)
        self.errors: list[str] = []
        self.sign_in_ms: list[float] = []
        self.counted = 0

    async def sign_in_everybody(self) -> None:
        gate = asyncio.Semaphore(self.sign_in_concurrency)

        async def one(person: Person):
            async with gate:
                for answer in await person.sign_in(PASSWORD):
                    self.sign_in_ms.append(answer.elapsed_ms)

        await asyncio.gather(*(one(person) for person in self.people))

    async def find_not_served(self) -> None:
        """One request of each kind (not counted; its own draws): the floor may not serve all."""
        rng = random.Random(self.seed - 1)
        for kind in [*CUSTOMER_MIX, *AGENT_MIX]:
            index = next((i for i, p in enumerate(self.personas) if kind in self.mix_of(p)[0]), None)
            if index is None:
                continue
            answer = await self.act(kind, self.personas[index], self.people[index], rng, -1)
            if answer.status in (403, 404, 405):
                self.not_served[kind] = f"{answer.status} {answer.text[:120]}"

    async def act(self, kind: str, persona, person: Person, rng: random.Random, n: int):
        if kind == "customer_portal_home":
            return await person.get("/portal/")
        if kind == "customer_my_cases":
            return await person.get("/portal/cases/")
        if kind == "customer_my_cases_open":
            return await person.get("/portal/cases/?status=open")
        if kind == "customer_case_page":
            return await person.get(f"/portal/cases/{rng.choice(persona.cases)}/")
        if kind == "customer_comment":
            return await person.post_form(f"/portal/cases/{rng.choice(persona.commentable)}/comment/",
                                          {"body": f"Load test comment {n}: still happening this morning."})
        if kind == "customer_api_list":
            return await person.get("/api/v1/cases/", api=True)
        if kind == "customer_create":
            return await person.post_api("/api/v1/cases/", {
                "short_description": f"{people_mod.CREATED_PREFIX}: my printer {n}",
                "description": "It stopped printing after the update.", "urgency": 3})
        if kind == "agent_workspace_list":
            return await person.get("/cases/?view=all_open")
        if kind == "agent_record_page":
            return await person.get(f"/cases/{rng.choice(persona.cases)}/")
        if kind == "agent_journal":
            which = "comment" if n % 2 else "work_note"
            return await person.post_form(f"/cases/{rng.choice(persona.commentable)}/journal/",
                                          {"kind": which, "body": f"Load test {which.replace('_', ' ')} {n}."})
        if kind == "agent_api_list":
            return await person.get(f"/api/v1/cases/?assignment_group={persona.group_id}&state_category=open", api=True)
        if kind == "agent_create":
            return await person.post_api("/api/v1/cases/", {
                "contact": rng.choice(self.contacts), "assignment_group": persona.group_id, "impact": 2,
                "urgency": 3, "short_description": f"{people_mod.CREATED_PREFIX} case {n}",
                "description": "Opened by the load test."})
        raise ValueError(kind)

    def mix_of(self, persona) -> tuple[list[str], list[int]]:
        mix = dict(CUSTOMER_MIX if persona.role == "customer" else AGENT_MIX)
        if not persona.creates:
            mix.pop("customer_create")
        if not persona.commentable:
            mix.pop("customer_comment" if persona.role == "customer" else "agent_journal")
        if not persona.cases:
            mix.pop("customer_case_page" if persona.role == "customer" else "agent_record_page")
        return list(mix), list(mix.values())

    async def client(self, index: int, counted_from: float, deadline: float, budget: int) -> None:
        persona, person, rng = self.personas[index], self.people[index], self.rngs[index]
        kinds, weights = self.mix_of(persona)
        while time.monotonic() < deadline and not (budget and self.counted >= budget):
            kind = rng.choices(kinds, weights)[0]
            self.draws[index] += 1
            n = self.draws[index]
            if kind in self.not_served:  # the same draws as on the product, this kind left out
                self.skipped += 1
                await asyncio.sleep(0)
                continue
            started = time.monotonic()
            label = f"{kind} #{index}.{n} ({persona.username})"
            try:
                answer = await self.act(kind, persona, person, rng, index * 1_000_000 + n)
            except (OSError, asyncio.TimeoutError, ValueError) as exc:
                self.errors_by_kind[kind] += 1
                self.errors.append(f"{label}: no answer ({exc!r})")
                continue
            if answer.status not in EXPECTED.get(kind, (200,)):
                self.errors_by_kind[kind] += 1
                self.errors.append(f"{label}: {answer.status} {answer.text[:200]!r}")
            elif started >= counted_from:
                self.timings[kind].append(answer.elapsed_ms)
                self.counted += 1

    async def prepare(self) -> None:
        """Everybody signs in; on the floor, the kinds it does not serve are found."""
        await self.sign_in_everybody()
        if self.probe:
            await self.find_not_served()

    async def phase(self, warmup: float, duration: float, budget: int, on_measure_start=lambda: None) -> float:
        """The mix: `warmup` seconds not counted, then `duration` seconds counted (or until `budget`
        requests are counted in all phases). Each person's draws go on where the last phase left
        them. Returns the counted seconds."""
        counted_from = time.monotonic() + warmup
        loop = asyncio.get_running_loop()
        loop.call_at(loop.time() + warmup, on_measure_start)
        await asyncio.gather(*(self.client(i, counted_from, counted_from + duration, budget)
                               for i in range(len(self.people))))
        return time.monotonic() - counted_from


class Target:
    """One server (product or floor), its people signed in, and what its phases added up to."""

    def __init__(self, name: str, stack: ProductionStack, personas, contacts, *, scheme: str, options,
                 database_url: str):
        self.name, self.stack, self.options, self.database_url = name, stack, options, database_url
        self.run = Run("127.0.0.1", stack.port, personas, contacts, scheme=scheme, seed=options.seed,
                       sign_in_concurrency=options.workers, probe=name == "stock")
        self.seconds = self.client_cpu = self.server_cpu = 0.0
        self.sessions: int | None = 0
        self.load_averages: list[float] = []

    def phase(self, *, warmup: float, duration: float, budget: int) -> None:
        marks: dict = {}

        def measure_start():
            marks["client"], marks["server"] = time.process_time(), gunicorn_cpu_seconds(self.stack.process.pid)
            marks["sessions"] = database_sessions(self.database_url)

        self.load_averages.append(round(os.getloadavg()[0], 2))
        seconds = run_async(self.run.phase(warmup, duration, budget, measure_start))
        self.load_averages.append(round(os.getloadavg()[0], 2))
        if "client" not in marks:  # the budget was spent before this phase counted anything
            return
        self.seconds += seconds
        self.client_cpu += time.process_time() - marks["client"]
        self.server_cpu += gunicorn_cpu_seconds(self.stack.process.pid) - marks["server"]
        after = database_sessions(self.database_url)
        if after is None or marks["sessions"] is None or self.sessions is None:
            self.sessions = None
        else:
            self.sessions += after - marks["sessions"]

    def result(self) -> dict:
        run, seconds = self.run, self.seconds
        everything = [ms for values in run.timings.values() for ms in values]
        errors = sum(run.errors_by_kind.values())
        return {
            "target": self.name,
            "customers": sum(p.role == "customer" for p in run.personas),
            "agents": sum(p.role == "agent" for p in run.personas),
            "workers": self.options.workers,
            "server": self.stack.description,
            "seconds": round(seconds, 1),
            "requests": len(everything),
            "requests_per_s": round(len(everything) / seconds, 1) if seconds > 0 else 0.0,
            "errors": errors,
            "error_samples": run.errors[:20],
            "overall": summary(everything, seconds=seconds, errors=errors),
            "by_kind": {kind: summary(run.timings.get(kind, []), seconds=seconds,
                                      errors=run.errors_by_kind.get(kind, 0))
                        for kind in [*CUSTOMER_MIX, *AGENT_MIX]
                        if run.timings.get(kind) or run.errors_by_kind.get(kind)},
            "sign_in": summary(run.sign_in_ms),
            "_timings": dict(run.timings),  # for the side-by-side comparison; not written to the JSON
            "not_served": run.not_served,  # kinds the floor refused once, then left out (draws kept)
            "skipped": run.skipped,
            "client_cpu_percent": round(100 * self.client_cpu / seconds, 1) if seconds > 0 else None,
            "server_cpu_ms_per_request": round(1000 * self.server_cpu / len(everything), 1) if everything else None,
            # Database connections opened while counted: a few (one per worker a minute at most) when kept.
            "database_sessions_opened": self.sessions,
            "load_average_before": self.load_averages[0] if self.load_averages else None,
            "load_average_after": self.load_averages[-1] if self.load_averages else None,
            "load_averages": self.load_averages,  # before and after each phase
        }


def start_target(name: str, database_url: str, personas, contacts, options, workdir: Path) -> Target:
    if name == "product":
        stack = product_stack(workdir / "product", database_url, workers=options.workers, redis_url=options.redis_url)
        stack.manage("collectstatic", "--noinput", "-v", "0")
        try:
            stack.manage("migrate", "--check", "-v", "0")
        except StackError as exc:
            raise StackError(f"the bench database lacks migrations of this code: run migrate on it first\n{exc}") from exc
        conn_max_age = stack.env.get("DATABASE_CONN_MAX_AGE", "60 (the production default)")
        stack.description = (f"gunicorn {options.workers} sync workers, config.settings.production, "
                             f"cache {options.redis_url}, DATABASE_CONN_MAX_AGE {conn_max_age}")
        scheme, measured = "https", database_url
    else:
        measured = stock_database_url(database_url)
        check_stock_database(measured, sorted({p.username for p in personas}))
        conn_max_age = os.environ.get("DATABASE_CONN_MAX_AGE", "60")
        stack = stock_stack(workdir / "stock", database_url, workers=options.workers, conn_max_age=conn_max_age)
        stack.description = (f"gunicorn {options.workers} sync workers, bench.stock.settings on "
                             f"{urllib.parse.urlsplit(measured).path.lstrip('/')}, DATABASE_CONN_MAX_AGE {conn_max_age}")
        scheme = "http"
    stack.start()
    try:
        target = Target(name, stack, personas, contacts, scheme=scheme, options=options, database_url=measured)
        run_async(target.run.prepare())
    except BaseException:
        stack.stop()
        raise
    return target


def run(options) -> dict:
    """Every target asked for: both servers up and everybody signed in on each, then the counted
    phases one after the other (product, floor; `--rounds` times, each a share of `--duration`);
    the result (raises StackError)."""
    database_url = options.database_url
    personas, contacts = people_mod.pick(database_url, customers=options.customers, agents=options.agents,
                                         seed=options.seed)
    with psycopg.connect(database_url, autocommit=True) as conn:
        cases = conn.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'cases_case'").fetchone()[0]
    names = ["product", "stock"] if options.target == "both" else [options.target]
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    targets: list[Target] = []
    rounds = max(1, options.rounds)
    try:
        for name in names:
            print(f"load: {name}: gunicorn up, {options.customers} customers and {options.agents} agents signing in")
            targets.append(start_target(name, database_url, personas, contacts, options, workdir))
        for round_number in range(rounds):
            for target in targets:  # product, floor, product, floor ... with --rounds
                print(f"load: {target.name}, round {round_number + 1} of {rounds}: {options.warmup:.0f} s warm-up, "
                      f"then {options.duration / rounds:.0f} s counted"
                      + (f" (at most {options.requests} requests in all)" if options.requests else ""))
                target.phase(warmup=options.warmup, duration=options.duration / rounds,
                             budget=round(options.requests * (round_number + 1) / rounds) if options.requests else 0)
    finally:
        for target in targets:
            target.stack.stop()
    results = {target.name: target.result() for target in targets}
    return {
        "meta": {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "database": urllib.parse.urlsplit(database_url).path.lstrip("/"), "cases_estimate": cases,
            "customers": options.customers, "agents": options.agents, "workers": options.workers,
            "duration_s": options.duration, "warmup_s": options.warmup, "requests_budget": options.requests,
            "rounds": rounds,
            "seed": options.seed, "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "people": [p.as_dict() for p in personas],
        },
        "targets": results,
        "workdir": str(workdir),
    }
