"""Reads behind the workspace's case and task lists (`/cases/`, `/case-tasks/`).

Every list starts from the scoped selector (`case_list_for_user`, `case_task_list_for_user`), so
a list never shows a row its reader may not see. On top of that: a named list (`view=`), the
filters of the URL contract (several values per filter), a text search, a sort, and a page.

Kept fast at a million cases (docs/architecture.md, "Workspace lists"):
- each named list has an index that serves its filter *and* its order (partial indexes over the
  active categories; migration 0014), so the first page reads a few index entries;
- counts are capped: COUNT over a LIMIT of COUNT_CAP + 1 rows ("1,000+"), never the whole match;
  page numbers stop at the cap, so OFFSET is bounded too;
- the navigation's counts are all computed in one statement and cached per user for
  NAV_COUNTS_SECONDS; the filter bar's options are cached for OPTIONS_SECONDS.
"""
import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cases.choices import Priority, StateCategory
from cases.models import Case, CaseListName, CaseTask, CaseType, Escalation, LifecycleState, SavedCaseFilter
from cases.models.escalations import OPEN_ESCALATION_STATES
from cases.models.work import TaskState
from cases.selectors import case_list_for_user
from cases.selectors_work import case_line_list_for_user, case_task_list_for_user
from catalog.selectors import product_list_for_user
from core.choices import Channel
from customers.models import Account, Consumer, Contact
from users.models import AssignmentGroup, User

ACTIVE = (StateCategory.NEW, StateCategory.OPEN, StateCategory.AWAITING)  # "open": not resolved, closed or cancelled
PAGE_SIZES = (25, 50, 100)
COUNT_CAP = 1000  # a list counts at most this many rows ("1,000+") and pages no further
# A text search counts fewer: every candidate row costs a case-insensitive comparison, so its
# capped count reads about cap / (share of rows matching) rows; 200 keeps that to a few thousand.
SEARCH_COUNT_CAP = 200
NAV_COUNT_CAP = 999  # the navigation's counts ("999+")
NAV_COUNTS_SECONDS = 30
OPTIONS_SECONDS = 60
MAX_WORDS = 6

# --- the query: what the URL asks for --------------------------------------------------------------


def _slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]{1,40}", value):
        raise ValueError
    return value


def _choice(*allowed):
    allowed = {str(a) for a in allowed}

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError
        return value

    return check


def _id(value: str) -> str:
    if not value.isdigit() or len(value) > 18:
        raise ValueError
    return str(int(value))


def _id_or(*words):
    def check(value: str) -> str:
        return value if value in words else _id(value)

    return check


def _bool(value: str) -> str:
    lowered = value.lower()
    if lowered in ("true", "1", "yes", "on"):
        return "true"
    if lowered in ("false", "0", "no", "off"):
        return "false"
    raise ValueError


def _instant(value: str) -> str:
    if parse_date(value) is None and parse_datetime(value) is None:
        raise ValueError
    return value


def _text(value: str) -> str:
    value = " ".join(value.split())[:100]
    if not value:
        raise ValueError
    return value


CASE_FILTERS = {
    "state": _slug,
    "state_category": _choice(*StateCategory.values),
    "priority": _choice(*Priority.values),
    "channel": _choice(*Channel.values),
    "account": _id,
    "account_q": _text,
    "contact": _id,
    "product": _id,
    "case_type": _id,
    "assignment_group": _id_or("none"),
    "assigned_to": _id_or("none", "me"),
    "needs_attention": _bool,
    "sla": _choice("breached", "at_risk", "on_track", "none"),
    "blocked": _bool,
    "escalated": _bool,
    "reopened": _bool,
    "opened_after": _instant,
    "opened_before": _instant,
    "resolved_after": _instant,
    "resolved_before": _instant,
}
TASK_FILTERS = {
    "state": _choice(*TaskState.values),
    "priority": _choice(*Priority.values),
    "assignment_group": _id_or("none"),
    "assigned_to": _id_or("none", "me"),
}
# Sortable columns: URL name -> model field. Other columns (names of related records) are not
# sortable: ordering a million cases by a joined name cannot use an index.
CASE_SORTS = {
    "number": "number", "state": "state", "priority": "priority", "sla_due": "sla_due",
    "updated_at": "updated_at", "opened_at": "opened_at",
}
TASK_SORTS = {"number": "number", "state": "state", "priority": "priority", "updated_at": "updated_at",
              "opened_at": "opened_at"}


class TaskListName:
    MINE, MY_GROUPS, ALL_OPEN, ALL = "mine", "my_groups", "all_open", "all"
    choices = [
        (MINE, "My tasks"), (MY_GROUPS, "My groups' open tasks"), (ALL_OPEN, "All open tasks"), (ALL, "All tasks"),
    ]
    labels = dict(choices)


CASE_LIST_SORT = {CaseListName.SLA_AT_RISK: "sla_due"}  # default sort per list; others "-updated_at"


@dataclass
class ListQuery:
    """A list request, validated: values that make no sense are dropped and named in `errors`."""

    view: str
    q: str = ""
    sort: str = "-updated_at"
    page: int = 1
    per_page: int = PAGE_SIZES[0]
    saved: int | None = None
    filters: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    default_sort: str = "-updated_at"

    def params(self, **changes) -> list[tuple[str, str]]:
        """The query as (name, value) pairs, in a stable order, with `changes` applied (None drops a
        parameter; filters are changed with `filters=`)."""
        values = {
            "view": self.view, "q": self.q, "sort": self.sort if self.sort != self.default_sort else "",
            "per_page": self.per_page if self.per_page != PAGE_SIZES[0] else "", "page": self.page if self.page > 1 else "",
            "saved": self.saved or "",
        }
        values.update(changes)
        filters = values.pop("filters", self.filters)
        pairs = [("view", values["view"])] if values.get("view") else []
        if values.get("q"):
            pairs.append(("q", values["q"]))
        for name, items in filters.items():
            pairs += [(name, item) for item in items]
        for name in ("sort", "per_page", "page", "saved"):
            if values.get(name):
                pairs.append((name, str(values[name])))
        return pairs

    def urlencode(self, **changes) -> str:
        return urlencode(self.params(**changes))

    def filters_querystring(self) -> str:
        """What a saved filter keeps: filters, search, sort and page size (not the list, page or id)."""
        return urlencode([(k, v) for k, v in self.params(page=None, saved=None) if k != "view"])


def _parse(params, *, filters: dict, sorts: dict, views: list[str], default_view: str, default_sorts: dict) -> ListQuery:
    errors = []
    view = params.get("view", "")
    if view not in views:
        if view:
            errors.append(f"Unknown list '{view[:40]}'.")
        view = default_view
    default_sort = default_sorts.get(view, "-updated_at")
    parsed = {}
    for name, check in filters.items():
        for raw in params.getlist(name):
            raw = raw.strip()
            if not raw:
                continue
            try:
                value = check(raw)
            except ValueError:
                errors.append(f"Ignored {name}={raw[:40]}: not a valid value.")
                continue
            if value not in parsed.setdefault(name, []):
                parsed[name].append(value)
    sort = params.get("sort", "") or default_sort
    if sort.lstrip("-") not in sorts:
        errors.append(f"Cannot sort by '{sort[:40]}'.")
        sort = default_sort
    try:
        page = max(1, min(int(params.get("page", "1")), 10_000))
    except ValueError:
        page = 1
    try:
        per_page = int(params.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    if per_page not in PAGE_SIZES:
        per_page = PAGE_SIZES[0]
    saved = params.get("saved", "")
    return ListQuery(
        view=view, q=" ".join(params.get("q", "").split())[:200], sort=sort, page=page, per_page=per_page,
        saved=int(saved) if saved.isdigit() and len(saved) < 18 else None, filters={k: v for k, v in parsed.items() if v},
        errors=errors, default_sort=default_sort,
    )


def case_list_query_parse(params) -> ListQuery:
    """`/cases/` parameters. Without `view`, a request with filters or a search looks through all
    cases (so a dashboard's drill-down shows everything it counted); a bare `/cases/` is My open."""
    default_view = CaseListName.MY_OPEN
    if any(params.get(name) for name in (*CASE_FILTERS, "q")):
        default_view = CaseListName.ALL
    return _parse(
        params, filters=CASE_FILTERS, sorts=CASE_SORTS, views=CaseListName.values, default_view=default_view,
        default_sorts=CASE_LIST_SORT,
    )


def task_list_query_parse(params) -> ListQuery:
    default_view = TaskListName.ALL if any(params.get(n) for n in (*TASK_FILTERS, "q")) else TaskListName.MINE
    return _parse(
        params, filters=TASK_FILTERS, sorts=TASK_SORTS, views=list(TaskListName.labels), default_view=default_view,
        default_sorts={},
    )


# --- the user's groups ------------------------------------------------------------------------------


def user_group_ids(user) -> list[int]:
    """The assignment groups the user belongs to (once per request: kept on the user object)."""
    cached = getattr(user, "_assignment_group_ids", None)
    if cached is None:
        cached = list(
            AssignmentGroup.members.through.objects.filter(user_id=user.pk)
            .order_by("assignmentgroup_id").values_list("assignmentgroup_id", flat=True)
        )
        user._assignment_group_ids = cached
    return cached


# --- cases ------------------------------------------------------------------------------------------


def sla_at_risk_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.CASE_SLA_AT_RISK_MINUTES)


def sla_at_risk_q(now: datetime.datetime) -> Q:
    """A running SLA breached or due within the window (Case.sla_due: the earliest breach time of
    the case's in-progress SLAs; paused SLAs do not count). Served by the index `case_sla_due`."""
    return Q(sla_due__isnull=False, sla_due__lte=now + sla_at_risk_window())


def case_named_list_q(view: str, *, user, now: datetime.datetime) -> Q:
    if view == CaseListName.MY_OPEN:
        return Q(assigned_to=user.pk, state_category__in=ACTIVE)
    if view == CaseListName.MY_GROUPS_UNASSIGNED:
        return Q(assignment_group_id__in=user_group_ids(user), assigned_to__isnull=True, state_category__in=ACTIVE)
    if view == CaseListName.ALL_OPEN:
        return Q(state_category__in=ACTIVE)
    if view == CaseListName.AWAITING_INFO:
        return Q(state_category=StateCategory.AWAITING)
    if view == CaseListName.SLA_AT_RISK:
        return sla_at_risk_q(now)
    if view == CaseListName.RESOLVED:
        return Q(state_category=StateCategory.RESOLVED)
    return Q()


def _boundary(value: str) -> datetime.datetime:
    """An ISO date means the start of that day (in the site's time zone); a datetime is itself."""
    moment = parse_datetime(value)
    if moment is None:
        moment = datetime.datetime.combine(parse_date(value), datetime.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _ids_or_none(field_name: str, values: list[str], *, me=None) -> Q:
    ids = [int(v) for v in values if v.isdigit()] + ([me] if me is not None and "me" in values else [])
    q = Q(**{f"{field_name}_id__in": ids}) if ids else Q(pk__in=[])
    if "none" in values:
        q |= Q(**{f"{field_name}__isnull": True})
    return q


def _one_bool(values: list[str]) -> bool | None:
    """true, false, or None when both were asked for (no filter)."""
    return None if len(set(values)) != 1 else values[0] == "true"


def case_filters_q(filters: dict[str, list[str]], *, user, now: datetime.datetime) -> Q:
    q = Q()
    for name in ("state", "state_category", "channel"):
        if name in filters:
            q &= Q(**{f"{name}__in": filters[name]})
    if "priority" in filters:
        q &= Q(priority__in=[int(v) for v in filters["priority"]])
    for name in ("account", "contact", "product", "case_type"):
        if name in filters:
            q &= Q(**{f"{name}_id__in": [int(v) for v in filters[name]]})
    if "account_q" in filters:
        for text in filters["account_q"]:
            accounts = Account.objects.filter(Q(name__icontains=text) | Q(number__iexact=text)).values("pk")
            q &= Q(account_id__in=accounts)
    if "assignment_group" in filters:
        q &= _ids_or_none("assignment_group", filters["assignment_group"])
    if "assigned_to" in filters:
        q &= _ids_or_none("assigned_to", filters["assigned_to"], me=user.pk)
    if (flag := _one_bool(filters.get("needs_attention", []))) is not None:
        q &= Q(needs_attention=flag)
    if "sla" in filters:
        sla = Q(pk__in=[])
        if "breached" in filters["sla"]:
            sla |= Q(made_sla=False)
        if "at_risk" in filters["sla"]:
            sla |= sla_at_risk_q(now)
        if "on_track" in filters["sla"]:  # the dashboards' stages (cases.selectors_metrics.sla_stage_q)
            sla |= Q(made_sla=True, sla_due__gt=now + sla_at_risk_window())
        if "none" in filters["sla"]:
            sla |= Q(made_sla=True, sla_due__isnull=True)
        q &= sla
    if (flag := _one_bool(filters.get("blocked", []))) is not None:
        q &= Q(blocked=flag)
    if (flag := _one_bool(filters.get("escalated", []))) is not None:
        escalated = Q(pk__in=Escalation.objects.filter(state="escalated", case__isnull=False).values("case_id"))
        q &= escalated if flag else ~escalated
    if (flag := _one_bool(filters.get("reopened", []))) is not None:
        q &= Q(reopen_count__gt=0) if flag else Q(reopen_count=0)
    for name, lookup in (("opened_after", "opened_at__gte"), ("opened_before", "opened_at__lt"),
                         ("resolved_after", "resolved_at__gte"), ("resolved_before", "resolved_at__lt")):
        for value in filters.get(name, []):
            q &= Q(**{lookup: _boundary(value)})
    return q


CASE_NUMBER = re.compile(r"CS\d{7,}", re.I)
TASK_NUMBER = re.compile(r"CSTASK\d{7,}", re.I)
LINE_NUMBER = re.compile(r"CSL\d{7,}", re.I)
NUMBER_PREFIX = re.compile(r"CS\d+", re.I)


def search_q(text: str, *, prefix_field: str = "number", prefix=NUMBER_PREFIX) -> Q:
    """A number (or its beginning) matches the number; words must all occur in the short
    description (served on PostgreSQL by the trigram index of migration 0014)."""
    text = text.strip()
    if not text:
        return Q()
    if prefix.fullmatch(text):
        return Q(**{f"{prefix_field}__startswith": text.upper()})
    q = Q()
    for word in text.split()[:MAX_WORDS]:
        q &= Q(short_description__icontains=word)
    return q


def record_url_for_number(*, user, text: str) -> str | None:
    """The record page for an exact case, task or line number the user can see, else None."""
    text = text.strip().upper()
    if CASE_NUMBER.fullmatch(text):
        if case_list_for_user(user=user).filter(number=text).exists():
            return f"/cases/{text}/"
    elif TASK_NUMBER.fullmatch(text):
        if case_task_list_for_user(user=user).filter(number=text).exists():
            return f"/case-tasks/{text}/"
    elif LINE_NUMBER.fullmatch(text):
        if case_line_list_for_user(user=user).filter(number=text).exists():
            return f"/case-lines/{text}/"
    return None


NULLABLE_SORTS = {"sla_due"}  # empty values sort last both ways (cases without a running SLA)


def order_by(sort: str, sorts: dict) -> list:
    """The sort as ORDER BY terms, made total: ties by most recently updated, then id. Plain terms
    for NOT NULL columns, so that an index on (…, updated_at DESC) serves them (a NULLS LAST
    term, even on a column that has no NULL, does not match such an index)."""
    descending, name = sort.startswith("-"), sort.lstrip("-")
    column = sorts[name]
    if column == "number":
        return ["-number" if descending else "number"]
    if column in NULLABLE_SORTS:
        term = F(column).desc(nulls_last=True) if descending else F(column).asc(nulls_last=True)
    else:
        term = f"-{column}" if descending else column
    if column == "updated_at":
        return [term, "-pk" if descending else "pk"]
    return [term, "-updated_at", "-pk"]


def case_list_filtered(*, user, query: ListQuery, now: datetime.datetime) -> QuerySet[Case]:
    """The cases of one list request, scoped, filtered, searched and ordered (not yet sliced)."""
    qs = case_list_for_user(user=user).filter(case_named_list_q(query.view, user=user, now=now))
    qs = qs.filter(case_filters_q(query.filters, user=user, now=now))
    if query.q:
        qs = qs.filter(search_q(query.q))
    return qs.order_by(*order_by(query.sort, CASE_SORTS))


# The row's own columns and the names of its account and contact. Group and assignee names come
# from the (cached) filter options, not from joins: PostgreSQL plans a five-join list query in
# ~12 ms against ~0.6 ms for these two joins (bench/README.md, "Workspace lists").
CASE_ROW_COLUMNS = (
    "id", "number", "short_description", "state", "state_category", "lifecycle_id", "priority",
    "account__name", "contact__first_name", "contact__last_name", "consumer_id",
    "assignment_group_id", "assigned_to_id", "sla_due", "made_sla", "needs_attention", "reopen_count", "updated_at",
)


def names_for_rows(rows: list[dict], options: dict) -> dict:
    """Names of the groups, assignees and consumers of a page of rows: from the cached options,
    with one query for assignees outside every group and one for consumers, only when needed."""
    groups = dict(options["groups"])
    people = dict(options["agents"])
    missing = {r["assigned_to_id"] for r in rows if r["assigned_to_id"] and r["assigned_to_id"] not in people}
    if missing:
        for pk, first, last, username in User.objects.filter(pk__in=missing).values_list(
            "id", "first_name", "last_name", "username"
        ):
            people[pk] = f"{first} {last}".strip() or username
    consumers = {}
    consumer_ids = {r["consumer_id"] for r in rows if r.get("consumer_id")}
    if consumer_ids:
        for pk, first, last in Consumer.objects.filter(pk__in=consumer_ids).values_list("id", "first_name", "last_name"):
            consumers[pk] = f"{first} {last}".strip()
    return {"groups": groups, "people": people, "consumers": consumers}


def open_escalations_for_cases(case_ids) -> dict[int, tuple[str, str]]:
    """{case id: (state, severity)} of each case's latest open escalation, in one query."""
    found = {}
    rows = (
        Escalation.objects.filter(case_id__in=list(case_ids), state__in=OPEN_ESCALATION_STATES)
        .order_by("case_id", "-requested_at", "-id").values_list("case_id", "state", "severity")
    )
    for case_id, state, severity in rows:
        found.setdefault(case_id, (state, severity))
    return found


@dataclass
class Page:
    rows: list
    number: int
    per_page: int
    count: int  # at most the cap
    capped: bool  # more rows match than were counted

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end(self) -> int:
        return self.start + len(self.rows) - 1 if self.rows else 0

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    def window(self, width: int = 2) -> list[int | None]:
        """Page numbers around the current one, with None for a gap: 1 … 4 5 6 … 40."""
        shown = sorted({1, self.pages, *range(max(1, self.number - width), min(self.pages, self.number + width) + 1)})
        out, last = [], 0
        for number in shown:
            if number - last > 1:
                out.append(None)
            out.append(number)
            last = number
        return out


def count_cap(query: ListQuery) -> int:
    return SEARCH_COUNT_CAP if query.q else COUNT_CAP


def capped_count(qs: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """COUNT over a LIMIT: as cheap at a million matches as at a thousand."""
    cap = COUNT_CAP if cap is None else cap
    counted = qs.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap


def page_of(qs: QuerySet, *, columns, page: int, per_page: int, cap: int | None = None) -> Page:
    """One page of `qs` as dicts of `columns`, with a capped count. The first page of a short list
    costs one query (fewer rows than a page: that is the count); otherwise two."""
    rows_qs = qs.values(*columns)
    if page == 1:
        rows = list(rows_qs[:per_page])
        if len(rows) < per_page:
            return Page(rows, 1, per_page, len(rows), False)
        count, capped = capped_count(qs, cap)
        return Page(rows, 1, per_page, count, capped)
    count, capped = capped_count(qs, cap)
    last = max(1, -(-count // per_page))
    page = min(page, last)
    offset = (page - 1) * per_page
    return Page(list(rows_qs[offset : offset + per_page]), page, per_page, count, capped)


# --- the navigation's counts --------------------------------------------------------------------------

NAV_LISTS = (
    CaseListName.MY_OPEN, CaseListName.MY_GROUPS_UNASSIGNED, CaseListName.ALL_OPEN, CaseListName.AWAITING_INFO,
    CaseListName.SLA_AT_RISK, CaseListName.RESOLVED,
)


def _capped_counts(querysets: dict[str, QuerySet], cap: int) -> dict[str, int]:
    """Several capped counts in one statement: SELECT (SELECT COUNT(*) FROM (… LIMIT cap+1)), …"""
    parts, params, counts = [], [], {}
    for index, (name, qs) in enumerate(querysets.items()):
        try:
            sql, sql_params = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
        except EmptyResultSet:
            counts[name] = 0
            continue
        parts.append((name, f"(SELECT COUNT(*) FROM ({sql}) AS c{index})"))
        params.extend(sql_params)
    if parts:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(sql for _, sql in parts), params)
            counts.update(zip([name for name, _ in parts], cursor.fetchone(), strict=True))
    return counts


def _nav_cache_key(user) -> str:
    return f"cases:lists-nav:{user.pk}"


def case_list_nav_for_user(*, user, now: datetime.datetime | None = None) -> dict:
    """What the navigation shows this user: whether they work cases, the capped count of each
    named case list, their open tasks, and their saved filters. Cached per user for
    NAV_COUNTS_SECONDS; the saved-filter services drop the entry when the filters change."""
    key = _nav_cache_key(user)
    cached = cache.get(key)
    if cached is not None:
        return cached
    now = now or timezone.now()
    works_cases = user.has_perm("cases.view_all_cases")
    querysets = {}
    if works_cases:
        base = case_list_for_user(user=user)
        querysets = {name: base.filter(case_named_list_q(name, user=user, now=now)) for name in NAV_LISTS}
    querysets["tasks_mine"] = case_task_list_for_user(user=user).filter(assigned_to=user.pk, state=TaskState.OPEN)
    counts = _capped_counts(querysets, NAV_COUNT_CAP)
    saved = [
        {"id": row["id"], "name": row["name"], "url": SavedCaseFilter(**row).url}
        for row in saved_case_filter_list_for_user(user=user).values("id", "name", "view", "query")
    ]
    data = {"works_cases": works_cases, "counts": counts, "cap": NAV_COUNT_CAP, "saved": saved}
    cache.set(key, data, NAV_COUNTS_SECONDS)
    return data


def case_list_nav_forget(user_id: int) -> None:
    cache.delete(f"cases:lists-nav:{user_id}")


# --- the filter bar's options ---------------------------------------------------------------------------

MAX_PRODUCT_OPTIONS = 500


def case_list_options(*, user) -> dict:
    """Choices for the filter bar and the bulk "Assign to…" form, and state labels. Reference
    data, the same for every internal reader: cached for OPTIONS_SECONDS."""
    key = "cases:lists-options:v1"
    options = cache.get(key)
    if options is None:
        groups = list(AssignmentGroup.objects.order_by("name").values_list("id", "name"))
        members = AssignmentGroup.members.through.objects.filter(user__is_active=True).order_by(
            "user__first_name", "user__last_name", "user__username"
        ).values_list("assignmentgroup_id", "user_id", "user__first_name", "user__last_name", "user__username")
        agents, agent_groups = {}, {}
        for group_id, user_id, first, last, username in members:
            agents[user_id] = f"{first} {last}".strip() or username
            agent_groups.setdefault(user_id, []).append(group_id)
        state_rows = LifecycleState.objects.order_by("order", "id").values_list("lifecycle_id", "code", "label")
        labels, states = {}, {}
        for lifecycle_id, code, label in state_rows:
            labels[f"{lifecycle_id}:{code}"] = label
            states.setdefault(code, label)
        products = list(
            product_list_for_user(user=user).filter(active=True).order_by("name").values_list("id", "name")[
                :MAX_PRODUCT_OPTIONS
            ]
        )
        options = {
            "groups": groups,
            "agents": sorted(agents.items(), key=lambda item: item[1].lower()),
            "agent_groups": agent_groups,
            "states": list(states.items()),
            "state_labels": labels,
            "products": products,
        }
        cache.set(key, options, OPTIONS_SECONDS)
    return options


def filter_labels(filters: dict[str, list[str]], options: dict) -> dict[str, dict[str, str]]:
    """Readable labels for the filter values shown as chips: names of the referenced records
    (one small query per kind of record filtered by id that the options do not hold)."""
    labels: dict[str, dict[str, str]] = {}
    known = {
        "assignment_group": dict((str(k), v) for k, v in options["groups"]),
        "assigned_to": dict((str(k), v) for k, v in options["agents"]),
        "product": dict((str(k), v) for k, v in options["products"]),
        "state": {k: v for k, v in options["states"]},
    }
    lookups = {
        "account": lambda ids: Account.objects.filter(pk__in=ids).values_list("id", "name"),
        "contact": lambda ids: [
            (pk, f"{first} {last}".strip())
            for pk, first, last in Contact.objects.filter(pk__in=ids).values_list("id", "first_name", "last_name")
        ],
        "case_type": lambda ids: CaseType.objects.filter(pk__in=ids).values_list("id", "name"),
    }
    for name, values in filters.items():
        names = known.get(name, {})
        if name in lookups:
            names = {str(pk): label for pk, label in lookups[name]([int(v) for v in values])}
        labels[name] = {value: _value_label(name, value, names) for value in values}
    return labels


def _value_label(name: str, value: str, names: dict[str, str]) -> str:
    if value == "none":
        return "Unassigned" if name == "assigned_to" else "None"
    if value == "me":
        return "Me"
    if name == "priority":
        return Priority(int(value)).label
    if name == "channel":
        return Channel(value).label
    if name == "state_category":
        return StateCategory(value).label
    if name in ("needs_attention", "escalated", "reopened", "blocked"):
        return "Yes" if value == "true" else "No"
    if name == "sla":
        return {"breached": "Breached", "at_risk": "At risk", "on_track": "On track", "none": "No running SLA"}[value]
    return names.get(value, value if not value.isdigit() else f"#{value}")


# --- tasks --------------------------------------------------------------------------------------------


def task_named_list_q(view: str, *, user) -> Q:
    if view == TaskListName.MINE:
        return Q(assigned_to=user.pk, state=TaskState.OPEN)
    if view == TaskListName.MY_GROUPS:
        return Q(assignment_group_id__in=user_group_ids(user), state=TaskState.OPEN)
    if view == TaskListName.ALL_OPEN:
        return Q(state=TaskState.OPEN)
    return Q()


def task_filters_q(filters: dict[str, list[str]], *, user) -> Q:
    q = Q()
    if "state" in filters:
        q &= Q(state__in=filters["state"])
    if "priority" in filters:
        q &= Q(priority__in=[int(v) for v in filters["priority"]])
    if "assignment_group" in filters:
        q &= _ids_or_none("assignment_group", filters["assignment_group"])
    if "assigned_to" in filters:
        q &= _ids_or_none("assigned_to", filters["assigned_to"], me=user.pk)
    return q


TASK_NUMBER_PREFIX = re.compile(r"CSTASK\d+", re.I)


def case_task_list_filtered(*, user, query: ListQuery) -> QuerySet[CaseTask]:
    qs = case_task_list_for_user(user=user).filter(task_named_list_q(query.view, user=user))
    qs = qs.filter(task_filters_q(query.filters, user=user))
    if query.q:
        qs = qs.filter(search_q(query.q, prefix=TASK_NUMBER_PREFIX))
    return qs.order_by(*order_by(query.sort, TASK_SORTS))


TASK_ROW_COLUMNS = (
    "id", "number", "short_description", "state", "priority", "case__number", "case__short_description",
    "assignment_group_id", "assigned_to_id", "opened_at", "updated_at",
)


# --- saved filters --------------------------------------------------------------------------------------


def saved_case_filter_list_for_user(*, user) -> QuerySet[SavedCaseFilter]:
    """A user's own saved filters; nobody sees another's (404)."""
    if not user or not user.is_authenticated:
        return SavedCaseFilter.objects.none()
    return SavedCaseFilter.objects.filter(owner=user).order_by("name", "id")
