"""The dashboards' figures (reference 10.4), scoped to the reader and computed by aggregate queries
in the database: COUNT/AVG with FILTER clauses, grouped by a handful of columns. Python only adds
up the few grouped rows that come back (a dozen states x four priorities), never loops over cases.

How each figure stays fast at a million cases (docs/architecture.md, "Dashboards"):
- the open backlog (new, open, awaiting: not resolved, closed or cancelled) is read from two
  partial indexes holding every column its aggregates use (`case_open_metrics`, led by the
  assignment group; `case_open_assignee_metrics`, led by the assignee), so PostgreSQL answers from
  the index alone, whatever the size of the history;
- history is read only within the chosen period, through the indexes on `opened_at` and
  `resolved_at` (each followed by the group, so a group filter stays inside the index);
- blocked cases are counted from the case's own `blocked` flag (kept by the services that open and
  resolve "blocked by" records), inside the same index scans as the backlog;
- escalated cases are counted from the escalations in force (few rows), joined to their case,
  never by probing every open case.

Definitions (the reference's where the data model allows; departures are said):
- SLA (the case list's filters, so a figure and its list agree): *breached* when `made_sla` is
  false (an SLA of the case breached; the beat's scan flags it within 30 s of the due time); *at
  risk* when its earliest running SLA is due within `CASE_SLA_AT_RISK_MINUTES` (default 60) or
  already past due. The SLA stage chart splits the open backlog into disjoint stages: breached,
  at risk (not breached), on track (due later), no running SLA (none attached, or all paused).
- Escalated: an escalation of the case in the state "escalated" (approved or needing none), as
  the case list's `escalated=true`; a request still waiting for approval does not count.
- First contact resolution (reference 10.4's case report: FCR when the case had one update; not
  when reopened, ever set to awaiting info, or worked through more contacts before resolution).
  Approximation from the case's own columns: resolved in the period, never reopened, and the
  agent's first response was the resolution itself (`first_response_at` is set by an agent's first
  comment, request for information or solution; equal to `resolved_at` when the solution was the
  first response) or there was none (closed in one step). Phone calls and e-mails before the
  resolution are not counted until interactions are linked to cases.
- Mean time to resolve: the mean of `resolved_at - opened_at` over the cases resolved in the
  period (wall-clock time, as the reference's "time to resolve = resolved - created").
- Reopen rate: the share of the cases resolved in the period that were reopened at least once.
"""
import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

from cases import selectors_metrics_sql
from cases.choices import Priority, StateCategory
from cases.models import CaseOffer, Escalation, LifecycleState
from cases.models.routing import OfferState
from cases.permissions_metrics import require_can_view_team_metrics
from cases.selectors import case_list_for_user
from catalog.models import Product
from customers.models import Account
from users.models import AssignmentGroup, User

OPEN_CATEGORIES = (StateCategory.NEW, StateCategory.OPEN, StateCategory.AWAITING)
ESCALATED = "escalated"  # the escalation state the case list's `escalated=true` means
PRIORITIES = tuple(Priority.values)
PERIODS = (7, 30, 90, 365)  # days
DEFAULT_PERIOD = 30
BACKLOG_WEEKS = 12
TOP = 15  # rows of a breakdown table
# The breakdowns: what `by=` selects, and the case column it groups on.
DIMENSIONS = {
    "group": "assignment_group_id",
    "agent": "assigned_to_id",
    "account": "account_id",
    "product": "product_id",
}
DIMENSION_NONE = {"group": "No group", "agent": "Unassigned", "account": "No account", "product": "No product"}


class SlaStage:
    BREACHED, AT_RISK, ON_TRACK, NONE = "breached", "at_risk", "on_track", "none"
    ORDER = (BREACHED, AT_RISK, ON_TRACK, NONE)
    LABELS = {BREACHED: "Breached", AT_RISK: "At risk", ON_TRACK: "On track", NONE: "No running SLA"}


def at_risk_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.CASE_SLA_AT_RISK_MINUTES)


def sla_breached_q() -> Q:
    """The case list's `sla=breached`."""
    return Q(made_sla=False)


def sla_at_risk_q(now: datetime.datetime) -> Q:
    """The case list's `sla=at_risk`: the earliest running SLA is due within the window or past due."""
    return Q(sla_due__isnull=False, sla_due__lte=now + at_risk_window())


def sla_stage_q(stage: str, now: datetime.datetime) -> Q:
    """The open cases in one SLA stage at `now`; the stages do not overlap (module docstring)."""
    soon = now + at_risk_window()
    if stage == SlaStage.BREACHED:
        return sla_breached_q()
    if stage == SlaStage.AT_RISK:
        return Q(made_sla=True, sla_due__lte=soon)
    if stage == SlaStage.ON_TRACK:
        return Q(made_sla=True, sla_due__gt=soon)
    return Q(made_sla=True, sla_due__isnull=True)


def open_cases(qs):
    """New, open or awaiting: the predicate of the open-backlog partial indexes, written the same
    way so PostgreSQL recognises it."""
    return qs.filter(state_category__in=list(OPEN_CATEGORIES))


def _count(condition: Q | None = None, column: str = "priority") -> Count:
    """COUNT of a non-null column held by the index (COUNT(*) cannot take a FILTER in Django, and
    COUNT(id) would send PostgreSQL to the table for the id)."""
    return Count(column, filter=condition)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def duration_text(value: datetime.timedelta | None) -> str:
    """A duration the way a dashboard says it: "2 d 4 h", "3 h 20 min", "12 min"; "—" for none."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@dataclass(frozen=True)
class StateCount:
    code: str
    label: str
    count: int


def _state_counts(counts: dict[str, int]) -> list[StateCount]:
    """States with their labels, in lifecycle order (the default lifecycle's labels first)."""
    if not counts:
        return []
    rows = (
        LifecycleState.objects.filter(code__in=list(counts))
        .order_by("-lifecycle__is_default", "lifecycle_id", "order", "id")
        .values_list("code", "label", "category", "order")
    )
    known: dict[str, tuple] = {}
    for code, label, category, order in rows:
        known.setdefault(code, (label, list(StateCategory.values).index(category), order))
    ordered = sorted(counts, key=lambda code: (known.get(code, ("", 99, 0))[1:], code))
    return [StateCount(code, known.get(code, (code,))[0], counts[code]) for code in ordered]


# --- the agent dashboard -------------------------------------------------------------------------
@dataclass
class AgentDashboard:
    as_of: datetime.datetime
    open: int = 0                   # my open cases (new, open, awaiting)
    new: int = 0                    # of them still new: not yet accepted or worked
    needs_attention: int = 0
    breached: int = 0
    at_risk: int = 0
    by_priority: dict[int, int] = field(default_factory=dict)
    by_state: list[StateCount] = field(default_factory=list)
    groups: list[tuple[int, str]] = field(default_factory=list)  # my active groups (id, name)
    groups_open: int = 0
    groups_p1: int = 0
    groups_unassigned: int = 0
    offers: int = 0                 # cases offered to me, waiting for my answer


def agent_dashboard_for_user(*, user, now: datetime.datetime | None = None) -> AgentDashboard:
    """The reader's own open cases and their groups' queues; five small queries whatever the data."""
    now = now or timezone.now()
    base = case_list_for_user(user=user)
    board = AgentDashboard(as_of=now, by_priority=dict.fromkeys(PRIORITIES, 0))
    rows = (
        open_cases(base).filter(assigned_to=user)
        .values("state_category", "state", "priority")
        .annotate(
            n=_count(),
            breached=_count(sla_breached_q()),
            at_risk=_count(sla_at_risk_q(now)),
            attention=_count(Q(needs_attention=True)),
        )
        .order_by()
    )
    states: dict[str, int] = {}
    for row in rows:
        board.open += row["n"]
        board.new += row["n"] if row["state_category"] == StateCategory.NEW else 0
        board.needs_attention += row["attention"]
        board.breached += row["breached"]
        board.at_risk += row["at_risk"]
        board.by_priority[row["priority"]] = board.by_priority.get(row["priority"], 0) + row["n"]
        states[row["state"]] = states.get(row["state"], 0) + row["n"]
    board.by_state = _state_counts(states)
    board.groups = list(
        AssignmentGroup.objects.filter(members=user, active=True).order_by("name").values_list("pk", "name")
    )
    if board.groups:
        queue = open_cases(base).filter(assignment_group_id__in=[pk for pk, _ in board.groups]).aggregate(
            open=_count(), p1=_count(Q(priority=Priority.CRITICAL)), unassigned=_count(Q(assigned_to__isnull=True)),
        )
        board.groups_open, board.groups_p1, board.groups_unassigned = queue["open"], queue["p1"], queue["unassigned"]
    board.offers = CaseOffer.objects.filter(agent=user, state=OfferState.OFFERED).count()
    return board


# --- the manager dashboard -----------------------------------------------------------------------
@dataclass
class OpenRow:
    """One breakdown row of the open backlog (key None: no group / unassigned / ...)."""

    key: int | None
    label: str
    open: int = 0
    by_priority: dict[int, int] = field(default_factory=dict)
    unassigned: int = 0
    breached: int = 0
    at_risk: int = 0
    blocked: int = 0
    escalated: int = 0

    @property
    def breached_pct(self):
        return _pct(self.breached, self.open)


@dataclass
class ResolvedRow:
    """Cases resolved in the period: one breakdown row, or the whole (key None, label "All")."""

    key: int | None
    label: str
    resolved: int = 0
    mean_time_to_resolve: datetime.timedelta | None = None
    first_contact: int = 0
    reopened: int = 0
    breached: int = 0

    @property
    def fcr_pct(self):
        return _pct(self.first_contact, self.resolved)

    @property
    def reopen_pct(self):
        return _pct(self.reopened, self.resolved)

    @property
    def breached_pct(self):
        return _pct(self.breached, self.resolved)

    @property
    def mttr_text(self) -> str:
        return duration_text(self.mean_time_to_resolve)

    @property
    def mttr_hours(self):
        return round(self.mean_time_to_resolve.total_seconds() / 3600, 1) if self.mean_time_to_resolve else None


@dataclass(frozen=True)
class Week:
    start: datetime.date  # a Monday
    opened: int
    resolved: int

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)

    @property
    def net(self) -> int:
        return self.opened - self.resolved


@dataclass
class ManagerDashboard:
    as_of: datetime.datetime
    group_ids: list[int] | None   # None: every group (and cases with none)
    period_days: int
    period_start: datetime.date
    period_end: datetime.date     # today, included
    by: str
    open: int = 0
    by_priority: dict[int, int] = field(default_factory=dict)
    by_state: list[StateCount] = field(default_factory=list)
    sla: dict[str, int] = field(default_factory=dict)
    unassigned: int = 0
    blocked: int = 0
    escalated: int = 0
    opened_in_period: int = 0
    resolved: ResolvedRow | None = None
    weeks: list[Week] = field(default_factory=list)
    open_rows: list[OpenRow] = field(default_factory=list)
    resolved_rows: list[ResolvedRow] = field(default_factory=list)

    @property
    def unblocked(self) -> int:
        return self.open - self.blocked

    @property
    def breached_pct(self):
        return _pct(self.sla.get(SlaStage.BREACHED, 0), self.open)

    @property
    def escalated_pct(self):
        return _pct(self.escalated, self.open)

    @property
    def unassigned_pct(self):
        return _pct(self.unassigned, self.open)

    @property
    def blocked_pct(self):
        return _pct(self.blocked, self.open)


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def manager_dashboard_for_user(
    *, user, group_ids: list[int] | None = None, period_days: int = DEFAULT_PERIOD, by: str = "group",
    now: datetime.datetime | None = None, use_cache: bool = True,
) -> ManagerDashboard:
    """Team metrics for managers and admins, cached `DASHBOARD_CACHE_SECONDS` per filter choice and
    reader scope (every internal role reads all cases, so managers share one entry per filter)."""
    require_can_view_team_metrics(user)
    if period_days not in PERIODS:
        raise ValueError(f"period_days must be one of {PERIODS}")
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {sorted(DIMENSIONS)}")
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not use_cache or seconds <= 0 or now is not None:
        return _manager_dashboard(user=user, group_ids=group_ids, period_days=period_days, by=by, now=now)
    scope = "all" if user.has_perm("cases.view_all_cases") else f"user{user.pk}"
    groups = "all" if group_ids is None else ",".join(map(str, sorted(group_ids))) or "none"
    key = f"dashboards:manager:v1:{scope}:{groups}:{period_days}:{by}:{settings.TIME_ZONE}"
    board = cache.get(key)
    if board is None:
        board = _manager_dashboard(user=user, group_ids=group_ids, period_days=period_days, by=by, now=None)
        cache.set(key, board, seconds)
    return board


def _manager_dashboard(*, user, group_ids, period_days, by, now) -> ManagerDashboard:
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = today - datetime.timedelta(days=period_days - 1)
    board = ManagerDashboard(
        as_of=now, group_ids=group_ids, period_days=period_days, period_start=start, period_end=today, by=by,
        by_priority=dict.fromkeys(PRIORITIES, 0), sla=dict.fromkeys(SlaStage.ORDER, 0),
    )
    base = case_list_for_user(user=user)
    if group_ids is not None:
        base = base.filter(assignment_group_id__in=group_ids)
    opened = open_cases(base)
    column = DIMENSIONS[by]
    # The open backlog: for the small breakdowns (groups, agents, products: a few hundred keys at
    # most) one grouped read by key, state and priority gives the totals and the rows; accounts
    # (thousands): one scan grouped two ways on PostgreSQL, two reads elsewhere (never tens of
    # thousands of (account, state, priority) rows for Python to add up).
    combined = by != "account"
    split = None if combined else _backlog_split(board, opened, now, column)
    open_all = _backlog(board, opened, now, column if combined else None) if split is None else []
    related = _open_case_relation(user, group_ids)
    board.escalated = _escalated(related).aggregate(n=Count("case_id", distinct=True))["n"]

    period = base.filter(resolved_at__gte=_local_midnight(start), resolved_at__lte=now)
    # One grouped read of the period's resolved cases gives both the breakdown and the totals
    # (the sums of its rows: a few thousand at most, one per group, agent, account or product).
    resolved_all = _resolved_by(period, column)
    board.resolved = ResolvedRow(None, "All", **_resolved_figures(_resolved_total(resolved_all)))
    board.opened_in_period = base.filter(opened_at__gte=_local_midnight(start), opened_at__lte=now).aggregate(
        n=Count("opened_at")
    )["n"]
    board.weeks = _weeks(base, today, now)

    if combined:
        open_rows = _open_rows_from(open_all, column)
    elif split is not None:
        open_rows = split
    else:
        open_rows = list(
            opened.values(column)
            .annotate(
                n=_count(), unassigned=_count(Q(assigned_to__isnull=True)), blocked=_count(Q(blocked=True)),
                breached=_count(sla_breached_q()), at_risk=_count(sla_at_risk_q(now)),
                **{f"p{p}": _count(Q(priority=p)) for p in PRIORITIES},
            )
            .order_by("-n", column)[:TOP]
        )
    resolved_rows = sorted(resolved_all, key=lambda r: (-r["resolved"], r[column] is None, r[column] or 0))[:TOP]
    labels = _dimension_labels(by, {r[column] for r in open_rows} | {r[column] for r in resolved_rows})
    board.open_rows = [
        OpenRow(
            key=r[column], label=labels.get(r[column], DIMENSION_NONE[by]), open=r["n"],
            by_priority={p: r[f"p{p}"] for p in PRIORITIES}, unassigned=r["unassigned"],
            breached=r["breached"], at_risk=r["at_risk"], blocked=r["blocked"],
        )
        for r in open_rows
    ]
    keys = [r.key for r in board.open_rows]
    if keys:
        case_column = f"case__{column.removesuffix('_id')}"
        escalated = _keyed(_escalated(related), case_column, keys)
        for row in board.open_rows:
            row.escalated = escalated.get(row.key, 0)
    board.resolved_rows = [
        ResolvedRow(key=r[column], label=labels.get(r[column], DIMENSION_NONE[by]), **_resolved_figures(r))
        for r in resolved_rows
    ]
    return board


def _backlog_aggregates(now) -> dict:
    return {
        "n": _count(), "unassigned": _count(Q(assigned_to__isnull=True)), "blocked": _count(Q(blocked=True)),
        "at_risk_or_due": _count(sla_at_risk_q(now)),
        **{stage: _count(sla_stage_q(stage, now)) for stage in SlaStage.ORDER},
    }


def _backlog(board: ManagerDashboard, opened, now, column: str | None) -> list[dict]:
    """The open backlog by state and priority (and `column`, when given), with its SLA stages,
    the unassigned and the blocked: one grouped query from the `case_open_metrics` index. Returns
    its rows (with `column`: what `_open_rows_from` breaks down)."""
    keys = ("state", "priority") if column is None else (column, "state", "priority")
    rows = list(opened.values(*keys).annotate(**_backlog_aggregates(now)).order_by())
    _tally(board, rows)
    return rows


def _backlog_split(board: ManagerDashboard, opened, now, column: str) -> list[dict] | None:
    """The wide breakdowns (accounts: thousands of keys), PostgreSQL: the backlog's totals (by
    state, priority, SLA stage...) and its TOP rows by `column` from one scan of the open cases,
    grouped by key and state and regrouped both ways in the database (`selectors_metrics_sql`).
    None elsewhere: the caller reads them in two queries."""
    aggregates = {**_backlog_aggregates(now), **{f"p{p}": _count(Q(priority=p)) for p in PRIORITIES}}
    qs = opened.values(column, "state").annotate(**aggregates).order_by()
    split = selectors_metrics_sql.grouping_sets_rows(qs, column, ("state",), summed=tuple(aggregates))
    if split is None:
        return None
    by_state, by_key = split
    states: dict[str, int] = {}
    for row in by_state:
        board.open += row["n"]
        board.unassigned += row["unassigned"]
        board.blocked += row["blocked"]
        states[row["state"]] = states.get(row["state"], 0) + row["n"]
        for p in PRIORITIES:
            board.by_priority[p] += row[f"p{p}"]
        for stage in SlaStage.ORDER:
            board.sla[stage] += row[stage]
    board.by_state = _state_counts(states)
    rows = [
        {column: row[column], "n": row["n"], "unassigned": row["unassigned"], "blocked": row["blocked"],
         "breached": row[SlaStage.BREACHED], "at_risk": row["at_risk_or_due"],
         **{f"p{p}": row[f"p{p}"] for p in PRIORITIES}}
        for row in by_key
    ]
    return sorted(rows, key=lambda r: (-r["n"], r[column] is None, r[column] or 0))[:TOP]


def _tally(board: ManagerDashboard, rows: list[dict]) -> None:
    """The board's backlog totals from rows grouped by (at least) state and priority."""
    states: dict[str, int] = {}
    for row in rows:
        board.open += row["n"]
        board.unassigned += row["unassigned"]
        board.blocked += row["blocked"]
        board.by_priority[row["priority"]] = board.by_priority.get(row["priority"], 0) + row["n"]
        states[row["state"]] = states.get(row["state"], 0) + row["n"]
        for stage in SlaStage.ORDER:
            board.sla[stage] += row[stage]
    board.by_state = _state_counts(states)


def _open_rows_from(rows: list[dict], column: str) -> list[dict]:
    """The breakdown rows (the TOP keys by open cases) summed from the (key, state, priority) rows,
    in the shape of the breakdown query: n, unassigned, blocked, breached, at_risk, p1..p4."""
    by_key: dict = {}
    for row in rows:
        into = by_key.setdefault(row[column], {
            column: row[column], "n": 0, "unassigned": 0, "blocked": 0, "breached": 0, "at_risk": 0,
            **{f"p{p}": 0 for p in PRIORITIES},
        })
        into["n"] += row["n"]
        into["unassigned"] += row["unassigned"]
        into["blocked"] += row["blocked"]
        into["breached"] += row[SlaStage.BREACHED]
        into["at_risk"] += row["at_risk_or_due"]  # the list's sla=at_risk: due soon or past due
        if row["priority"] in PRIORITIES:
            into[f"p{row['priority']}"] += row["n"]
    ordered = sorted(by_key.values(), key=lambda r: (-r["n"], r[column] is None, r[column] or 0))
    return ordered[:TOP]


def _open_case_relation(user, group_ids) -> Q:
    """The open cases in scope, as seen from a row pointing at its case. Written as a join (not
    `case__in=<open cases>`), so PostgreSQL starts from the few open blockers or escalations and
    fetches their cases by key instead of reading every open case."""
    q = Q(case__state_category__in=list(OPEN_CATEGORIES))
    if group_ids is not None:
        q &= Q(case__assignment_group_id__in=group_ids)
    if not user.has_perm("cases.view_all_cases"):
        q &= Q(case__in=case_list_for_user(user=user).values("pk"))
    return q


def _escalated(related: Q):
    """Escalations in force ("escalated") of the open cases in scope."""
    return Escalation.objects.filter(related, source="case", state=ESCALATED)


def _keyed(qs, column: str, keys: list) -> dict:
    """Distinct cases per breakdown key, for the keys shown (None included)."""
    wanted = Q(**{f"{column}__in": [k for k in keys if k is not None]})
    if None in keys:
        wanted |= Q(**{f"{column}__isnull": True})
    rows = qs.filter(wanted).values(column).annotate(n=Count("case_id", distinct=True)).order_by()
    return {row[column]: row["n"] for row in rows}


SUMMED = ("resolved", "fcr", "reopened", "sla_breached")


def _resolved_aggregates() -> dict:
    first_contact = Q(reopen_count=0) & (Q(first_response_at__isnull=True) | Q(first_response_at__gte=F("resolved_at")))
    return {
        "resolved": Count("resolved_at"),
        "time_to_resolve": Sum(ExpressionWrapper(F("resolved_at") - F("opened_at"), output_field=DurationField())),
        "fcr": Count("resolved_at", filter=first_contact),
        "reopened": Count("resolved_at", filter=Q(reopen_count__gt=0)),
        "sla_breached": Count("resolved_at", filter=Q(made_sla=False)),
    }


def _resolved_by(period, column: str) -> list[dict]:
    """The period's resolved cases per breakdown key, each row with its mean time to resolve."""
    rows = list(period.values(column).annotate(**_resolved_aggregates()).order_by())
    for row in rows:
        row["mttr"] = row["time_to_resolve"] / row["resolved"] if row["resolved"] and row["time_to_resolve"] else None
    return rows


def _resolved_total(rows: list[dict]) -> dict:
    total = {name: sum(row[name] for row in rows) for name in SUMMED}
    spent = [row["time_to_resolve"] for row in rows if row["time_to_resolve"] is not None]
    total["mttr"] = sum(spent, datetime.timedelta()) / total["resolved"] if spent and total["resolved"] else None
    return total


def _resolved_figures(row: dict) -> dict:
    return {
        "resolved": row["resolved"], "mean_time_to_resolve": row["mttr"], "first_contact": row["fcr"],
        "reopened": row["reopened"], "breached": row["sla_breached"],
    }


def _weeks(base, today: datetime.date, now: datetime.datetime) -> list[Week]:
    """Cases opened and resolved per week (Monday to Sunday) over the last BACKLOG_WEEKS weeks,
    this one included: two grouped counts over the `opened_at` / `resolved_at` indexes."""
    first = today - datetime.timedelta(days=today.weekday(), weeks=BACKLOG_WEEKS - 1)
    since = _local_midnight(first)

    def per_week(column: str) -> dict[datetime.date, int]:
        rows = (
            base.filter(**{f"{column}__gte": since, f"{column}__lte": now})
            .annotate(week=TruncWeek(column))
            .values("week")
            .annotate(n=Count(column))
            .order_by()
        )
        return {timezone.localtime(row["week"]).date(): row["n"] for row in rows}

    opened, resolved = per_week("opened_at"), per_week("resolved_at")
    starts = [first + datetime.timedelta(weeks=w) for w in range(BACKLOG_WEEKS)]
    return [Week(start, opened.get(start, 0), resolved.get(start, 0)) for start in starts]


def _dimension_labels(by: str, keys: set) -> dict:
    ids = [k for k in keys if k is not None]
    if not ids:
        return {}
    if by == "agent":
        rows = User.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "username")
        return {pk: f"{first} {last}".strip() or username for pk, first, last, username in rows}
    model = {"group": AssignmentGroup, "account": Account, "product": Product}[by]
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def metric_group_choices() -> list[tuple[int, str]]:
    """The groups a manager can narrow the dashboard to."""
    return list(AssignmentGroup.objects.filter(active=True).order_by("name").values_list("pk", "name"))


def groups_of(user) -> list[int]:
    """The groups a user manages or belongs to ("my groups" on the manager dashboard)."""
    return list(
        AssignmentGroup.objects.filter(Q(members=user) | Q(manager=user))
        .order_by("pk").values_list("pk", flat=True).distinct()
    )


__all__ = [
    "AgentDashboard", "ManagerDashboard", "OpenRow", "ResolvedRow", "Week", "StateCount", "SlaStage",
    "agent_dashboard_for_user", "manager_dashboard_for_user", "metric_group_choices", "groups_of",
    "sla_stage_q", "sla_breached_q", "sla_at_risk_q", "open_cases", "at_risk_window",
    "DIMENSIONS", "PERIODS", "DEFAULT_PERIOD", "TOP",
]
