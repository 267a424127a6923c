"""The workspace's case lists (`/cases/`), task list (`/case-tasks/`), saved filters and the bulk
assignment. Server-rendered; every page works as plain GET forms and links, and htmx swaps only
the results (`#case-results`, `#task-results`) when it is there.

Reads go through `cases.selectors_lists` (scoped by `case_list_for_user` / `case_task_list_for_user`);
writes through `cases.services` (assignment, saved filters). Rows reach the template as plain
dicts with everything precomputed, so a row costs no query and little template work."""
import datetime
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from cases import selectors_lists as sel
from cases import services
from cases.choices import Priority
from cases.forms_lists import BulkAssignForm, SavedFilterForm, SavedFilterRenameForm
from cases.models import CaseListName
from cases.models.work import TaskState
from cases.selectors import case_list_for_user
from core.choices import Channel
from core.exceptions import Conflict, InvalidTransition
from users.models import AssignmentGroup
from users.selectors import user_list_internal
from users.views import workspace_view

CASE_COLUMNS = (  # (sort key or "", label, css class)
    ("number", "Number", "num"), ("", "Short description", "desc"), ("state", "State", "state"),
    ("priority", "Priority", "prio"), ("", "Account / contact", "acct"), ("", "Group", "group"),
    ("", "Assigned to", "who"), ("sla_due", "SLA due", "sla"), ("updated_at", "Updated", "upd"),
)
TASK_COLUMNS = (
    ("number", "Number", "num"), ("", "Short description", "desc"), ("", "Case", "case"),
    ("state", "State", "state"), ("priority", "Priority", "prio"), ("", "Group", "group"),
    ("", "Assigned to", "who"), ("opened_at", "Opened", "opened"), ("updated_at", "Updated", "upd"),
)
PRIORITY_LABELS = dict(Priority.choices)
CASE_LIST_TITLES = {CaseListName.RESOLVED: "Resolved, awaiting the customer"}


def _fragment(request, target: str) -> bool:
    return bool(request.htmx) and request.htmx.target == target


def _has_blanks(params) -> bool:
    return any(value == "" for _, values in params.lists() for value in values)


def _pushing(response, url: str):
    """htmx puts this URL in the address bar: the list's own, without the form's empty fields."""
    response["HX-Push-Url"] = url
    return response


# --- presentation helpers --------------------------------------------------------------------------


def span(delta: datetime.timedelta) -> str:
    """A short duration: '<1 min', '35 min', '3 h 20 min', '14 h', '2 d 4 h'."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "<1 min"
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes and hours < 10 else f"{hours} h"
    return f"{minutes} min"


def sla_badge(sla_due, made_sla: bool, now: datetime.datetime, window: datetime.timedelta):
    """(css class, text, title) for the SLA column, or None when no SLA concerns the case."""
    if sla_due is not None:
        left = sla_due - now
        due = f"Due {timezone.localtime(sla_due):%Y-%m-%d %H:%M}"
        if left <= datetime.timedelta(0):
            return ("bad", "Breached", f"{due}: overdue by {span(-left)}")
        if left <= window:
            return ("warn", f"At risk · {span(left)}", due)
        return ("ok", f"{span(left)} left", due)
    if not made_sla:
        return ("bad", "Missed", "An SLA of this case breached")
    return None


def when(moment: datetime.datetime | None, today: datetime.date) -> tuple[str, str, str]:
    """(short text, ISO, full text) for a time column: today's time, this year's date, or a date."""
    if moment is None:
        return ("", "", "")
    local = timezone.localtime(moment)
    if local.date() == today:
        short = f"{local:%H:%M}"
    elif local.year == today.year:
        short = f"{local:%b} {local.day}"
    else:
        short = f"{local:%Y-%m-%d}"
    return (short, local.isoformat(), f"{local:%Y-%m-%d %H:%M}")


def _person(first, last, username="") -> str:
    return f"{first or ''} {last or ''}".strip() or (username or "")


def case_rows(rows: list[dict], *, options: dict, now: datetime.datetime) -> list[dict]:
    labels = options["state_labels"]
    names = sel.names_for_rows(rows, options)
    window = sel.sla_at_risk_window()
    today = timezone.localtime(now).date()
    escalations = sel.open_escalations_for_cases(r["id"] for r in rows) if rows else {}
    out = []
    for r in rows:
        out.append({
            "number": r["number"],
            "url": f"/cases/{r['number']}/",
            "short_description": r["short_description"],
            "state": labels.get(f"{r['lifecycle_id']}:{r['state']}", r["state"]),
            "category": r["state_category"],
            "priority": r["priority"],
            "priority_label": PRIORITY_LABELS.get(r["priority"], r["priority"]),
            "account": r["account__name"] or "",
            "contact": _person(r["contact__first_name"], r["contact__last_name"])
            or names["consumers"].get(r["consumer_id"], ""),
            "group": names["groups"].get(r["assignment_group_id"], ""),
            "assignee": names["people"].get(r["assigned_to_id"], ""),
            "sla": sla_badge(r["sla_due"], r["made_sla"], now, window),
            "attention": r["needs_attention"],
            "reopened": r["reopen_count"],
            "escalation": escalations.get(r["id"]),
            "updated": when(r["updated_at"], today),
        })
    return out


def task_rows(rows: list[dict], *, options: dict, now: datetime.datetime) -> list[dict]:
    today = timezone.localtime(now).date()
    states = dict(TaskState.choices)
    names = sel.names_for_rows(rows, options)
    return [
        {
            "number": r["number"],
            "url": f"/case-tasks/{r['number']}/",
            "short_description": r["short_description"],
            "case": r["case__number"],
            "case_url": f"/cases/{r['case__number']}/",
            "case_title": r["case__short_description"],
            "state": states.get(r["state"], r["state"]),
            "open": r["state"] == TaskState.OPEN,
            "priority": r["priority"],
            "priority_label": PRIORITY_LABELS.get(r["priority"], r["priority"]),
            "group": names["groups"].get(r["assignment_group_id"], ""),
            "assignee": names["people"].get(r["assigned_to_id"], ""),
            "opened": when(r["opened_at"], today),
            "updated": when(r["updated_at"], today),
        }
        for r in rows
    ]


def _headers(query: sel.ListQuery, columns, path: str) -> list[dict]:
    """Column headers; sortable ones link to their sort (a second click reverses it)."""
    current = query.sort.lstrip("-")
    descending = query.sort.startswith("-")
    headers = []
    for key, label, css in columns:
        header = {"label": label, "css": css, "url": "", "aria": "none", "arrow": ""}
        if key:
            if key == current:
                sort = key if descending else f"-{key}"
                header["aria"] = "descending" if descending else "ascending"
                header["arrow"] = "▼" if descending else "▲"
            else:
                sort = f"-{key}" if key in ("updated_at", "opened_at") else key
            header["url"] = f"{path}?{query.urlencode(sort=sort, page=None)}"
        headers.append(header)
    return headers


def _chips(query: sel.ListQuery, labels: dict, path: str, names: dict) -> list[dict]:
    """The filters in force, each with a link that removes it."""
    chips = []
    for name, values in query.filters.items():
        for value in values:
            rest = {k: [v for v in vs if not (k == name and v == value)] for k, vs in query.filters.items()}
            rest = {k: vs for k, vs in rest.items() if vs}
            chips.append({
                "name": names.get(name, name.replace("_", " ").capitalize()),
                "value": labels.get(name, {}).get(value, value),
                "remove": f"{path}?{query.urlencode(filters=rest, page=None)}",
            })
    return chips


def _pager(query: sel.ListQuery, page: sel.Page, path: str) -> dict:
    def link(number):
        return f"{path}?{query.urlencode(page=number if number > 1 else None)}"

    return {
        "previous": link(page.number - 1) if page.has_previous else "",
        "next": link(page.number + 1) if page.has_next else "",
        "pages": [{"number": n, "url": link(n) if n else "", "current": n == page.number} for n in page.window()],
    }


FILTER_NAMES = {
    "state": "State", "state_category": "State category", "priority": "Priority", "channel": "Channel",
    "account": "Account", "account_q": "Account", "contact": "Contact", "product": "Product", "case_type": "Case type",
    "assignment_group": "Group", "assigned_to": "Assigned to", "needs_attention": "Needs attention", "sla": "SLA",
    "escalated": "Escalated", "reopened": "Reopened", "opened_after": "Opened from", "opened_before": "Opened before",
    "resolved_after": "Resolved from", "resolved_before": "Resolved before",
}
# Filters the bar edits with a single-value select; more values (from a dashboard's link) show as chips.
SELECT_FILTERS = ("state", "priority", "assignment_group", "assigned_to", "channel", "product")
MORE_FILTERS = ("needs_attention", "sla", "blocked", "escalated", "reopened", "opened_after", "opened_before",
                "resolved_after", "resolved_before")


# --- the case list ----------------------------------------------------------------------------------


def _case_results_context(request, query: sel.ListQuery, now: datetime.datetime) -> dict:
    options = sel.case_list_options(user=request.user)
    qs = sel.case_list_filtered(user=request.user, query=query, now=now)
    page = sel.page_of(
        qs, columns=sel.CASE_ROW_COLUMNS, page=query.page, per_page=query.per_page, cap=sel.count_cap(query)
    )
    labels = sel.filter_labels(query.filters, options)
    path = reverse("cases:case-list")
    return {
        "query": query,
        "page": page,
        "rows": case_rows(page.rows, options=options, now=now),
        "headers": _headers(query, CASE_COLUMNS, path),
        "chips": _chips(query, labels, path, FILTER_NAMES),
        "pager": _pager(query, page, path),
        "options": options,
        "current_url": f"{path}?{query.urlencode()}",
        "clear_url": f"{path}?view={query.view}",
        "errors": query.errors,
    }


@require_GET
@workspace_view
def case_list(request):
    now = timezone.now()
    query = sel.case_list_query_parse(request.GET)
    if query.q and (url := sel.record_url_for_number(user=request.user, text=query.q)):
        return redirect(url)  # an exact case, task or line number opens its record
    if not request.htmx and _has_blanks(request.GET) and not query.errors:
        return redirect(f"{reverse('cases:case-list')}?{query.urlencode()}")  # a plain form's empty fields
    saved = None
    if query.saved is not None:
        saved = get_object_or_404(sel.saved_case_filter_list_for_user(user=request.user), pk=query.saved)
    context = _case_results_context(request, query, now)
    context["saved"] = saved
    context["title"] = saved.name if saved else CASE_LIST_TITLES.get(query.view, CaseListName(query.view).label)
    if _fragment(request, "case-results"):
        context["fragment"] = True
        return _pushing(render(request, "cases/_case_results.html", context), context["current_url"])
    nav = sel.case_list_nav_for_user(user=request.user, now=now)
    context.update(_filter_bar_context(query, context["options"], nav))
    return render(request, "cases/case_list.html", context)


def _tabs_context(query: sel.ListQuery, nav: dict) -> dict:
    tabs = [
        {"view": name, "label": CaseListName(name).label, "url": f"/cases/?view={name}",
         "count": nav["counts"].get(name), "current": name == query.view}
        for name in CaseListName.values
    ]
    return {"tabs": tabs, "count_cap": nav["cap"]}


def _filter_bar_context(query: sel.ListQuery, options: dict, nav: dict) -> dict:
    editable = SELECT_FILTERS + MORE_FILTERS
    single = {name: query.filters[name][0] for name in editable if len(query.filters.get(name, [])) == 1}
    multi = {name for name in editable if len(query.filters.get(name, [])) > 1}
    # Filters the bar has no control for, or with several values: kept as hidden fields so that
    # changing one control keeps them (they show as chips, each removable).
    hidden = [
        (name, value) for name, values in query.filters.items()
        if name != "account_q" and name not in single for value in values
    ]
    return {
        "single": single,
        "hidden": hidden,
        "multi": multi,
        "more": {name: single.get(name, "") for name in MORE_FILTERS},
        "more_count": sum(1 for name in MORE_FILTERS if name in query.filters),
        "account_q": query.filters.get("account_q", [""])[0],
        **_tabs_context(query, nav),
        "saved_filters": nav["saved"],
        "priorities": Priority.choices,
        "channels": Channel.choices,
        "per_page_choices": sel.PAGE_SIZES,
        "save_query": query.filters_querystring(),
    }


# --- bulk assignment ----------------------------------------------------------------------------------


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) and target.startswith("/"):
        return target
    return default


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, InvalidTransition):
        return f"it is {exc.state}; it can no longer change."
    if isinstance(exc, Conflict):
        return exc.detail
    return str(exc) or "You may not change it."


@require_POST
@workspace_view
def case_bulk_assign(request):
    """Assign the selected cases, one by one through `case_assign` (each locked and checked by
    the service); every case's outcome is reported, and a refusal never stops the others."""
    options = sel.case_list_options(user=request.user)
    form = BulkAssignForm(request.POST, options=options)
    next_url = _next_url(request, reverse("cases:case-list"))
    outcome = {"done": [], "failed": [], "errors": []}
    if not form.is_valid():
        outcome["errors"] = [e for errors in form.errors.values() for e in errors]
    else:
        data = form.cleaned_data
        if data["action"] == "me":
            group, assignee = None, request.user
        else:
            group = AssignmentGroup.objects.filter(pk=data["assignment_group"]).first() if data["assignment_group"] else None
            assignee = user_list_internal().filter(pk=data["assigned_to"]).first() if data["assigned_to"] else None
        found = {c.number: c for c in case_list_for_user(user=request.user).filter(number__in=data["cases"])}
        for number in data["cases"]:
            case = found.get(number)
            if case is None:
                outcome["failed"].append((number, "no such case."))
                continue
            try:
                services.case_assign(actor=request.user, case=case, assignment_group=group, assigned_to=assignee)
            except (ValidationError, PermissionDenied, Conflict) as exc:
                outcome["failed"].append((number, _refusal(exc)))
            else:
                outcome["done"].append(number)
        outcome["target"] = "you" if data["action"] == "me" else _assignment_text(group, assignee)
        sel.case_list_nav_forget(request.user.pk)
        if assignee is not None and assignee.pk != request.user.pk:
            sel.case_list_nav_forget(assignee.pk)
    if _fragment(request, "case-results"):
        query = sel.case_list_query_parse(_query_of(next_url))
        context = _case_results_context(request, query, timezone.now())
        context.update(bulk=outcome, fragment=True)
        context.update(_tabs_context(query, sel.case_list_nav_for_user(user=request.user)))
        response = _pushing(render(request, "cases/_case_results.html", context), context["current_url"])
        response["HX-Trigger"] = "cases-changed"  # the navigation's counts reload
        return response
    _bulk_messages(request, outcome)
    return HttpResponseRedirect(next_url)


def _assignment_text(group, assignee) -> str:
    parts = [group.name] if group else []
    if assignee is not None:
        parts.append(_person(assignee.first_name, assignee.last_name, assignee.username))
    elif group is not None:
        parts.append("unassigned")
    return " / ".join(parts)


def _query_of(url: str) -> QueryDict:
    return QueryDict(url.split("?", 1)[1] if "?" in url else "")


def _bulk_messages(request, outcome: dict) -> None:
    for error in outcome["errors"]:
        messages.error(request, error)
    if outcome["done"]:
        messages.success(request, f"Assigned to {outcome['target']}: {', '.join(outcome['done'])}.")
    for number, reason in outcome["failed"]:
        messages.error(request, f"{number} was not assigned: {reason}")


# --- saved filters ---------------------------------------------------------------------------------


@workspace_view
def saved_filter_list(request):
    """GET: the user's saved filters, to open, rename or delete. POST: save the list being viewed."""
    if request.method == "POST":
        form = SavedFilterForm(request.POST)
        if form.is_valid():
            try:
                saved = services.saved_case_filter_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for error in exc.messages:
                    messages.error(request, f"Not saved: {error}")
                return HttpResponseRedirect(_next_url(request, reverse("cases:case-list")))
            messages.success(request, f"Saved the filter “{saved.name}”.")
            return HttpResponseRedirect(saved.url)
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"Not saved: {error}")
        return HttpResponseRedirect(_next_url(request, reverse("cases:case-list")))
    if request.method != "GET":
        return HttpResponseRedirect(reverse("cases:saved-filter-list"))
    saved = list(sel.saved_case_filter_list_for_user(user=request.user))
    labels = dict(CaseListName.choices)
    rows = [{"obj": s, "list": labels.get(s.view, s.view), "url": s.url} for s in saved]
    return render(request, "cases/saved_filters.html", {"rows": rows, "title": "Saved filters"})


def _own_filter(request, pk: int):
    return get_object_or_404(sel.saved_case_filter_list_for_user(user=request.user), pk=pk)


@require_POST
@workspace_view
def saved_filter_rename(request, pk: int):
    saved = _own_filter(request, pk)
    form = SavedFilterRenameForm(request.POST)
    if form.is_valid():
        try:
            saved = services.saved_case_filter_rename(actor=request.user, saved_filter=saved, name=form.cleaned_data["name"])
        except ValidationError as exc:
            messages.error(request, f"Not renamed: {' '.join(exc.messages)}")
        else:
            messages.success(request, f"Renamed to “{saved.name}”.")
    else:
        messages.error(request, "Not renamed: give a name of at most 80 characters.")
    return HttpResponseRedirect(_next_url(request, reverse("cases:saved-filter-list")))


@require_POST
@workspace_view
def saved_filter_delete(request, pk: int):
    saved = _own_filter(request, pk)
    services.saved_case_filter_delete(actor=request.user, saved_filter=saved)
    messages.success(request, f"Deleted the saved filter “{saved.name}”.")
    target = _next_url(request, reverse("cases:saved-filter-list"))
    if f"saved={pk}" in target:  # the page of the deleted filter: show its list without it
        target = reverse("cases:saved-filter-list")
    return HttpResponseRedirect(target)


# --- the navigation ---------------------------------------------------------------------------------


@require_GET
@workspace_view
def list_nav(request):
    """The navigation's case and task lists with their counts and the saved filters; the nav
    loads it with htmx when it comes into view (without JavaScript the links show, uncounted)."""
    nav = sel.case_list_nav_for_user(user=request.user)
    path, params = "", QueryDict()
    current = request.htmx.current_url if request.htmx else None
    if current:  # the page the navigation sits on, to mark its entry
        parts = urlsplit(current)
        path, params = parts.path, QueryDict(parts.query)
    return render(request, "cases/_nav_lists.html", nav_context(path=path, params=params, nav=nav))


# --- the task list ----------------------------------------------------------------------------------


def _task_results_context(request, query: sel.ListQuery, now: datetime.datetime) -> dict:
    qs = sel.case_task_list_filtered(user=request.user, query=query)
    page = sel.page_of(
        qs, columns=sel.TASK_ROW_COLUMNS, page=query.page, per_page=query.per_page, cap=sel.count_cap(query)
    )
    path = reverse("cases:task-list")
    options = sel.case_list_options(user=request.user)
    labels = sel.filter_labels(query.filters, options)
    labels["state"] = dict(TaskState.choices)
    return {
        "query": query,
        "page": page,
        "rows": task_rows(page.rows, options=options, now=now),
        "headers": _headers(query, TASK_COLUMNS, path),
        "chips": _chips(query, labels, path, FILTER_NAMES),
        "pager": _pager(query, page, path),
        "options": options,
        "errors": query.errors,
        "clear_url": f"{path}?view={query.view}",
        "current_url": f"{path}?{query.urlencode()}",
    }


@require_GET
@workspace_view
def task_list(request):
    now = timezone.now()
    query = sel.task_list_query_parse(request.GET)
    if query.q and (url := sel.record_url_for_number(user=request.user, text=query.q)):
        return redirect(url)
    if not request.htmx and _has_blanks(request.GET) and not query.errors:
        return redirect(f"{reverse('cases:task-list')}?{query.urlencode()}")
    context = _task_results_context(request, query, now)
    context["title"] = sel.TaskListName.labels[query.view]
    if _fragment(request, "task-results"):
        context["fragment"] = True
        return _pushing(render(request, "cases/_task_results.html", context), context["current_url"])
    single = {name: query.filters[name][0] for name in sel.TASK_FILTERS if len(query.filters.get(name, [])) == 1}
    context.update({
        "single": single,
        "hidden": [(n, v) for n, vs in query.filters.items() if n not in single for v in vs],
        "tabs": [
            {"label": label, "url": f"/case-tasks/?view={name}", "current": name == query.view}
            for name, label in sel.TaskListName.choices
        ],
        "task_states": TaskState.choices,
        "priorities": Priority.choices,
        "per_page_choices": sel.PAGE_SIZES,
    })
    return render(request, "cases/task_list.html", context)



# --- navigation entries -------------------------------------------------------------------------------

NAV_CASE_LISTS = (
    CaseListName.MY_OPEN, CaseListName.MY_GROUPS_UNASSIGNED, CaseListName.ALL_OPEN, CaseListName.AWAITING_INFO,
    CaseListName.SLA_AT_RISK, CaseListName.RESOLVED, CaseListName.ALL,
)
NAV_TASK_LISTS = (("mine", "My tasks", "tasks_mine"), ("my_groups", "My groups' tasks", ""))


def _count_text(counts: dict, key: str, cap: int) -> str:
    if key not in counts:
        return ""
    return f"{cap}+" if counts[key] > cap else str(counts[key])


def nav_context(*, path: str, params, nav: dict | None) -> dict:
    """The navigation's list entries. Without `nav` (the shell's first render) they carry no
    counts and cost no query; with it (the htmx fragment) they carry counts and saved filters."""
    counts, cap = (nav["counts"], nav["cap"]) if nav else ({}, 0)
    view = params.get("view", "")
    on_cases, on_tasks = path == "/cases/", path == "/case-tasks/"
    saved_id = params.get("saved", "")
    cases = []
    if nav is None or nav["works_cases"]:
        for name in NAV_CASE_LISTS:
            cases.append({
                "label": CaseListName(name).label, "url": f"/cases/?view={name}",
                "count": _count_text(counts, name, cap),
                "current": on_cases and not saved_id and (view or CaseListName.MY_OPEN) == name,
                "alert": name == CaseListName.SLA_AT_RISK and counts.get(name, 0) > 0,
            })
    tasks = [
        {"label": label, "url": f"/case-tasks/?view={name}", "count": _count_text(counts, key, cap) if key else "",
         "current": on_tasks and (view or "mine") == name, "alert": False}
        for name, label, key in NAV_TASK_LISTS
    ]
    saved = [
        {"label": s["name"], "url": s["url"], "current": on_cases and saved_id == str(s["id"])}
        for s in (nav["saved"] if nav else [])
    ]
    return {"cases": cases, "tasks": tasks, "saved": saved, "counted": nav is not None}
