"""Reads of the agent workspace's record pages (case, case task, case line), scoped to the reader.

Each record page reads a fixed number of queries whatever the size of its journal, its tasks or
its attachments: the record with its related rows joined, the lifecycle's states and the actions
open now, one query per related list (each capped), and one page of the timeline read backwards
through the `(case, created_at, id)` index with a keyset cursor (no OFFSET, no COUNT)."""
import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Prefetch, Q, prefetch_related_objects
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases import hooks, permissions, selectors, selectors_attachments, selectors_escalations, selectors_slas, selectors_work
from cases.choices import EventKind
from cases.models import (
    Case, CaseAttachment, CaseEvent, CaseLine, CaseRelatedParty, CaseTask, Escalation, SlaInterval,
    TaskSla,
)
from cases.models.escalations import OPEN_ESCALATION_STATES
from cases.models.slas import ACTIVE_STAGES
from cases.services.slas import sla_calendars

TIMELINE_PAGE = 25
RELATED_CAP = 50  # rows per related list on the record page; the lists pages hold the rest

TIMELINE_FILTERS = {
    "all": None,
    "comments": (EventKind.COMMENT,),
    "work_notes": (EventKind.WORK_NOTE,),
    "updates": tuple(k for k in EventKind.values if k not in (EventKind.COMMENT, EventKind.WORK_NOTE)),
}


RECORD_JOINS = ("account", "contact", "assignment_group", "assigned_to")


def _presence_probes() -> dict[str, tuple]:
    """The related lists (and the panels of apps above cases that declare a `presence`) whose
    rows the record page probes with the case: name -> (model, foreign key to the case)."""
    probes = {
        "tasks": (CaseTask, "case"), "lines": (CaseLine, "case"), "children": (Case, "parent"),
        "attachments": (CaseAttachment, "case"), "escalations": (Escalation, "case"),
        "parties": (CaseRelatedParty, "case"), "watchers": (Case.watch_list.through, "case"),
        "slas": (TaskSla, "case"),
    }
    for panel in hooks.case_panels():
        if panel.presence is not None:
            probes[f"panel_{panel.key}"] = panel.presence
    return probes


def _related_flag_columns() -> dict[str, str]:
    """Which related lists of the case have any row, as extra columns of the statement that reads
    the case: one index-only EXISTS probe each (portable SQL, table and column names from the
    models). Hand-written on purpose: the ORM spent ~6 ms building the same Exists() subqueries,
    the database well under a millisecond running them; and a column of the case's own read
    costs no round trip of its own. The page then skips the query of every empty list."""
    quote = connection.ops.quote_name
    outer = f"{quote(Case._meta.db_table)}.{quote(Case._meta.pk.column)}"
    return {
        f"has_{name}": f"EXISTS(SELECT 1 FROM {quote(model._meta.db_table)} probe "
                       f"WHERE probe.{quote(model._meta.get_field(fk).column)} = {outer})"
        for name, (model, fk) in _presence_probes().items()
    }


def case_record_get(*, user, number: str, related_flags: bool = False) -> Case:
    """The case behind a record page, or 404. Joined: what every case shows (account, contact,
    group, assignee). The rest (product, case type and its fields, consumer, parent) is read
    only when the case has one, by primary key: every join costs PostgreSQL planning time (15
    joins planned in ~40 ms, 4 in ~1 ms), far more than a lookup by key. `related_flags`: also
    the EXISTS flags of the related lists and panels, `case.has_<name>` (the full page and the
    composer's answer; other fragments and commands skip them)."""
    qs = selectors.case_list_for_user(user=user).select_related(*RECORD_JOINS).prefetch_related(None)
    if related_flags:
        qs = qs.extra(select=_related_flag_columns())  # noqa: S610 (SQL built from model metadata only)
    # The number is unique: one row by its index, no ORDER BY (`first()` would add one by id:
    # a sort in the plan and a fifth of this read's Python spent compiling it).
    case = next(iter(qs.filter(number=number.upper()).order_by()[:1]), None)
    if case is None:
        raise Http404("No such case, or not yours to see.")
    if related_flags:
        for name in _presence_probes():
            setattr(case, f"has_{name}", bool(getattr(case, f"has_{name}")))  # SQLite answers 0 / 1
    if case.case_type_id:
        prefetch_related_objects([case], "case_type__fields")  # its typed fields, read once
    return case


def case_after_write(*, read: Case, written: Case) -> Case:
    """The case a service just saved, shown in the answer of the request that read `read` (the
    same case, through `case_record_get`): `written` keeps the related rows the service held, and
    takes the related lists' flags of the read. A list can only have been empty and gained a row
    in between through the write itself: an SLA attached by the SLA hook sets the case's
    `sla_due`, so a due time counts as "has SLAs"."""
    for name in _presence_probes():
        flag = getattr(read, f"has_{name}", None)
        if flag is not None:
            setattr(written, f"has_{name}", flag)
    if getattr(written, "has_slas", True) is False and written.sla_due is not None:
        written.has_slas = True
    return written


def lifecycle_state_labels(case: Case) -> dict[str, str]:
    """Code -> label of the case's lifecycle states (for the header and the timeline), from the
    per-process cache of every lifecycle's labels (core.refcache): no query."""
    return selectors.lifecycle_state_labels_of(case.lifecycle_id)


# --- the timeline --------------------------------------------------------------------------------
@dataclass
class TimelinePage:
    rows: list[CaseEvent]
    next_cursor: str | None  # pass back as `before` for the older entries


def _cursor(event: CaseEvent) -> str:
    return f"{event.created_at.isoformat()}_{event.pk}"


def _parse_cursor(value: str | None) -> tuple[datetime.datetime, int] | None:
    if not value or "_" not in value:
        return None
    stamp, _, pk = value.rpartition("_")
    moment = parse_datetime(stamp.replace(" ", "+"))  # a "+" in a query string arrives as a space
    if moment is None or not pk.isdigit():
        return None
    return moment, int(pk)


def case_timeline_page(*, user, case: Case, before: str | None = None, show: str = "all",
                       size: int = TIMELINE_PAGE) -> TimelinePage:
    """One page of the activity timeline, newest first, as this user may see it."""
    qs = selectors.case_events_for_user(user=user, case=case).select_related(None).select_related("author").only(
        "id", "case_id", "kind", "created_at", "body", "field", "old", "new", "customer_visible",
        "author__id", "author__username", "author__first_name", "author__last_name",
    )
    kinds = TIMELINE_FILTERS.get(show)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    cursor = _parse_cursor(before)
    if cursor is not None:
        moment, pk = cursor
        qs = qs.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return TimelinePage(rows=rows, next_cursor=_cursor(rows[-1]) if more and rows else None)


# --- the related lists ---------------------------------------------------------------------------
@dataclass
class SlaRow:
    sla: object
    clock: selectors_slas.SlaClock
    running: bool


@dataclass
class CaseRelated:
    tasks: list = field(default_factory=list)
    lines: list = field(default_factory=list)
    children: list = field(default_factory=list)
    attachments: list = field(default_factory=list)
    slas: list[SlaRow] = field(default_factory=list)
    parties: list = field(default_factory=list)
    watchers: list = field(default_factory=list)
    escalations: list = field(default_factory=list)

    @property
    def open_escalation(self):
        return next((e for e in self.escalations if e.state in OPEN_ESCALATION_STATES), None)

    @property
    def running_slas(self) -> list[SlaRow]:
        return [row for row in self.slas if row.running]


def _has(case: Case, name: str) -> bool:
    """The EXISTS flag read with the case (True when the case came from elsewhere)."""
    return getattr(case, f"has_{name}", True)


def case_tasks_for_record(*, user, case: Case) -> list[CaseTask]:
    if not _has(case, "tasks"):
        return []
    qs = selectors_work.case_task_list_for_user(user=user).filter(case=case).select_related(None).select_related(
        "assigned_to", "assignment_group"
    ).only(
        "id", "number", "short_description", "state", "priority", "visible_to_customer", "case_id",
        "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name", "assignment_group__name",
    )
    return list(qs.order_by("state", "number")[:RELATED_CAP])


def case_lines_for_record(*, user, case: Case) -> list[CaseLine]:
    if not _has(case, "lines"):
        return []
    qs = selectors_work.case_line_list_for_user(user=user).filter(case=case).select_related(None).select_related(
        "assigned_to", "product"
    ).only(
        "id", "number", "short_description", "state", "priority", "case_id", "parent_line_id",
        "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name", "product__name",
    )
    return list(qs.order_by("number")[:RELATED_CAP])


def case_slas_for_record(*, user, case: Case, now: datetime.datetime | None = None) -> list[SlaRow]:
    """The case's SLAs with their clocks explained at one instant (internal readers only)."""
    if not _has(case, "slas"):
        return []
    now = now or timezone.now()
    intervals = Prefetch("intervals", queryset=SlaInterval.objects.order_by("started_at", "id"))
    rows = list(
        selectors_slas.task_sla_list_for_user(user=user).filter(case=case).select_related(None)
        .select_related("definition").prefetch_related(None).prefetch_related(intervals).order_by("start_time", "id")
    )
    calendars = sla_calendars()
    calendars.load({row.schedule_id for row in rows})
    return [
        SlaRow(sla=row, clock=selectors_slas.sla_clock(row, calendars.get(row.schedule_id), now),
               running=row.stage in ACTIVE_STAGES)
        for row in rows
    ]


def case_escalations_for_record(*, user, case: Case) -> list:
    """The case's escalations, newest first (the header shows the open one)."""
    if not _has(case, "escalations"):
        return []
    qs = selectors_escalations.escalation_list_for_user(user=user).filter(case=case).select_related(None)
    return list(qs.select_related("requested_by").order_by("-requested_at", "-id")[:RELATED_CAP])


def case_attachments_for_record(*, user, case: Case) -> list:
    if not _has(case, "attachments"):
        return []
    return list(selectors_attachments.attachment_list_for_user(user=user, case=case)[: RELATED_CAP * 2])


def case_related_for_record(*, user, case: Case) -> CaseRelated:
    """Every related list of the record page: one query for each list that has rows (SLAs: with
    their intervals and business calendars), none for an empty one; each capped at RELATED_CAP."""
    children = [] if not _has(case, "children") else (
        selectors.case_children_for_user(user=user, case=case).select_related("assigned_to")
        .only("id", "number", "short_description", "state", "state_category", "priority", "updated_at",
              "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name")
        .order_by("-updated_at")[:RELATED_CAP]
    )
    return CaseRelated(
        tasks=case_tasks_for_record(user=user, case=case),
        lines=case_lines_for_record(user=user, case=case),
        children=list(children),
        attachments=case_attachments_for_record(user=user, case=case),
        slas=case_slas_for_record(user=user, case=case),
        parties=list(selectors.case_related_parties_for_user(user=user, case=case)[:RELATED_CAP])
        if _has(case, "parties") else [],
        watchers=list(case.watch_list.only("id", "username", "first_name", "last_name").order_by("username"))
        if _has(case, "watchers") else [],
        escalations=case_escalations_for_record(user=user, case=case),
    )


# --- case tasks and case lines -------------------------------------------------------------------
def case_task_record_get(*, user, number: str) -> CaseTask:
    task = selectors_work.case_task_list_for_user(user=user).filter(number=number.upper()).first()
    if task is None:
        raise Http404("No such case task, or not yours to see.")
    return task


def case_line_record_get(*, user, number: str) -> CaseLine:
    line = selectors_work.case_line_list_for_user(user=user).filter(number=number.upper()).first()
    if line is None:
        raise Http404("No such case line, or not yours to see.")
    return line


def work_journal_for_user(*, user, record: CaseTask | CaseLine, size: int = 100) -> list[CaseEvent]:
    """The entries a task or line left on its case's timeline (opened, replies, updates, state
    changes), newest first. `record` was fetched through its own selector, so whoever sees it
    reads its journal, even without sight of the whole case (the back office); the customer side
    reads only the entries meant for it."""
    qs = CaseEvent.objects.filter(case_id=record.case_id, kind=EventKind.TASK, body__contains=record.number)
    if not (permissions.can_work_case(user) or user.has_perm("cases.view_all_cases") or _works_tasks(user)):
        qs = qs.filter(customer_visible=True)
    return list(qs.select_related("author").order_by("-created_at", "-id")[:size])


def _works_tasks(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.view_casetask"))


def case_visible_to(*, user, case_id: int) -> bool:
    """Can the user open the parent case's record page? (The back office often cannot.)"""
    return user.has_perm("cases.view_all_cases") or selectors.case_list_for_user(user=user).filter(pk=case_id).exists()
