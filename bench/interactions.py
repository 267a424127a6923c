"""The agent's inbox and the interactions pages, measured in-process against the bench database
(bench/README.md, "Interactions"): `run(iterations=..., interactions=..., progress=...) -> dict`.

Everything happens inside one transaction that is rolled back at the end, so the bench database
is left as it was: `interactions` interactions bulk-inserted across the bench groups and agents
(a mature installation's spread: mostly closed, a live queue, a few in progress), two transcript
lines each and a probe interaction with 50, channel capacities and three open case offers for
`bench_agent_1_1`, who then loads the pages through the session (force_login), like bench_run.

Figures (median and p95 ms over `iterations` requests, interleaved so a noisy neighbour slows
all alike; queries from one extra untimed request):
- `inbox`: GET /inbox/ (presence, capacity counters, offers, waiting in the agent's groups and in
  no group, the agent's own in progress);
- `inbox_fragment`: GET /inbox/fragment/ (what htmx polls every 15 s);
- `list`: GET /interactions/ (newest first, page of 25, capped count);
- `list_waiting`: GET /interactions/?state=new&state=on_hold;
- `record`: GET /interactions/<probe>/ (50 transcript lines, allowed actions, forms).
"""
import datetime
import os
import random
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.run import _meta as run_meta
from bench.run import _summary, _test_environment
from bench.seed import GROUPS, bench_agent
from cases.models import Case, CaseOffer
from customers.models import Contact
from interactions.choices import InteractionState, InteractionType
from interactions.models import Interaction, InteractionEntry
from users import services as user_services
from users.models import AssignmentGroup

TARGET_MS = 60.0  # the target for list pages at 1,000,000 cases
WARMUP = 5
PROBE_LINES = 50
MAX_WORKING_PER_AGENT = 4
NUMBER_BASE = 8_000_000  # rolled back: the numbers never reach the database's counter
S = InteractionState
# (state, weight): most interactions are history; the queue and the work in progress are few.
STATE_WEIGHTS = [
    (S.CLOSED_COMPLETE, 72), (S.CLOSED_ABANDONED, 12), (S.NEW, 4), (S.ON_HOLD, 6), (S.WORK_IN_PROGRESS, 5),
    (S.WRAP_UP, 1),
]
SUBJECTS = ["Cannot log in", "Router drops the line", "Invoice question", "Printer error E3", "VPN is slow", "New licence"]


class _Rollback(Exception):
    pass


def run(*, iterations: int = 100, interactions: int = 50_000, progress: Callable[[str], None] = lambda m: None) -> dict:
    _test_environment()
    _vacuum()
    result: dict = {}
    try:
        with transaction.atomic():
            agent = bench_agent()
            progress(f"adding {interactions:,} interactions (rolled back at the end)")
            started = time.perf_counter()
            probe = _seed(interactions, agent)
            result["seeded"] = {"interactions": Interaction.objects.count(), "seconds": round(time.perf_counter() - started, 1)}
            result["meta"] = _meta(iterations)
            progress(f"{result['meta']['cases']:,} cases, {result['seeded']['interactions']:,} interactions "
                     f"on {result['meta']['database']}; pages x{iterations}")
            result.update(_measure(agent, probe, iterations))
            raise _Rollback
    except _Rollback:
        pass
    result["target"] = {
        "page_median_ms": TARGET_MS,
        "met": {name: result[name]["median_ms"] < TARGET_MS for name in ("inbox", "list", "list_waiting", "record")},
    }
    return result


def _vacuum() -> None:
    """Every run leaves its rolled-back rows behind as dead tuples; a scan of the next run would
    wade through them (19 ms instead of 0.5 for the list's capped count after a few runs)."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE interactions_interaction, interactions_interactionentry, cases_caseoffer")


# --- the data (inside the rolled-back transaction) -----------------------------------------------
def _seed(count: int, agent) -> Interaction:
    rng = random.Random(42)
    groups = [
        (group, list(group.members.order_by("id").values_list("id", flat=True)))
        for group in AssignmentGroup.objects.filter(name__in=[name for name, _ in GROUPS]).order_by("id")
    ]
    contacts = list(Contact.objects.filter(active=True).order_by("id").values_list("id", "account_id")[:2000]) or [(None, None)]
    states = [state for state, weight in STATE_WEIGHTS for _ in range(weight)]
    kinds = list(InteractionType.values)
    now = timezone.now()
    rows, working_per_agent = [], {}
    for i in range(count):
        state = rng.choice(states)
        group, members = rng.choice(groups)
        if state in (S.NEW, S.ON_HOLD) and rng.random() < 0.2:
            group = None  # in no queue: anyone's
        contact_id, account_id = rng.choice(contacts)
        opened = now - datetime.timedelta(minutes=rng.randint(1, 90 * 24 * 60))
        assignee = rng.choice(members) if members and state not in (S.NEW, S.ON_HOLD, S.CLOSED_ABANDONED) else None
        if state in (S.WORK_IN_PROGRESS, S.WRAP_UP):
            # An agent works a handful of conversations at once (their capacity), never hundreds.
            if assignee is None or working_per_agent.get(assignee, 0) >= MAX_WORKING_PER_AGENT:
                state = S.CLOSED_COMPLETE
            else:
                working_per_agent[assignee] = working_per_agent.get(assignee, 0) + 1
            if state == S.WORK_IN_PROGRESS or state == S.WRAP_UP:
                opened = now - datetime.timedelta(minutes=rng.randint(1, 60))
        closed = state in (S.CLOSED_COMPLETE, S.CLOSED_ABANDONED)
        rows.append(Interaction(
            number=f"IMS{NUMBER_BASE + i:07d}", type=rng.choice(kinds), state=state,
            short_description=rng.choice(SUBJECTS), contact_id=contact_id, account_id=account_id,
            assignment_group=group, assigned_to_id=assignee, opened_at=opened, queued_at=opened,
            accepted_at=opened + datetime.timedelta(minutes=2) if assignee else None,
            closed_at=opened + datetime.timedelta(minutes=20) if closed else None,
            last_activity_at=opened + datetime.timedelta(minutes=20 if closed else 5),
        ))
    Interaction.objects.bulk_create(rows, batch_size=5000)
    # The agent's own work and a probe with a long transcript.
    probe = Interaction(
        number=f"IMS{NUMBER_BASE + count:07d}", type=InteractionType.CHAT, state=S.WORK_IN_PROGRESS,
        short_description="Bench probe chat", contact_id=contacts[0][0], account_id=contacts[0][1], assigned_to=agent,
        opened_at=now, queued_at=now, accepted_at=now, last_activity_at=now,
    )
    Interaction.objects.bulk_create([probe])
    ids = list(Interaction.objects.filter(number__gte=f"IMS{NUMBER_BASE:07d}").values_list("id", "opened_at"))
    entries = []
    for pk, opened in ids:
        entries.append(InteractionEntry(interaction_id=pk, kind="system", body="Opened.", created_at=opened))
        entries.append(InteractionEntry(interaction_id=pk, kind="customer", body="Hello, I need help.", created_at=opened))
    for n in range(PROBE_LINES - 2):
        entries.append(InteractionEntry(
            interaction_id=probe.pk, kind=("customer", "agent", "work_note")[n % 3], body=f"Line {n} of the conversation.",
            created_at=now + datetime.timedelta(seconds=n),
        ))
    InteractionEntry.objects.bulk_create(entries, batch_size=10_000)
    for channel in ("web", "email", "phone", "chat"):
        user_services.agent_capacity_set(actor=None, user=agent, channel=channel, max_items=8)
    group = AssignmentGroup.objects.get(name=GROUPS[0][0])
    offered = list(
        Case.objects.filter(assignment_group=group, state_category="new", assigned_to__isnull=True).order_by("-id")
        .values_list("id", flat=True)[:3]
    )
    CaseOffer.objects.filter(case_id__in=offered, state="offered").delete()
    CaseOffer.objects.bulk_create([
        CaseOffer(case_id=pk, agent=agent, assignment_group=group, offered_at=now, expires_at=now + datetime.timedelta(hours=1))
        for pk in offered
    ])
    if connection.vendor == "postgresql":
        # Fresh rows have no statistics: without them PostgreSQL plans for an empty table. ANALYZE
        # runs inside the transaction and is rolled back with it.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE interactions_interaction, interactions_interactionentry, cases_caseoffer")
    return probe


# --- the measurements ----------------------------------------------------------------------------
def _get(client, url):
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    return response


def _measure(agent, probe: Interaction, iterations: int) -> dict:
    client = Client()
    client.force_login(agent)
    urls = {
        "inbox": "/inbox/",
        "inbox_fragment": "/inbox/fragment/",
        "list": "/interactions/",
        "list_waiting": "/interactions/?state=new&state=on_hold",
        "record": f"/interactions/{probe.number}/",
    }
    for url in urls.values():
        for _ in range(WARMUP):
            _get(client, url)
    timings = {name: [] for name in urls}
    for _ in range(iterations):
        for name, url in urls.items():
            started = time.perf_counter()
            _get(client, url)
            timings[name].append((time.perf_counter() - started) * 1000)
    result = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            body = _get(client, url).content.decode()
        result[name] = {
            **_summary(timings[name]), "queries": len(queries), "bytes": len(body),
            "sql": [q["sql"] for q in queries.captured_queries],
        }
        result[name]["rows"] = body.count("<tr>") - body.count("<thead><tr>")
    return result


def _meta(iterations: int) -> dict:
    meta = run_meta(iterations, 0)
    meta.pop("creations", None)
    meta["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return meta


def table(result: dict) -> str:
    meta = result["meta"]
    lines = [
        f"{meta['date']}  {meta['database']}  {meta['cases']:,} cases, {result['seeded']['interactions']:,} interactions "
        f"(load {meta['load_average']})",
        f"{'page':<18}{'median ms':>10}{'p95 ms':>10}{'queries':>9}{'rows':>6}",
    ]
    for name in ("inbox", "inbox_fragment", "list", "list_waiting", "record"):
        row = result[name]
        lines.append(f"{name:<18}{row['median_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['queries']:>9}{row['rows']:>6}")
    lines.append(f"target: median < {TARGET_MS} ms: " + ", ".join(
        f"{k} {'met' if v else 'MISSED'}" for k, v in result["target"]["met"].items()
    ))
    return "\n".join(lines)
