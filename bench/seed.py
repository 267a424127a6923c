"""Bulk seeding for the benchmarks: N cases with their journals, in minutes, not hours.

Reference rows (agents, assignment groups) go through their services: there are few of them and
their grants and memberships must be real. Accounts and contacts are bulk-inserted (no logins,
so no grants). Cases and their events are written straight into their tables, because a
million service calls would take hours: PostgreSQL COPY (psycopg 3 `cursor.copy`), elsewhere
`executemany` in batches of 10,000, each batch in its own transaction.

The rows are what the services would have written: states and categories from the standard
lifecycle, numbers reserved as one block and the number sequence/counter advanced past them (so
later `case_create` calls never collide), assignees members of their group, resolved/closed
rows with resolution code, notes and timestamps, and a "created" event first on every timeline.

The spread is what a live system has (issue 15): contacts hold from 1 to 500 cases each, skewed
(log-normal, median 8: most have a few, a long tail up to 500; `contact_quotas`), accounts have 1
to 8 contacts, and the state follows the age: the older a case, the likelier it is closed, so the
most recently opened and updated rows are mostly new/open/awaiting/resolved ones spread over many
customers, while closed ones are older (`_state_for`; the overall share of each state is still
`STATE_WEIGHTS`). The same `--seed` gives the same spread.

Every bench login gets the password `BENCH_PASSWORD` (one `make_password`, written to all;
`set_bench_passwords`): a bench database only.

Seeding is additive: a second run adds N more cases and reuses the reference rows (the new cases
go to the same contacts in the same proportions)."""
import datetime
import functools
import math
import random
import time
from collections.abc import Callable, Iterable

from django.contrib.auth.hashers import make_password

from django.db import connection, transaction
from django.db.models import NOT_PROVIDED, CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from cases.choices import PRIORITY_MATRIX, EventKind, ResolutionCode
from cases.models import Case, CaseEvent, Lifecycle
from core.models import NumberCounter
from core.numbers import WIDTH, sequence_name
from customers.models import Account, Contact
from users import services as user_services
from users.models import AssignmentGroup, User

PROBE_DESCRIPTION = "Bench probe case (20 journal entries)"
ACCOUNT_PREFIX = "Bench account "
GROUPS = [("Bench Tier 1", 0.30), ("Bench Tier 2", 0.25), ("Bench Billing", 0.20), ("Bench Network", 0.15), ("Bench Field", 0.10)]
AGENTS_PER_GROUP = 4
# Contacts per account (value, weight): most accounts have one to three, a few up to eight.
CONTACTS_PER_ACCOUNT = [(1, 30), (2, 25), (3, 20), (4, 10), (5, 6), (6, 4), (7, 3), (8, 2)]
# Cases per contact: log-normal (median 8, sigma 1.5), clipped to [1, 500].
CONTACT_CASES_MEDIAN, CONTACT_CASES_SIGMA, CONTACT_CASES_MAX = 8, 1.5, 500
MIN_ACCOUNTS = 20  # small seeds (tests) still have enough accounts for the customer side's hierarchies
BENCH_PASSWORD = "bench-password"  # every bench login; bench/README.md
BENCH_LOGIN_REGEX = r"^bench_(agent|contact|customer_admin|partner|consumer)"
# Most cases in a mature installation are history; the queue is a minority (state, weight).
STATE_WEIGHTS = [("closed", 70), ("cancelled", 3), ("resolved", 5), ("awaiting_info", 4), ("open", 12), ("new", 6)]
CATEGORY = {"new": "new", "open": "open", "awaiting_info": "awaiting", "resolved": "resolved", "closed": "closed", "cancelled": "cancelled"}
SUBJECTS = [
    "Cannot log in to the portal", "Router drops the connection every hour", "Invoice shows the wrong amount",
    "Printer jams on duplex", "VPN is slow from the Lyon office", "Request for an extra licence",
    "Password reset e-mail never arrives", "Dashboard shows no data since the upgrade", "Order not delivered",
    "Error 500 when exporting to CSV", "Need a copy of the contract", "Mail sync stopped on mobile",
]
COMMENTS = [
    "Could you send us a screenshot of the error?", "We restarted the device as suggested, same result.",
    "Thanks, it works again.", "The issue happens every morning around 9.", "Attached the log file.",
]
WORK_NOTES = [
    "Checked the logs: timeouts on the upstream link.", "Escalated to tier 2 for a firmware check.",
    "Known issue KB0012, workaround applied.", "Customer called, confirmed the details.",
]
BATCH = 10_000
EPOCH = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


def seed(*, cases: int, journal: int = 3, probe_journal: int = 20, seed_value: int = 42,
         progress: Callable[[str], None] = lambda message: None) -> dict:
    """Add `cases` cases (each with `journal` events) and one probe case with `probe_journal`."""
    started = time.monotonic()
    rng = random.Random(seed_value)
    lifecycle = Lifecycle.objects.get(code="standard")
    groups = _groups()
    total = cases + 1
    contacts, owners = _contacts(rng, total, progress)
    progress(f"reference data ready: {len(groups)} groups, {len(contacts)} contacts")
    first_id = (Case.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    first_number = _reserve_numbers("CS", total)
    writer = _Writer(progress)

    def case_rows():
        now = timezone.now()
        for i in range(total):
            probe = i == total - 1
            yield _case_row(rng, first_id + i, first_number + i, i / max(total, 1), lifecycle.pk, groups,
                            contacts[owners[i]], probe, now)

    rows_written = writer.write(Case, _case_columns(), case_rows(), label="cases")
    _advance_id_sequence(Case)

    agents = [a for _, members in groups for a in members]

    def event_rows():
        for i in range(total):
            count = probe_journal if i == total - 1 else journal
            yield from _event_rows(rng, first_id + i, count, agents)

    events_written = writer.write(CaseEvent, _event_columns(), event_rows(), label="events")
    set_bench_passwords()
    _analyze(progress)
    elapsed = time.monotonic() - started
    probe_id = first_id + total - 1
    return {
        "cases": rows_written,
        "events": events_written,
        "probe_case_id": probe_id,
        "seconds": round(elapsed, 1),
        "rows_per_s": round((rows_written + events_written) / elapsed) if elapsed else None,
    }


# --- reference rows ------------------------------------------------------------------------------
def _groups() -> list[tuple[AssignmentGroup, list[int]]]:
    """[(group, member agent ids)], created through the users services when missing."""
    result = []
    for g, (name, _weight) in enumerate(GROUPS):
        group = AssignmentGroup.objects.filter(name=name).first()
        if group is None:
            agents = [_agent(f"bench_agent_{g + 1}_{a + 1}") for a in range(AGENTS_PER_GROUP)]
            group = user_services.assignment_group_create(actor=None, name=name, manager=agents[0], members=agents)
        result.append((group, list(group.members.order_by("id").values_list("id", flat=True))))
    return result


def _agent(username: str) -> User:
    existing = User.objects.filter(username=username).first()
    return existing or user_services.user_create(
        actor=None, username=username, roles=["agent"], first_name="Bench", last_name=f"Agent {username[12:]}",
        email=f"{username}@bench.example",
    )


def bench_agent() -> User:
    """The agent the benchmarks act as: a member of the first (largest) group."""
    return User.objects.get(username="bench_agent_1_1")


def bench_group() -> AssignmentGroup:
    return AssignmentGroup.objects.get(name=GROUPS[0][0])


def contact_quotas(rng: random.Random, total: int, *, minimum: int = 0) -> list[int]:
    """How many of `total` cases each contact holds: log-normal draws clipped to [1, 500] until
    they cover `total`, then apportioned exactly (largest remainder) so they sum to `total`; at
    least `minimum` contacts (a small seed then scales the draws down)."""
    draws, drawn = [], 0
    while drawn < total or len(draws) < minimum:
        draws.append(_draw_cases(rng))
        drawn += draws[-1]
    return apportion(total, draws)


def _draw_cases(rng: random.Random) -> int:
    value = rng.lognormvariate(math.log(CONTACT_CASES_MEDIAN), CONTACT_CASES_SIGMA)
    return max(1, min(CONTACT_CASES_MAX, round(value)))


def apportion(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainder), summing exactly to `total`."""
    whole = sum(weights)
    if not whole:
        return [0] * len(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(share) for share in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _contacts(rng: random.Random, total: int, progress) -> tuple[list[tuple[int, int]], list[int]]:
    """([(contact id, account id)], the index in it of each of the `total` new cases' contact).

    The first seed creates the contacts its quotas need (bulk-inserted, no logins), grouped into
    accounts of 1 to 8 contacts; a later seed reuses them and spreads its cases in the same
    proportions (the same draws). The case order is shuffled, so every contact's cases run
    through the whole timeline."""
    existing = _bench_contacts()
    if existing:
        draws = [_draw_cases(rng) for _ in existing]
        quotas = apportion(total, draws)
    else:
        quotas = contact_quotas(rng, total, minimum=MIN_ACCOUNTS * 3)
        _create_contacts(rng, len(quotas), progress)
        existing = _bench_contacts()
    owners = [index for index, quota in enumerate(quotas) for _ in range(quota)]
    rng.shuffle(owners)
    return existing, owners


def _bench_contacts() -> list[tuple[int, int]]:
    return list(
        Contact.objects.filter(account__name__startswith=ACCOUNT_PREFIX).order_by("id").values_list("id", "account_id")
    )


def _account_sizes(rng: random.Random, contacts: int) -> list[int]:
    values, weights = zip(*CONTACTS_PER_ACCOUNT, strict=True)
    sizes, covered = [], 0
    while covered < contacts:
        sizes.append(rng.choices(values, weights)[0])
        covered += sizes[-1]
    sizes[-1] -= covered - contacts
    return sizes


def _create_contacts(rng: random.Random, contacts: int, progress) -> None:
    sizes = _account_sizes(rng, contacts)
    with transaction.atomic():
        start = _reserve_numbers("ACC", len(sizes))
        rows = Account.objects.bulk_create(
            [
                Account(name=f"{ACCOUNT_PREFIX}{i + 1:05d}", number=f"ACC{start + i:0{WIDTH}d}", path="/",
                        city=rng.choice(["Springfield", "Lyon", "Austin", "Osaka"]), country="US")
                for i in range(len(sizes))
            ],
            batch_size=1_000,
        )
        Account.objects.filter(name__startswith=ACCOUNT_PREFIX, path="/").update(
            path=Concat(Value("/"), Cast("id", CharField()), Value("/"))
        )
        Contact.objects.bulk_create(
            [
                Contact(account=account, first_name=f"Contact{c + 1}", last_name=account.name.rsplit(" ", 1)[-1],
                        email=f"contact{c + 1}.{account.number.lower()}@bench.example")
                for account, size in zip(rows, sizes, strict=True)
                for c in range(size)
            ],
            batch_size=1_000,
        )
    progress(f"{len(sizes)} accounts and {contacts} contacts created")


@functools.cache
def bench_password_hash() -> str:
    """One `make_password(BENCH_PASSWORD)` per process, the same hash for every bench login."""
    return make_password(BENCH_PASSWORD)


def set_bench_passwords() -> int:
    """Every bench login (agents, contacts, customer admins, partners, consumers) signs in with
    `BENCH_PASSWORD`: one UPDATE writing the one hash."""
    return User.objects.filter(username__regex=BENCH_LOGIN_REGEX).exclude(password=bench_password_hash()).update(
        password=bench_password_hash()
    )


def _reserve_numbers(prefix: str, count: int) -> int:
    """Reserve `count` consecutive human numbers and return the first; the sequence (PostgreSQL)
    or counter row (elsewhere) is left past the block, so `number_next` continues after it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            seq = sequence_name(prefix)
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {seq}")
            cursor.execute(f"SELECT nextval('{seq}')")
            first = cursor.fetchone()[0]
            cursor.execute(f"SELECT setval('{seq}', %s)", [first + count - 1])
            return first
        NumberCounter.objects.get_or_create(prefix=prefix)
        cursor.execute(
            f"UPDATE {NumberCounter._meta.db_table} SET last_value = last_value + %s WHERE prefix = %s RETURNING last_value",
            [count, prefix],
        )
        return cursor.fetchone()[0] - count + 1


def _advance_id_sequence(model) -> None:
    """Explicit ids were written: move PostgreSQL's identity sequence past them."""
    if connection.vendor != "postgresql":
        return  # SQLite continues after max(id) by itself
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _analyze(progress) -> None:
    """Fresh planner statistics: right after a bulk load they are missing (PostgreSQL estimates
    1 row everywhere until autovacuum gets round to it), and every measured plan would be wrong."""
    tables = [m._meta.db_table for m in (Case, CaseEvent, Account, Contact)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {', '.join(tables)}")
        else:
            cursor.execute("ANALYZE")
    progress(f"statistics refreshed (ANALYZE {', '.join(tables)})")


# --- rows ----------------------------------------------------------------------------------------
CASE_COLUMNS = (
    "id", "number", "lifecycle_id", "state", "state_category", "version", "short_description", "description",
    "category", "channel", "priority", "impact", "urgency", "extra", "account_id", "contact_id",
    "assignment_group_id", "assigned_to_id", "assigned_at", "reassignment_count", "resolution_code", "close_notes",
    "opened_at", "opened_by_id", "first_response_at", "resolved_at", "resolved_by_id", "closed_at", "closed_by_id",
    "needs_attention", "reopen_count", "major_case_state", "created_at", "updated_at",
    "auto_close", "entitlement_override_reason",
)
EVENT_COLUMNS = ("case_id", "kind", "author_id", "created_at", "body", "field", "old", "new", "customer_visible")


def _case_columns() -> tuple[str, ...]:
    _check_columns(Case, CASE_COLUMNS)
    return CASE_COLUMNS


def _event_columns() -> tuple[str, ...]:
    _check_columns(CaseEvent, EVENT_COLUMNS)
    return EVENT_COLUMNS


def _check_columns(model, columns) -> None:
    """Every NOT NULL column must be given (COPY applies no Django defaults): fail loudly when a
    new required field is added to the model and not to the seed."""
    required = {
        f.column for f in model._meta.concrete_fields
        if not f.null and not f.primary_key and f.db_default is NOT_PROVIDED  # COPY applies database defaults
    }
    missing = required - set(columns)
    if missing:
        raise RuntimeError(f"bench seed does not write {model.__name__} column(s) {sorted(missing)}")


_ACTIVE = [(s, w) for s, w in STATE_WEIGHTS if s not in ("closed", "cancelled")]
_DONE = [(s, w) for s, w in STATE_WEIGHTS if s in ("closed", "cancelled")]
_ACTIVE_STATES, _ACTIVE_W = zip(*_ACTIVE, strict=True)
_DONE_STATES, _DONE_W = zip(*_DONE, strict=True)
# P(active | age fraction f) = f ** K, whose mean 1 / (K + 1) is the active share of STATE_WEIGHTS.
_ACTIVE_SHARE = sum(_ACTIVE_W) / sum(w for _, w in STATE_WEIGHTS)
_ACTIVE_EXPONENT = 1 / _ACTIVE_SHARE - 1
_GROUP_W = [w for _, w in GROUPS]
_CHANNELS = ["web", "web", "web", "email", "email", "phone", "chat"]


def _state_for(rng, fraction: float) -> str:
    """The state of a case opened at `fraction` of the timeline (0 oldest, 1 newest): the
    newest are nearly all still active, the oldest nearly all closed, as in a live system."""
    if rng.random() < fraction ** _ACTIVE_EXPONENT:
        return rng.choices(_ACTIVE_STATES, _ACTIVE_W)[0]
    return rng.choices(_DONE_STATES, _DONE_W)[0]


def _case_row(rng, case_id, number, fraction, lifecycle_id, groups, contact, probe, now) -> tuple:
    # Opened across two years, oldest first; the state follows the age (_state_for), and every
    # timestamp stays before now, so the most recently updated rows are the recent active ones.
    cap = now - datetime.timedelta(minutes=1)
    opened = EPOCH + (now - EPOCH) * fraction + datetime.timedelta(seconds=rng.randint(0, 3600))
    opened = min(opened, now - datetime.timedelta(minutes=5))
    state = "open" if probe else _state_for(rng, fraction)
    g = 0 if probe else rng.choices(range(len(groups)), _GROUP_W)[0]
    group, members = groups[g]
    contact_id, account_id = contact
    impact, urgency = rng.randint(1, 3), rng.randint(1, 3)
    assignee = None if state == "new" else rng.choice(members)
    assigned_at = min(cap, opened + datetime.timedelta(minutes=rng.randint(1, 120))) if assignee else None
    first_response = min(cap, assigned_at + datetime.timedelta(minutes=rng.randint(1, 240))) if assignee else None
    resolved_at = resolved_by = closed_at = closed_by = None
    resolution_code = close_notes = ""
    if state in ("resolved", "closed"):
        resolved_at = min(cap, first_response + datetime.timedelta(hours=rng.randint(1, 96)))
        resolved_by = assignee
        resolution_code = rng.choice([ResolutionCode.FIXED, ResolutionCode.GUIDANCE, ResolutionCode.WORKAROUND]).value
        close_notes = "Applied the fix and confirmed with the customer."
    if state == "closed":
        closed_at, closed_by = min(cap, resolved_at + datetime.timedelta(days=rng.randint(0, 10))), assignee
    if state == "cancelled":
        closed_at = min(cap, opened + datetime.timedelta(hours=rng.randint(1, 48)))
        closed_by = assignee
    updated = max(t for t in (opened, assigned_at, first_response, resolved_at, closed_at) if t is not None)
    subject = PROBE_DESCRIPTION if probe else rng.choice(SUBJECTS)
    return (
        case_id, f"CS{number:0{WIDTH}d}", lifecycle_id, state, CATEGORY[state], 1 + rng.randint(0, 4), subject,
        f"{subject}. Reported by the customer; details in the timeline.", "issue", rng.choice(_CHANNELS),
        PRIORITY_MATRIX[(impact, urgency)], impact, urgency, "{}", account_id, contact_id, group.pk, assignee,
        assigned_at, 0, resolution_code, close_notes, opened, assignee if rng.random() < 0.3 else None,
        first_response, resolved_at, resolved_by, closed_at, closed_by, False, 0, "", opened, updated,
        state == "resolved", "",  # resolved cases are marked for auto-close, as case_act marks them
    )


def _event_rows(rng, case_id, count, agents) -> Iterable[tuple]:
    at = EPOCH + datetime.timedelta(minutes=case_id % 1_000_000)
    for n in range(count):
        at = at + datetime.timedelta(minutes=rng.randint(1, 600))
        if n == 0:
            yield (case_id, EventKind.CREATED.value, None, at, "Opened via Web.", "", "", "", True)
        elif n % 2:
            yield (case_id, EventKind.COMMENT.value, rng.choice(agents), at, rng.choice(COMMENTS), "", "", "", True)
        else:
            yield (case_id, EventKind.WORK_NOTE.value, rng.choice(agents), at, rng.choice(WORK_NOTES), "", "", "", False)


# --- writing -------------------------------------------------------------------------------------
class _Writer:
    """COPY on PostgreSQL, executemany elsewhere; one transaction per batch; progress as it goes."""

    def __init__(self, progress):
        self.progress = progress

    def write(self, model, columns, rows: Iterable[tuple], *, label: str) -> int:
        table = model._meta.db_table
        started, written, batch = time.monotonic(), 0, []
        for row in rows:
            batch.append(row)
            if len(batch) >= self._batch_size():
                written += self._flush(table, columns, batch)
                batch = []
                self._report(label, written, started)
        if batch:
            written += self._flush(table, columns, batch)
        self._report(label, written, started, final=True)
        return written

    def _batch_size(self) -> int:
        return 100_000 if connection.vendor == "postgresql" else BATCH

    def _report(self, label, written, started, final=False) -> None:
        elapsed = time.monotonic() - started
        rate = written / elapsed if elapsed else 0
        self.progress(f"{label}: {written:,} rows, {rate:,.0f} rows/s{' (done)' if final else ''}")

    def _flush(self, table, columns, batch) -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(columns))
                adapt = connection.ops.adapt_datetimefield_value  # the text Django itself stores
                rows = [tuple(adapt(v) if isinstance(v, datetime.datetime) else v for v in row) for row in batch]
                cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)
        return len(batch)


__all__ = ["seed", "bench_agent", "bench_group", "PROBE_DESCRIPTION"]
