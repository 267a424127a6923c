"""`manage.py bench_slas`: time the beat's SLA scan over a big database (bench/README.md).

1. Two bench SLA definitions through their service: "Bench resolution 24x7" (8 h) and "Bench
   resolution office hours" (16 business hours on a Paris weekday schedule).
2. Running task SLAs on active bench cases (new, open, awaiting) until there are `--running` of
   them: rows computed by the model's own clock code (`TaskSla.begin`), one counted interval
   each, written with COPY (executemany elsewhere); none of them due. Additive: a second run
   only tops up.
3. Each iteration arms `--due` running SLAs that never had a notice: their clock is moved back
   so that the 50, 75 or 100 % threshold has just passed (a third each; half on the office-hours
   schedule), exactly as an SLA that had been counting that long would be, then times one
   `sla_scan_due()` (what the beat runs every 30 s), and one more scan that finds nothing.
Notices go through the real outbox; Celery is pointed at kombu's in-memory transport, so queueing
after commit costs what it costs but nothing is sent."""
import datetime
import random
import statistics
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.duration import duration_microseconds

from bench.seed import _advance_id_sequence, _Writer
from cases import services
from cases.models import Case, SlaDefinition, SlaInterval, TaskSla
from cases.models.slas import ACTIVE_STAGES, THRESHOLDS
from catalog import services as catalog_services
from catalog.business_hours import business_between
from catalog.models import Schedule
from notifications.models import Notification

DEFINITIONS = ("Bench resolution 24x7", "Bench resolution office hours")
H = datetime.timedelta(hours=1)


def _definitions() -> list[SlaDefinition]:
    office = Schedule.objects.filter(name="Bench office hours").first()
    if office is None:
        office = catalog_services.schedule_create(actor=None, name="Bench office hours", time_zone="Europe/Paris")
        for weekday in range(5):
            catalog_services.schedule_span_create(
                actor=None, schedule=office, weekday=weekday, start_time=datetime.time(8), end_time=datetime.time(18)
            )
    common = {
        "start_condition": [{"field": "state_category", "op": "in", "value": ["new", "open", "awaiting"]}],
        "stop_condition": [{"field": "state_category", "op": "in", "value": ["resolved", "closed"]}],
        "when_to_cancel": "never", "target": "resolution",
    }
    made = []
    for name, duration, schedule in ((DEFINITIONS[0], 8 * H, None), (DEFINITIONS[1], 16 * H, office)):
        made.append(
            SlaDefinition.objects.filter(name=name).first()
            or services.sla_definition_create(actor=None, name=name, duration=duration, schedule=schedule, **common)
        )
    return made


def _running_count(definitions) -> int:
    return TaskSla.objects.filter(definition__in=definitions, stage__in=ACTIVE_STAGES).count()


TASK_COLUMNS = (
    "id", "definition_id", "case_id", "target", "duration", "schedule_id", "stage", "has_breached", "start_time",
    "breach_time", "original_breach_time", "counted_before", "counting_since", "pause_duration",
    "business_pause_duration", "notified_pct", "next_check_at", "watched", "created_at", "updated_at",
)
INTERVAL_COLUMNS = ("task_sla_id", "kind", "started_at", "begin_reason", "end_reason")


def _top_up(definitions, running: int, rng: random.Random, progress) -> int:
    """Attach bench SLAs to active cases that have none, until `running` are running."""
    missing = running - _running_count(definitions)
    if missing <= 0:
        return 0
    taken = TaskSla.objects.filter(definition__in=definitions).values("case_id")
    case_ids = list(
        Case.objects.filter(state_category__in=["new", "open", "awaiting"]).exclude(pk__in=taken)
        .order_by("id").values_list("id", flat=True)[:missing]
    )
    calendars = services.sla_calendars()
    now = timezone.now()
    first_id = (TaskSla.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    tasks, intervals = [], []
    for n, case_id in enumerate(case_ids):
        definition = definitions[0] if rng.random() < 0.4 else definitions[1]
        task = TaskSla(
            id=first_id + n, definition=definition, case_id=case_id, target=definition.target,
            duration=definition.duration, schedule_id=definition.schedule_id, watched={},
        )
        # Started within the last 2 hours: no threshold is due yet (50 % of 8 h is 4 h away).
        task.begin(calendar=calendars.get(definition.schedule_id), at=now - datetime.timedelta(seconds=rng.randint(0, 7200)))
        tasks.append((
            task.pk, definition.pk, case_id, task.target, task.duration, task.schedule_id, "in_progress", False,
            task.start_time, task.breach_time, task.original_breach_time, task.counted_before, task.counting_since,
            datetime.timedelta(0), datetime.timedelta(0), 0, task.next_check_at, "{}", now, now,
        ))
        intervals.append((task.pk, "counted", task.start_time, "start condition matched (bench)", ""))
    if not connection.features.has_native_duration_field:  # SQLite stores microseconds
        tasks = [tuple(duration_microseconds(v) if isinstance(v, datetime.timedelta) else v for v in row) for row in tasks]
    writer = _Writer(progress)
    writer.write(TaskSla, TASK_COLUMNS, tasks, label="task SLAs")
    writer.write(SlaInterval, INTERVAL_COLUMNS, intervals, label="SLA intervals")
    _advance_id_sequence(TaskSla)
    _advance_id_sequence(SlaInterval)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE cases_tasksla, cases_slainterval")
    return len(tasks)


def _start_for(calendar, counted: datetime.timedelta, now: datetime.datetime) -> datetime.datetime:
    """The latest start from which `counted` business time has been counted by `now` (bisection)."""
    low, high = now - datetime.timedelta(days=60), now
    while high - low > datetime.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if business_between(calendar, middle, now) >= counted:
            low = middle
        else:
            high = middle
    return low


@transaction.atomic
def _arm(definitions, due: int, rng: random.Random) -> list[int]:
    """Move `due` fresh running SLAs (half of each definition) to just past a threshold."""
    now = timezone.now()
    calendars = services.sla_calendars()
    chosen = []
    for definition, share in ((definitions[0], due // 2), (definitions[1], due - due // 2)):
        chosen += list(
            TaskSla.objects.select_for_update().filter(definition=definition, stage="in_progress", notified_pct=0)
            .order_by("id")[:share]
        )
    for n, task in enumerate(chosen):
        calendar = calendars.get(task.schedule_id)
        pct = THRESHOLDS[n % 3]
        notified = THRESHOLDS[THRESHOLDS.index(pct) - 1] if pct > 50 else 0
        counted = task.duration * pct / 100 + datetime.timedelta(seconds=rng.randint(1, 60))
        start = _start_for(calendar, counted, now)
        task.start_time = task.counting_since = start
        task.counted_before = datetime.timedelta(0)
        task.notified_pct = 0
        task._plan(calendar)
        task.original_breach_time = task.breach_time
        task.notified_pct = notified  # the earlier notices went out at the time
        task._plan(calendar)
    TaskSla.objects.bulk_update(
        chosen, ["start_time", "counting_since", "counted_before", "notified_pct", "breach_time",
                 "original_breach_time", "next_check_at"], batch_size=500,
    )
    for task in chosen:
        SlaInterval.objects.filter(task_sla=task, kind="counted").update(started_at=task.start_time)
    return [t.pk for t in chosen]


class _Rollback(Exception):
    pass


def _explain_due(batch_size: int) -> str:
    """The plan of the scan's own locking query while rows are due (in a rolled-back transaction)."""
    query = services.sla_due_query(timezone.now(), batch_size)
    plan = ""
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                plan = query.explain(analyze=True, buffers=True)
            else:
                plan = query.explain()
            raise _Rollback
    except _Rollback:
        pass
    return plan


def _memory_broker() -> None:
    from config.celery import app

    app.conf.broker_url = "memory://"  # before the first connection of this process
    app.conf.broker_transport_options = {}


def run(*, running: int = 100_000, due: int = 300, iterations: int = 5, batch_size: int = 200, seed_value: int = 7,
        progress: Callable[[str], None] = lambda message: None) -> dict:
    _memory_broker()
    rng = random.Random(seed_value)
    definitions = _definitions()
    added = _top_up(definitions, running, rng, progress)
    total_running = _running_count(definitions)
    progress(f"{total_running:,} running bench SLAs ({added:,} added); {Case.objects.count():,} cases")
    scans, idle, queries = [], [], []
    plan = ""
    for i in range(iterations):
        armed = _arm(definitions, due, rng)
        if i == 0:
            plan = _explain_due(batch_size)
        before = Notification.objects.count()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = services.sla_scan_due(batch_size=batch_size)
            elapsed = time.perf_counter() - started
        sent = Notification.objects.count() - before
        scans.append({"ms": round(elapsed * 1000, 1), **result, "armed": len(armed), "outbox_rows": sent,
                      "queries": len(captured)})
        started = time.perf_counter()
        empty = services.sla_scan_due(batch_size=batch_size)
        idle.append(round((time.perf_counter() - started) * 1000, 2))
        assert empty["processed"] == 0, empty
        queries.append(len(captured))
        progress(f"scan {i + 1}: {scans[-1]}; idle scan {idle[-1]} ms")
    return {
        "meta": {
            "database": connection.vendor, "cases": Case.objects.count(), "running_slas": total_running,
            "due_per_scan": due, "batch_size": batch_size, "iterations": iterations,
        },
        "scans": scans,
        "scan_median_ms": statistics.median(s["ms"] for s in scans),
        "scan_max_ms": max(s["ms"] for s in scans),
        "idle_scan_median_ms": statistics.median(idle),
        "due_query_plan": plan,
    }


__all__ = ["run"]
