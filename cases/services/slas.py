"""Service levels: SLA definitions, their evaluation on every case change, the beat's notice scan
and recomputation after a schedule change. Every write to SLA rows happens here.

Evaluation (`sla_evaluate_case`, registered with `cases.hooks.register_case_changed`) follows the
reference's order for each definition (3.4):
- no running task SLA: attach when the start condition matches and neither the stop condition nor
  (when cancelling on it) the cancel condition does;
- running: reset (cancel, then attach afresh if the start condition matches), else complete on
  stop, else cancel (start no longer matching, or the cancel condition, per "when to cancel"),
  else pause on pause, or resume when the pause condition no longer matches (or the resume
  condition matches, per "when to resume").
With nothing to change it costs two queries: the active definitions and the case's running SLAs.

Locks: callers hold the case row (every case service locks it); evaluation then locks the case's
running SLAs. The scan locks SLA rows and their cases with SKIP LOCKED, so it never waits and
never deadlocks with a case save; recomputation locks the case first, like a case save."""
import datetime
import logging
from collections.abc import Iterable
from functools import cache, partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cases import hooks, permissions_slas
from cases.models import Case, LifecycleState
from cases.models.slas import (
    ACTIVE_STAGES,
    THRESHOLDS,
    IntervalKind,
    RetroactiveStart,
    ScheduleSource,
    SlaDefinition,
    SlaInterval,
    SlaStage,
    TaskSla,
    WhenToCancel,
    WhenToResume,
)
from cases.sla_conditions import condition_clean, condition_describe, condition_fields, condition_matches, case_value
from cases.tasks.slas import recompute_slas_for_schedule_task
from catalog import hooks as catalog_hooks
from catalog.business_hours import BusinessCalendar, business_between, calendar_from
from catalog.models import Entitlement, Holiday, Schedule, ScheduleSpan
from core.refcache import Reference
from core.services import model_apply

log = logging.getLogger(__name__)

__all__ = [
    "sla_definition_create", "sla_definition_update", "sla_evaluate_case", "sla_scan_due", "sla_recompute",
    "sla_recompute_schedule", "sla_recompute_definition", "sla_calendars", "sla_demo_definitions_install",
    "sla_due_query",
]

CONDITIONS = ("start_condition", "pause_condition", "resume_condition", "stop_condition", "cancel_condition",
              "reset_condition")


# --- calendars -----------------------------------------------------------------------------------
class sla_calendars:  # noqa: N801  (used like a function: sla_calendars().get(schedule_id))
    """Business calendars by schedule id, loaded once per evaluation, scan or read (None: 24x7).

    `trust_cached=True`: a calendar this process built is used without reading its version first;
    `versions` says which version each calendar was built from, and the caller checks them against
    the database in a statement it runs anyway (a new case's SLA write does), redoing the work if
    one moved. Every other use reads the versions first."""

    def __init__(self, *, trust_cached: bool = False):
        self._cache: dict[int | None, BusinessCalendar | None] = {None: None}
        self._trust = trust_cached
        self.versions: dict[int, datetime.datetime] = {}

    def get(self, schedule_id: int | None) -> BusinessCalendar | None:
        if schedule_id not in self._cache:
            self.load([schedule_id])
        return self._cache[schedule_id]

    def load(self, schedule_ids: Iterable[int | None]) -> None:
        wanted = {i for i in schedule_ids if i not in self._cache}
        if not wanted:
            return
        self._cache.update(_calendars(wanted, trust_cached=self._trust, versions=self.versions))


def _calendars(wanted: set[int], *, trust_cached: bool = False, versions: dict | None = None) -> dict[int, BusinessCalendar | None]:
    """Build the calendars of these schedules (None for an unknown id). One query reads the
    schedules' versions (`updated_at`, moved by every change of a schedule, span or holiday); a
    calendar built in this process for the same version is reused, others are built (two more).
    With `trust_cached`, calendars already built here are reused without that query (see
    `sla_calendars`). `versions` receives the version each calendar was built from."""
    parts = CALENDARS.get()
    versions = {} if versions is None else versions
    built = {}
    if trust_cached:
        for sid in [sid for sid in wanted if sid in parts]:
            (_zone, versions[sid]), built[sid] = parts[sid]
        wanted = wanted - built.keys()
        if not wanted:
            return built
    current = {pk: (zone, version) for pk, zone, version in
               Schedule.objects.filter(pk__in=wanted).values_list("pk", "time_zone", "updated_at")}
    built.update({sid: None for sid in wanted if sid not in current})
    stale = set()
    for sid, key in current.items():
        versions[sid] = key[1]
        cached = parts.get(sid)
        if cached is not None and cached[0] == key:
            built[sid] = cached[1]
        else:
            stale.add(sid)
    if stale:
        spans, holidays = {i: [] for i in stale}, {i: [] for i in stale}
        for sid, weekday, start, end in ScheduleSpan.objects.filter(schedule_id__in=stale).values_list(
            "schedule_id", "weekday", "start_time", "end_time"
        ):
            spans[sid].append((weekday, start, end))
        for sid, day in Holiday.objects.filter(schedule_id__in=stale).values_list("schedule_id", "date"):
            holidays[sid].append(day)
        for sid in stale:
            built[sid] = calendar_from(current[sid][0], spans[sid], holidays[sid])
            parts[sid] = (current[sid], built[sid])
    return built


# Calendars by schedule id, each with the version it was built from: checked on every use (one
# query, or for a new case's SLAs in the INSERT that writes them), so no process keeps a time
# computed with a calendar older than the last committed change. Without the check, a scan in a
# process holding the old calendar could re-time SLAs that the recompute task had just re-timed.
CALENDARS = Reference(
    "cases.sla_calendars", dict, models=("catalog.Schedule", "catalog.ScheduleSpan", "catalog.Holiday"),
)


# The active definitions are cached (core.refcache): a change applies to new attachments
# everywhere within REFERENCE_CACHE_SECONDS.
ACTIVE_DEFINITIONS = Reference(
    "cases.sla_definitions", lambda: list(SlaDefinition.objects.filter(active=True)),
    models=("cases.SlaDefinition",),
)


# --- definitions ---------------------------------------------------------------------------------
def _require(actor, verb: str) -> None:
    if actor is not None and not actor.has_perm(f"cases.{verb}_sladefinition"):
        raise PermissionDenied("Only admins define SLAs.")


def _clean_conditions(fields: dict) -> dict:
    errors = {}
    for name in CONDITIONS:
        if name not in fields:
            continue
        try:
            fields[name] = condition_clean(fields[name], allow_changes=name == "reset_condition")
        except ValidationError as exc:
            errors[name] = exc.messages
    named = {
        name: {
            value
            for clause in fields.get(name) or []
            for inner in clause.get("any", [clause])
            if inner["field"] == "state" and "value" in inner
            for value in (inner["value"] if isinstance(inner["value"], list) else [inner["value"]])
        }
        for name in CONDITIONS
        if name in fields and name not in errors
    }
    wanted = set().union(*named.values()) if named else set()
    known = set(LifecycleState.objects.filter(code__in=wanted).values_list("code", flat=True)) if wanted else set()
    for name, states in named.items():
        if states - known:
            errors[name] = [f"No lifecycle has the state(s) {', '.join(sorted(states - known))}."]
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def sla_definition_create(*, actor, **fields) -> SlaDefinition:
    _require(actor, "add")
    fields = _clean_conditions(dict(fields))
    definition = SlaDefinition(**fields)
    model_apply(definition, {})
    definition.save()
    return definition


@transaction.atomic
def sla_definition_update(*, actor, instance: SlaDefinition, **fields) -> SlaDefinition:
    """Edits apply to SLAs attached from now on; running ones keep the duration and schedule they
    attached with (recompute them with sla_recompute_definition to apply a new schedule)."""
    _require(actor, "change")
    fields = _clean_conditions(dict(fields))
    definition = SlaDefinition.objects.select_for_update().get(pk=instance.pk)
    model_apply(definition, fields)
    definition.save()
    return definition


# --- evaluation ----------------------------------------------------------------------------------
def _schedule_id(case: Case, definition: SlaDefinition) -> int | None:
    if definition.schedule_source == ScheduleSource.ENTITLEMENT and case.entitlement_id:
        entitled = Entitlement.objects.filter(pk=case.entitlement_id).values_list("schedule_id", flat=True).first()
        if entitled:
            return entitled
    return definition.schedule_id


def _snapshot(definition: SlaDefinition, case: Case) -> dict:
    return {name: case_value(case, name) for name in sorted(condition_fields(definition.reset_condition, "changes"))}


def _cancel_applies(definition: SlaDefinition, case: Case) -> str | None:
    """Why a running SLA is cancelled now, or None."""
    if definition.when_to_cancel == WhenToCancel.START_NOT_MET:
        if not condition_matches(definition.start_condition, case):
            return f"start condition no longer matches ({condition_describe(definition.start_condition)})"
    elif definition.when_to_cancel == WhenToCancel.CANCEL_MATCHES:
        if condition_matches(definition.cancel_condition, case):
            return f"cancel condition matched ({condition_describe(definition.cancel_condition)})"
    return None


def _attach_blocked(definition: SlaDefinition, case: Case) -> bool:
    if condition_matches(definition.stop_condition, case):
        return True
    return definition.when_to_cancel == WhenToCancel.CANCEL_MATCHES and condition_matches(
        definition.cancel_condition, case
    )


class _Evaluation:
    """With `deferred`, attachments are built but not saved (the case itself is not saved yet):
    `write_deferred()` saves them all later in two statements."""

    def __init__(self, case: Case, now: datetime.datetime, *, deferred: bool = False):
        # Deferred (a new case) on PostgreSQL: the SLAs' INSERT reads the schedules' versions back
        # (write_deferred), so the calendars built here need not read them first.
        self.case, self.now = case, now
        self.calendars = sla_calendars(trust_cached=deferred and connection.vendor == "postgresql")
        self.changed = False
        self.breached = False
        self.deferred = deferred
        self.new_tasks: list[TaskSla] = []
        self.new_intervals: list[SlaInterval] = []

    def _open(self, task: TaskSla, kind: str, reason: str, at: datetime.datetime | None = None) -> None:
        interval = SlaInterval(task_sla=task, kind=kind, started_at=at or self.now, begin_reason=reason[:255])
        if self.deferred:
            self.new_intervals.append(interval)
        else:
            interval.save()

    def write_deferred(self) -> None:
        """Save the deferred attachments of a case now saved: the SLAs in one INSERT, their first
        intervals in another (each INSERT returns the new ids on PostgreSQL and SQLite). On
        PostgreSQL one statement, which also returns each schedule's version: a calendar that
        turns out older than its schedule (changed by another process since this one built it)
        is dropped and the case's SLAs are re-measured on the current one."""
        if not self.new_tasks:
            return
        if connection.vendor == "postgresql":
            current = _write_new_slas_pg(self.new_tasks, self.new_intervals)
            moved = {sid for sid, version in current.items() if self.calendars.versions.get(sid) != version}
            if moved:
                parts = CALENDARS.get()
                for sid in moved:
                    parts.pop(sid, None)
                sla_recompute(actor=None, case=self.case)
                self.case.sla_due = Case.objects.filter(pk=self.case.pk).values_list("sla_due", flat=True).get()
        elif connection.features.can_return_rows_from_bulk_insert:
            TaskSla.objects.bulk_create(self.new_tasks)
            SlaInterval.objects.bulk_create(self.new_intervals)
        else:
            for task in self.new_tasks:
                task.save()
            for interval in self.new_intervals:
                interval.save()

    def _close(self, task: TaskSla, reason: str) -> None:
        SlaInterval.objects.filter(task_sla=task, ended_at__isnull=True).update(ended_at=self.now, end_reason=reason[:255])

    def attach(self, definition: SlaDefinition, *, reason: str, retroactive: bool = True) -> TaskSla:
        case, at = self.case, self.now
        reason = f"start condition matched ({condition_describe(definition.start_condition)})" if not reason else reason
        if retroactive and definition.retroactive_start:
            since = getattr(case, definition.retroactive_start, None)
            if since is not None and since < at:
                at = since
                reason += f"; counted from {RetroactiveStart(definition.retroactive_start).label.lower()} (retroactive start)"
        schedule_id = _schedule_id(case, definition)
        task = TaskSla(
            definition=definition, case=case, target=definition.target, duration=definition.duration,
            schedule_id=schedule_id, watched=_snapshot(definition, case),
        )
        task.begin(calendar=self.calendars.get(schedule_id), at=at)
        if self.deferred:
            self.new_tasks.append(task)
        else:
            task.save()
        self._open(task, IntervalKind.COUNTED, reason, at=at)
        self.changed = True
        return task

    def finish(self, task: TaskSla, *, complete: bool, reason: str) -> None:
        calendar = self.calendars.get(task.schedule_id)
        if complete:
            task.complete(calendar=calendar, at=self.now)
        else:
            task.cancel(calendar=calendar, at=self.now)
        task.save()
        self._close(task, reason)
        self.breached |= task.has_breached
        self.changed = True

    def pause(self, task: TaskSla, reason: str) -> None:
        task.pause(calendar=self.calendars.get(task.schedule_id), at=self.now)
        task.save()
        self._close(task, reason)
        self._open(task, IntervalKind.PAUSED, reason)
        self.changed = True

    def resume(self, task: TaskSla, reason: str) -> None:
        task.resume(calendar=self.calendars.get(task.schedule_id), at=self.now)
        task.save()
        self._close(task, reason)
        self._open(task, IntervalKind.COUNTED, reason)
        self.changed = True

    def running(self, task: TaskSla, definition: SlaDefinition) -> TaskSla | None:
        """Apply the rules to one running SLA; returns it if it still runs."""
        case = self.case
        if not definition.applies_to(case):
            self.finish(task, complete=False, reason="the case left the definition's scope (contract, account or product)")
            return None
        if condition_matches(definition.reset_condition, case, watched=task.watched):
            why = f"reset condition matched ({condition_describe(definition.reset_condition)})"
            self.finish(task, complete=False, reason=why)
            if condition_matches(definition.start_condition, case) and not _attach_blocked(definition, case):
                return self.attach(definition, reason=f"{why}; start condition matches: attached afresh", retroactive=False)
            return None
        if condition_matches(definition.stop_condition, case):
            self.finish(task, complete=True, reason=f"stop condition matched ({condition_describe(definition.stop_condition)})")
            return None
        cancel = _cancel_applies(definition, case)
        if cancel:
            self.finish(task, complete=False, reason=cancel)
            return None
        pausing = condition_matches(definition.pause_condition, case)
        if task.stage == SlaStage.IN_PROGRESS and pausing:
            self.pause(task, f"pause condition matched ({condition_describe(definition.pause_condition)})")
        elif task.stage == SlaStage.PAUSED:
            if definition.when_to_resume == WhenToResume.RESUME_MATCHES:
                if condition_matches(definition.resume_condition, case):
                    self.resume(task, f"resume condition matched ({condition_describe(definition.resume_condition)})")
            elif not pausing:
                self.resume(task, f"pause condition no longer matches ({condition_describe(definition.pause_condition)})")
        snapshot = _snapshot(definition, case)
        if snapshot != task.watched:  # a watched field changed without a reset: remember its value
            task.watched = snapshot
            TaskSla.objects.filter(pk=task.pk).update(watched=snapshot)
        return task


@cache
def _task_insert_sql() -> tuple[str, tuple]:
    """The task SLAs' INSERT, written once per process: UNNEST of one typed array per column (the
    form Django's PostgreSQL compiler gives a bulk insert), returning each row's id, definition and
    schedule.
    Compiling it per case cost more than running it."""
    from django.db.models import AutoField

    fields = tuple(f for f in TaskSla._meta.concrete_fields if not f.generated and not isinstance(f, AutoField))
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in fields)
    # db_type without its length (varchar[], not varchar(16)[]), as Django's compiler casts them
    arrays = ", ".join(f"(%s)::{f.db_type(connection).split('(')[0]}[]" for f in fields)
    sql = (
        f"INSERT INTO {q(TaskSla._meta.db_table)} ({columns}) SELECT * FROM UNNEST({arrays}) "
        f"RETURNING {q(TaskSla._meta.db_table)}.{q('id')}, {q(TaskSla._meta.db_table)}.{q('definition_id')}, "
        f"{q(TaskSla._meta.db_table)}.{q('schedule_id')}"
    )
    return sql, fields


def _write_new_slas_pg(tasks: list[TaskSla], intervals: list[SlaInterval]) -> dict[int, datetime.datetime | None]:
    """PostgreSQL: a new case's task SLAs and their first intervals in one statement, two
    data-modifying CTEs. Each value goes through its field as Django's own INSERT prepares it
    (`pre_save`, `get_db_prep_save`); each interval finds its SLA by definition (a case gets one
    SLA per definition at a time). Returns the version (`updated_at`) of each schedule the SLAs
    count on, as the statement saw it."""
    task_sql, fields = _task_insert_sql()
    columns = [[] for _ in fields]
    for task in tasks:
        task._prepare_related_fields_for_save(operation_name="bulk_create")
        for column, field in zip(columns, fields):
            column.append(field.get_db_prep_save(field.pre_save(task, True), connection=connection))
    task_params = columns
    by_definition = {task.definition_id: task for task in tasks}
    if len(by_definition) != len(tasks) or any(i.task_sla.definition_id not in by_definition for i in intervals):
        raise ValueError("One new SLA per definition, each interval of one of them.")
    rows, params = [], []
    for interval in intervals:
        rows.append("(%s::bigint, %s, %s::timestamptz, %s)")
        params += [interval.task_sla.definition_id, interval.kind, interval.started_at, interval.begin_reason]
    q = connection.ops.quote_name
    sql = (
        f"WITH t AS ({task_sql}), "
        f"i AS (INSERT INTO {q(SlaInterval._meta.db_table)} (task_sla_id, kind, started_at, ended_at, begin_reason, "
        f"end_reason) SELECT t.id, v.kind, v.started_at, NULL, v.begin_reason, '' FROM t "
        f"JOIN (VALUES {', '.join(rows)}) AS v(definition_id, kind, started_at, begin_reason) "
        f"ON v.definition_id = t.definition_id RETURNING id, task_sla_id) "
        f"SELECT t.id, t.definition_id, i.id, t.schedule_id, s.updated_at FROM t LEFT JOIN i ON i.task_sla_id = t.id "
        f"LEFT JOIN {q(Schedule._meta.db_table)} s ON s.id = t.schedule_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*task_params, *params])
        returned = cursor.fetchall()
    interval_ids, versions = {}, {}
    for task_id, definition_id, interval_id, schedule_id, version in returned:
        if schedule_id is not None:
            versions[schedule_id] = version
        task = by_definition[definition_id]
        task.pk = task_id
        task._state.adding, task._state.db = False, connection.alias
        if interval_id is not None:
            interval_ids[definition_id] = interval_id
    for interval in intervals:
        task = interval.task_sla  # cached since construction; read before its id is set, which drops it
        interval.pk = interval_ids[task.definition_id]
        interval.task_sla = task  # the id and the cached object, now with its pk
        interval._state.adding, interval._state.db = False, connection.alias
    return versions


def sla_prepare_new_case(case: Case) -> None:
    """`case_creating` hook, before a new case's INSERT: the SLAs that attach are computed now, so
    the case is inserted with its `sla_due` and `made_sla` (no UPDATE after), and their rows are
    written by `sla_evaluate_case` right after the INSERT (two statements whatever their number)."""
    evaluation = _Evaluation(case, timezone.now(), deferred=True)
    for definition in ACTIVE_DEFINITIONS.get():
        if definition.applies_to(case) and condition_matches(definition.start_condition, case) and not _attach_blocked(
            definition, case
        ):
            evaluation.attach(definition, reason="")
    if evaluation.changed:
        case.sla_due, case.made_sla = _summary(case, evaluation.new_tasks, breached=evaluation.breached)
    case._sla_prepared = evaluation


def sla_evaluate_case(case: Case) -> None:
    """Attach, pause, resume, complete and cancel the case's SLAs after a change, and keep the
    case's `sla_due` and `made_sla` (inside the caller's transaction; the case row is locked)."""
    prepared = case.__dict__.pop("_sla_prepared", None)
    if prepared is not None:  # a case just inserted by case_create: its SLAs were computed before
        prepared.write_deferred()
        return
    now = timezone.now()
    definitions = {d.pk: d for d in ACTIVE_DEFINITIONS.get()}
    running = list(
        TaskSla.objects.select_for_update(of=("self",))
        .filter(case_id=case.pk, stage__in=ACTIVE_STAGES)
        .select_related("definition")
    )
    evaluation = _Evaluation(case, now)
    still_running = []
    for task in running:
        kept = evaluation.running(task, task.definition)
        if kept is not None:
            still_running.append(kept)
    attached_to = {t.definition_id for t in running}
    for definition in definitions.values():
        if definition.pk in attached_to or not definition.applies_to(case):
            continue
        if condition_matches(definition.start_condition, case) and not _attach_blocked(definition, case):
            still_running.append(evaluation.attach(definition, reason=""))
    if evaluation.changed:
        _case_summary(case, still_running, breached=evaluation.breached)


def _summary(case: Case, running: list[TaskSla], *, breached: bool) -> tuple:
    """(sla_due, made_sla): the earliest breach time among in-progress SLAs; false once any breached."""
    dues = [t.breach_time for t in running if t.stage == SlaStage.IN_PROGRESS and t.breach_time is not None]
    sla_due = min(dues) if dues else None
    made_sla = case.made_sla and not breached and not any(t.has_breached for t in running)
    return sla_due, made_sla


def _case_summary(case: Case, running: list[TaskSla], *, breached: bool) -> None:
    sla_due, made_sla = _summary(case, running, breached=breached)
    if (sla_due, made_sla) != (case.sla_due, case.made_sla):
        Case.objects.filter(pk=case.pk).update(sla_due=sla_due, made_sla=made_sla)
        case.sla_due, case.made_sla = sla_due, made_sla


hooks.register_case_creating(sla_prepare_new_case)
hooks.register_case_changed(sla_evaluate_case)


# --- the beat's scan -----------------------------------------------------------------------------
def _notice_recipients(case: Case, pct: int) -> list[tuple[str, object]]:
    """(role, user): the assignee at every threshold, the group's manager from 75 %."""
    people = []
    if case.assigned_to_id and case.assigned_to.is_active:
        people.append(("assignee", case.assigned_to))
    manager = case.assignment_group.manager if case.assignment_group_id else None
    if pct >= 75 and manager is not None and manager.is_active and manager.pk != case.assigned_to_id:
        people.append(("manager", manager))
    return people


def _notice(task: TaskSla, pct: int, at: datetime.datetime, cache: dict, batch: list) -> int:
    """The threshold's message (templates sla.50 / sla.75 / sla.100, internal) to each recipient,
    keyed `sla:<task sla id>:<pct>:<assignee|manager>`; threaded with the case's other mail."""
    from notifications.choices import Audience
    from notifications.services import Recipient, notification_fanout  # the outbox (below cases)

    from cases.services.notify import case_thread, sla_case_context

    case = task.case
    context = {
        "case": sla_case_context(case),
        "sla": {
            "name": task.definition.name, "percent": pct, "at": f"{at:%Y-%m-%d %H:%M %Z}",
            "breach_time": f"{task.breach_time:%Y-%m-%d %H:%M %Z}" if task.breach_time else "",
        },
    }
    sent = 0
    for role, user in _notice_recipients(case, pct):
        sent += len(notification_fanout(
            event=f"sla.{pct}", recipients=[Recipient(Audience.INTERNAL, user=user)],
            contexts={Audience.INTERNAL: context}, dedupe=f"sla:{task.pk}:{pct}", tag=role, related=task,
            thread=case_thread(case), subject_tag=case.number, cache=cache, batch=batch,
        ))
    return sent


SCANNED_FIELDS = ("notified_pct", "has_breached", "breach_time", "next_check_at", "updated_at")


def _save_scanned(tasks: list[TaskSla]) -> None:
    """One UPDATE per row, sent as one executemany (pipelined by psycopg 3): several times faster
    than bulk_update's CASE WHEN over the batch, which Django builds and PostgreSQL plans slowly."""
    fields = [TaskSla._meta.get_field(name) for name in SCANNED_FIELDS]
    sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    sql = f"UPDATE {connection.ops.quote_name(TaskSla._meta.db_table)} SET {sets} WHERE id = %s"
    rows = [[f.get_db_prep_save(getattr(t, f.attname), connection) for f in fields] + [t.pk] for t in tasks]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def sla_due_query(now: datetime.datetime, batch_size: int):
    """The scan's batch: due running SLAs through the partial index `tasksla_due`, oldest due
    first, locked with their cases; rows someone else holds are skipped, never waited for."""
    return (
        TaskSla.objects.select_for_update(skip_locked=True, of=("self", "case"))
        .filter(stage=SlaStage.IN_PROGRESS, next_check_at__isnull=False, next_check_at__lte=now)
        .select_related("case__assigned_to", "case__assignment_group__manager", "definition")
        .order_by("next_check_at")[:batch_size]
    )


def _scan_batch(now: datetime.datetime, batch_size: int, calendars: sla_calendars) -> tuple[int, int]:
    from notifications.services import notification_write_batch  # the outbox (below cases)

    with transaction.atomic():
        due = list(sla_due_query(now, batch_size))
        if not due:
            return 0, 0
        calendars.load({t.schedule_id for t in due})
        breached_cases, cache, outbox = set(), {}, []  # cache: templates and preferences, once per batch
        for task in due:
            calendar = calendars.get(task.schedule_id)
            for pct in THRESHOLDS:
                if pct <= task.notified_pct:
                    continue
                at = task.threshold_at(calendar, pct)
                if at is None or at > now:
                    break
                _notice(task, pct, at, cache, outbox)
                task.notified_pct = pct
                if pct == 100:
                    task.has_breached = True
                    breached_cases.add(task.case_id)
            task.breach_time = task.threshold_at(calendar, 100)
            upcoming = [p for p in THRESHOLDS if p > task.notified_pct]
            task.next_check_at = task.threshold_at(calendar, upcoming[0]) if upcoming else None
            task.updated_at = now
        notices = len(notification_write_batch(outbox))  # commits with the thresholds that caused them
        _save_scanned(due)
        if breached_cases:
            Case.objects.filter(pk__in=breached_cases, made_sla=True).update(made_sla=False)
        return len(due), notices


def sla_scan_due(*, now: datetime.datetime | None = None, batch_size: int | None = None, max_batches: int = 50) -> dict:
    """The beat's SLA scan: running SLAs whose next threshold is due (partial index on
    next_check_at), in batches of `batch_size`, each in its own transaction. Sends the 50/75/100 %
    notices (each exactly once: the threshold moves in the same transaction as the outbox rows,
    and the rows carry dedupe keys), marks breaches, and moves each SLA to its next threshold.
    Re-running it, or running two at once, sends nothing twice."""
    now = now or timezone.now()
    batch_size = batch_size or settings.SLA_SCAN_BATCH
    calendars = sla_calendars()
    total = notices = batches = 0
    while batches < max_batches:
        done, sent = _scan_batch(now, batch_size, calendars)
        total, notices, batches = total + done, notices + sent, batches + 1
        if done < batch_size:
            break
    return {"processed": total, "notices": notices, "batches": batches}


# --- recomputation -------------------------------------------------------------------------------
def _recompute_one(task: TaskSla, calendar: BusinessCalendar | None) -> None:
    counted = paused = datetime.timedelta(0)
    for interval in task.intervals.all():
        if interval.ended_at is None:
            continue
        if interval.kind == IntervalKind.COUNTED:
            counted += business_between(calendar, interval.started_at, interval.ended_at)
        else:
            paused += business_between(calendar, interval.started_at, interval.ended_at)
    task.replan(calendar, counted_before=counted, business_pause=paused)
    task.save()


@transaction.atomic
def sla_recompute(*, actor, case: Case) -> int:
    """Re-measure the case's running SLAs on their schedules as they are now (after a span or
    holiday change): counted time from the interval log, then breach time and next threshold."""
    permissions_slas.require_can_recompute_slas(actor)
    case = Case.objects.select_for_update().get(pk=case.pk)
    running = list(
        TaskSla.objects.select_for_update(of=("self",)).filter(case=case, stage__in=ACTIVE_STAGES)
        .prefetch_related("intervals")
    )
    calendars = sla_calendars()
    calendars.load({t.schedule_id for t in running})
    for task in running:
        _recompute_one(task, calendars.get(task.schedule_id))
    if running:
        dues = [t.breach_time for t in running if t.stage == SlaStage.IN_PROGRESS and t.breach_time is not None]
        Case.objects.filter(pk=case.pk).update(sla_due=min(dues) if dues else None)
    return len(running)


def _recompute_cases(case_ids: Iterable[int], actor=None) -> int:
    count = 0
    for case_id in case_ids:
        case = Case.objects.filter(pk=case_id).first()
        if case is not None:
            count += sla_recompute(actor=actor, case=case)
    return count


def sla_recompute_schedule(*, schedule_id: int, actor=None, batch_size: int = 500) -> int:
    """Recompute every running SLA counting on this schedule, case by case (each case locked as a
    case save locks it), in id order by batches; idempotent. Returns how many were recomputed."""
    count, after = 0, 0
    while True:
        case_ids = list(
            TaskSla.objects.filter(schedule_id=schedule_id, stage__in=ACTIVE_STAGES, case_id__gt=after)
            .order_by("case_id").values_list("case_id", flat=True).distinct()[:batch_size]
        )
        if not case_ids:
            return count
        count += _recompute_cases(case_ids, actor)
        after = case_ids[-1]


def sla_recompute_definition(*, definition: SlaDefinition, actor=None) -> int:
    """Recompute the running SLAs of one definition (the admin's action)."""
    case_ids = (
        TaskSla.objects.filter(definition=definition, stage__in=ACTIVE_STAGES)
        .order_by("case_id").values_list("case_id", flat=True).distinct()
    )
    return _recompute_cases(list(case_ids), actor)


def _schedule_changed(schedule_id: int) -> None:
    """catalog's hook: a schedule, span or holiday changed; recompute after commit (async). If the
    broker is down the change still commits; `manage.py recompute_slas --schedule` redoes it."""
    transaction.on_commit(partial(recompute_slas_for_schedule_task.delay, schedule_id=schedule_id), robust=True)


catalog_hooks.register_schedule_changed(_schedule_changed)


# --- demo data -----------------------------------------------------------------------------------
def _demo_definitions(office_hours: Schedule) -> list[dict]:
    new = {"field": "state_category", "op": "eq", "value": "new"}
    p12 = {"field": "priority", "op": "in", "value": [1, 2]}
    p34 = {"field": "priority", "op": "in", "value": [3, 4]}
    not_new = [{"field": "state_category", "op": "ne", "value": "new"}]
    resolution = {
        "target": "resolution",
        "pause_condition": [{"field": "state_category", "op": "eq", "value": "awaiting"}],
        "stop_condition": [{"field": "state_category", "op": "in", "value": ["resolved", "closed"]}],
        # The start condition names New, so "start no longer matches" would cancel the SLA as soon
        # as the case is opened: these cancel only when the case is cancelled.
        "when_to_cancel": WhenToCancel.CANCEL_MATCHES,
        "cancel_condition": [{"field": "state_category", "op": "eq", "value": "cancelled"}],
        "retroactive_start": RetroactiveStart.OPENED_AT,
        "duration": datetime.timedelta(days=2),
    }
    response = {"target": "response", "stop_condition": not_new, "retroactive_start": RetroactiveStart.OPENED_AT}
    return [
        {"name": "Initial Response P1/P2", "start_condition": [new, p12], "duration": datetime.timedelta(hours=4),
         "schedule": None, **response,
         "description": "First response to a critical or high case within 4 hours, around the clock."},
        {"name": "Initial Response P3/P4", "start_condition": [new, p34], "duration": datetime.timedelta(hours=8),
         "schedule": office_hours, **response,
         "description": "First response to a moderate or low case within 8 business hours (8-5 weekdays)."},
        {"name": "Resolution P1/P2", "start_condition": [new, p12], "schedule": None, **resolution,
         "description": "Resolve a critical or high case within 2 days, around the clock; paused while awaiting info."},
        {"name": "Resolution P3/P4", "start_condition": [new, p34], "schedule": office_hours, **resolution,
         "description": "Resolve a moderate or low case within 2 days of business time (8-5 weekdays); paused while awaiting info."},
    ]


@transaction.atomic
def sla_demo_definitions_install(*, actor=None) -> list[SlaDefinition]:
    """The reference's four example definitions, and the '8-5 weekdays' schedule they use.
    Idempotent: existing records (by name) are left as they are."""
    from catalog import services as catalog_services

    office = Schedule.objects.filter(name="8-5 weekdays").first()
    if office is None:
        office = catalog_services.schedule_create(
            actor=None, name="8-5 weekdays", time_zone="America/New_York",
            description="Monday to Friday, 08:00-17:00 New York time (the SLA examples' business hours).",
        )
        for weekday in range(5):
            catalog_services.schedule_span_create(
                actor=None, schedule=office, weekday=weekday, start_time=datetime.time(8), end_time=datetime.time(17)
            )
    made = []
    for fields in _demo_definitions(office):
        existing = SlaDefinition.objects.filter(name=fields["name"]).first()
        made.append(existing or sla_definition_create(actor=actor, **fields))
    return made
