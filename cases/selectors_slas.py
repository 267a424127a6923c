"""Reads of SLAs, scoped to the reader (rules in `cases.permissions_slas`), and the clock
explanation: what each SLA counted and paused, why each interval began and ended, elapsed,
business elapsed, time left and percentage, all at one instant."""
import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from cases import permissions_slas
from cases.models import Case, SlaDefinition, SlaInterval, TaskSla
from cases.models.slas import IntervalKind, SlaStage
from catalog.business_hours import business_between

ZERO = datetime.timedelta(0)


def sla_definition_list_for_user(*, user) -> QuerySet[SlaDefinition]:
    if not user or not user.is_authenticated or not user.has_perm(permissions_slas.VIEW_DEFINITION):
        return SlaDefinition.objects.none()
    return SlaDefinition.objects.select_related("schedule")


def task_sla_list_for_user(*, user) -> QuerySet[TaskSla]:
    """Every task SLA for internal readers; nothing for anyone else. Intervals come prefetched
    (one query per page), oldest first."""
    if not permissions_slas.can_view_task_slas(user):
        return TaskSla.objects.none()
    intervals = Prefetch("intervals", queryset=SlaInterval.objects.order_by("started_at", "id"))
    return TaskSla.objects.select_related("definition", "case").prefetch_related(intervals)


def task_slas_for_case(*, user, case: Case) -> QuerySet[TaskSla]:
    """The SLAs of a case the user can see (the case itself was fetched through its selector)."""
    return task_sla_list_for_user(user=user).filter(case=case)


@dataclass
class IntervalExplained:
    kind: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    begin_reason: str
    end_reason: str
    duration: datetime.timedelta
    business_duration: datetime.timedelta


@dataclass
class SlaClock:
    """A task SLA's clock at `at` (business figures on its schedule; 24x7 without one)."""

    at: datetime.datetime
    elapsed: datetime.timedelta            # wall time since the start (to the stop once stopped)
    actual_elapsed: datetime.timedelta     # the same without the paused stretches
    business_elapsed: datetime.timedelta   # counted business time
    business_time_left: datetime.timedelta  # duration - business elapsed (negative once breached)
    actual_time_left: datetime.timedelta | None  # wall time to the planned end, while in progress
    business_percentage: float
    intervals: list[IntervalExplained] = field(default_factory=list)


def sla_clock(task: TaskSla, calendar, at: datetime.datetime | None = None) -> SlaClock:
    """Explain the clock from the task SLA's columns and its (prefetched) interval log."""
    at = at or timezone.now()
    end = task.stop_time or at
    intervals = []
    paused_wall = ZERO
    for interval in task.intervals.all():
        stop = interval.ended_at or end
        wall = max(stop - interval.started_at, ZERO)
        if interval.kind == IntervalKind.PAUSED:
            paused_wall += wall
        intervals.append(
            IntervalExplained(
                kind=interval.kind, started_at=interval.started_at, ended_at=interval.ended_at,
                begin_reason=interval.begin_reason, end_reason=interval.end_reason,
                duration=wall, business_duration=business_between(calendar, interval.started_at, stop),
            )
        )
    business = task.business_elapsed(calendar, end) if task.stage == SlaStage.IN_PROGRESS else task.counted_before
    elapsed = max(end - task.start_time, ZERO)
    left = task.duration - business
    actual_left = task.breach_time - at if task.stage == SlaStage.IN_PROGRESS and task.breach_time else None
    return SlaClock(
        at=at, elapsed=elapsed, actual_elapsed=max(elapsed - paused_wall, ZERO), business_elapsed=business,
        business_time_left=left, actual_time_left=actual_left,
        business_percentage=round(100 * business / task.duration, 2) if task.duration else 0.0,
        intervals=intervals,
    )
