"""The dashboards (reference 10.4) and the workspace home.

Every figure links to the case list behind it (`/cases/?...`, the URL contract of the list page),
and every chart comes with a table of its numbers carrying the same links, so the page reads and
drills down without JavaScript; `static/js/dashboards.js` draws the charts from the JSON blocks
(`json_script`) and sends a click on a bar or slice to its link. With htmx, the filter form and
the agent dashboard's refresh swap only the body (`request.htmx`: the fragment template)."""
import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.shortcuts import redirect
from django.views.generic import TemplateView

from cases.choices import Priority
from cases.permissions_metrics import can_view_team_metrics, require_can_view_team_metrics
from cases.selectors_metrics import (
    DEFAULT_PERIOD,
    DIMENSIONS,
    PERIODS,
    PRIORITIES,
    SlaStage,
    agent_dashboard_for_user,
    groups_of,
    manager_dashboard_for_user,
    metric_group_choices,
)
from users.views import WorkspaceMixin, workspace_view

# cases:case-list (cases/views/lists.py). A literal path: the links are many, and joining strings
# costs nothing where reverse() per link would.
CASE_LIST = "/cases/"
INBOX = "/inbox/"  # interactions:inbox, where offered cases are accepted or rejected

PRIORITY_COLORS = {1: "#b3261e", 2: "#d9480f", 3: "#b26a00", 4: "#5b6676"}
SLA_COLORS = {SlaStage.BREACHED: "#b3261e", SlaStage.AT_RISK: "#e8a33d", SlaStage.ON_TRACK: "#137333",
              SlaStage.NONE: "#9aa3ae"}
STATE_PALETTE = ["#2457c5", "#6f42c1", "#b26a00", "#137333", "#0b7285", "#a61e4d", "#5b6676", "#d9480f"]
OPENED_COLOR, RESOLVED_COLOR, MTTR_COLOR = "#2457c5", "#137333", "#6f42c1"
# The list filter each breakdown drills down with.
DIMENSION_PARAMS = {"group": "assignment_group", "agent": "assigned_to", "account": "account", "product": "product"}
DIMENSION_TITLES = {"group": "assignment group", "agent": "agent", "account": "account", "product": "product"}


@workspace_view
def workspace_home(request):
    """`/`: the workspace's home is the agent dashboard (anonymous: sign in; customers: 404)."""
    return redirect("cases:dashboard-agent")


def case_list_link(**params) -> str:
    """A link to the case list with the contract's parameters; lists repeat (`priority=1&priority=2`)."""
    pairs = []
    for name, value in params.items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((name, item.isoformat() if isinstance(item, datetime.date) else item))
    return f"{CASE_LIST}?{urlencode(pairs)}"


def _dates(prefix: str, first: datetime.date, last: datetime.date) -> dict:
    """The days `first` to `last`, both included, in the list's date filters: `_after` is from the
    start of its day, `_before` up to (not including) the start of its day."""
    return {f"{prefix}_after": first, f"{prefix}_before": last + datetime.timedelta(days=1)}


# --- charts --------------------------------------------------------------------------------------
@dataclass
class Stat:
    label: str
    value: object
    link: str | None = None
    hint: str = ""
    tone: str = ""        # "", "bad", "warn", "ok": the badge colour of the figure
    shortcut: str = ""


def chart(ident: str, title: str, kind: str, labels: list[str], datasets: list[dict], *, note: str = "",
          stacked: bool = False, horizontal: bool = False, unit: str = "", table: bool = True, heading: str = "") -> dict:
    """One chart: the spec dashboards.js draws (JSON) and the table of its numbers, same links.

    `datasets`: [{"label", "data": [numbers], "links": [url or None], "color": one colour or a
    list, one per label}]."""
    spec = {
        "type": kind, "labels": labels, "stacked": stacked, "horizontal": horizontal, "unit": unit,
        "datasets": [
            {"label": d["label"], "data": d["data"], "links": d.get("links") or [None] * len(labels),
             "color": d.get("color"), "kind": d.get("kind")}
            for d in datasets
        ],
    }
    rows = [
        {"label": label, "cells": [(d["data"][i], (d.get("links") or [None] * len(labels))[i]) for d in datasets]}
        for i, label in enumerate(labels)
    ]
    empty = not any(value for d in datasets for value in d["data"] if value)
    return {
        "id": ident, "data_id": f"{ident}-data", "title": title, "note": note, "spec": spec, "empty": empty,
        "columns": [d["label"] for d in datasets], "rows": rows, "table": table, "unit": unit, "heading": heading,
    }


def _priority_chart(ident: str, title: str, counts: dict[int, int], link, kind: str = "doughnut", note: str = "") -> dict:
    labels = [Priority(p).label for p in PRIORITIES]
    return chart(ident, title, kind, labels, [{
        "label": "Cases", "data": [counts.get(p, 0) for p in PRIORITIES],
        "links": [link(p) for p in PRIORITIES], "color": [PRIORITY_COLORS[p] for p in PRIORITIES],
    }], note=note, heading="Priority")


def _state_chart(ident: str, title: str, states, link, note: str = "") -> dict:
    return chart(ident, title, "bar", [s.label for s in states], [{
        "label": "Cases", "data": [s.count for s in states], "links": [link(s.code) for s in states],
        "color": [STATE_PALETTE[i % len(STATE_PALETTE)] for i in range(len(states))],
    }], note=note, heading="State")


# --- the agent dashboard -------------------------------------------------------------------------
class AgentDashboardView(WorkspaceMixin, TemplateView):
    """My open cases and my groups' queues (reference 10.4, agent dashboard)."""

    template_name = "cases/dashboards/agent.html"

    def get_template_names(self):
        return ["cases/dashboards/_agent_body.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        user = self.request.user
        board = agent_dashboard_for_user(user=user)
        mine = {"view": "my_open"}
        group_ids = [pk for pk, _ in board.groups]
        groups = {"view": "all_open", "assignment_group": group_ids}
        stats = [
            Stat("My open cases", board.open, case_list_link(**mine), "Assigned to me: new, open or awaiting info",
                 shortcut="o"),
            Stat("My new cases", board.new, case_list_link(**mine, state_category="new"),
                 "Assigned to me and not yet accepted or worked", tone="info" if board.new else ""),
            Stat("Needs my attention", board.needs_attention, case_list_link(**mine, needs_attention="true"),
                 "A customer replied, a blocking task ended, someone else commented",
                 tone="warn" if board.needs_attention else ""),
            Stat("My SLA breaches", board.breached, case_list_link(**mine, sla="breached"),
                 "My open cases whose SLA is breached", tone="bad" if board.breached else "ok"),
            Stat("My SLAs at risk", board.at_risk, case_list_link(**mine, sla="at_risk"),
                 f"Due within {settings.CASE_SLA_AT_RISK_MINUTES} minutes or past due", tone="warn" if board.at_risk else ""),
            Stat("Offers waiting for me", board.offers, INBOX, "Routed cases to accept or reject in my inbox",
                 tone="info" if board.offers else "", shortcut="i"),
        ]
        group_stats = []
        if board.groups:
            group_stats = [
                Stat("My groups' P1 cases", board.groups_p1, case_list_link(**groups, priority=1),
                     "Critical open cases of my groups", tone="bad" if board.groups_p1 else ""),
                Stat("My groups' open cases", board.groups_open, case_list_link(**groups)),
                Stat("Unassigned in my groups", board.groups_unassigned, case_list_link(**groups, assigned_to="none"),
                     "Waiting in my groups' queues", shortcut="u"),
            ]
        charts = [
            _priority_chart("my-priority", "My open cases by priority", board.by_priority,
                            lambda p: case_list_link(**mine, priority=p)),
            _state_chart("my-state", "My open cases by state", board.by_state,
                         lambda code: case_list_link(**mine, state=code)),
        ]
        return {
            **super().get_context_data(**kwargs), "board": board, "stats": stats, "group_stats": group_stats,
            "charts": charts, "group_names": ", ".join(name for _, name in board.groups),
            "can_view_team_metrics": can_view_team_metrics(user),
        }


# --- the manager dashboard -----------------------------------------------------------------------
class ManagerFilterForm(forms.Form):
    """The manager dashboard's filters. Unknown values fall back to the defaults (a stale link
    still shows a page)."""

    assignment_group = forms.ChoiceField(required=False, label="Assignment group")
    period = forms.TypedChoiceField(
        choices=[(p, f"Last {p} days") for p in PERIODS], coerce=int, required=False, label="Period",
    )
    by = forms.ChoiceField(
        choices=[(key, DIMENSION_TITLES[key].capitalize()) for key in DIMENSIONS], required=False, label="Break down by",
    )

    def __init__(self, *args, groups: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment_group"].choices = [("", "All groups"), ("mine", "My groups")] + [
            (str(pk), name) for pk, name in groups
        ]
        self.fields["assignment_group"].widget.attrs["data-shortcut-focus"] = "f"

    def choice(self, name: str, default):
        """The field's clean value, or `default` when it is missing or not a valid choice."""
        self.is_valid()
        if name in self.errors:
            return default
        return self.cleaned_data.get(name) or default


class ManagerDashboardView(WorkspaceMixin, TemplateView):
    """Team metrics for managers and admins (reference 10.4, manager dashboard). Agents: 403."""

    template_name = "cases/dashboards/manager.html"

    def get(self, request, *args, **kwargs):
        require_can_view_team_metrics(request.user)
        return super().get(request, *args, **kwargs)

    def get_template_names(self):
        return ["cases/dashboards/_manager_body.html"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        user = self.request.user
        group_choices = metric_group_choices()
        asked = ManagerFilterForm(self.request.GET, groups=group_choices)
        group = asked.choice("assignment_group", "")
        period = asked.choice("period", DEFAULT_PERIOD)
        by = asked.choice("by", "group")
        group_ids = groups_of(user) if group == "mine" else [int(group)] if group else None
        board = manager_dashboard_for_user(user=user, group_ids=group_ids, period_days=period, by=by)
        # The form as applied: what was asked where valid, the defaults elsewhere.
        form = ManagerFilterForm(initial={"assignment_group": group, "period": period, "by": by}, groups=group_choices)
        return {
            **super().get_context_data(**kwargs), "form": form, "board": board,
            **_manager_context(board, group_ids), "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
        }


def _manager_context(board, group_ids: list[int] | None) -> dict:
    scope = {} if group_ids is None else {"assignment_group": group_ids}
    open_ = {"view": "all_open", **scope}
    period = _dates("resolved", board.period_start, board.period_end)
    resolved = {"view": "all", **scope, **period}
    r = board.resolved
    stats = [
        Stat("Open backlog", board.open, case_list_link(**open_), "New, open or awaiting info", shortcut="o"),
        Stat("Unassigned open cases", board.unassigned, case_list_link(**open_, assigned_to="none"),
             _pct_text(board.unassigned_pct) + " of the open backlog", tone="warn" if board.unassigned else ""),
        Stat("Open cases with breached SLAs", _pct_text(board.breached_pct), case_list_link(**open_, sla="breached"),
             f"{board.sla[SlaStage.BREACHED]} of {board.open}", tone="bad" if board.sla[SlaStage.BREACHED] else "ok"),
        Stat("Escalated", _pct_text(board.escalated_pct), case_list_link(**open_, escalated="true"),
             f"{board.escalated} open cases escalated", tone="warn" if board.escalated else ""),
        Stat("Blocked / unblocked", f"{board.blocked} / {board.unblocked}", case_list_link(**open_, blocked="true"),
             "Blocked: waiting for a task or for the customer's answer"),
        Stat(f"Resolved, last {board.period_days} days", r.resolved, case_list_link(**resolved),
             f"Opened in the same days: {board.opened_in_period}"),
        Stat("Mean time to resolve", r.mttr_text, case_list_link(**resolved),
             "Resolved minus opened, cases resolved in the period"),
        Stat("First contact resolution", _pct_text(r.fcr_pct), case_list_link(**resolved),
             "Resolved at the first response and never reopened"),
        Stat("Reopen rate", _pct_text(r.reopen_pct), case_list_link(**resolved, reopened="true"),
             f"{r.reopened} of {r.resolved} resolved cases were reopened at least once",
             tone="warn" if r.reopened else ""),
        Stat("SLA breach rate (resolved)", _pct_text(r.breached_pct), case_list_link(**resolved, sla="breached"),
             f"{r.breached} of {r.resolved} resolved cases missed an SLA", tone="bad" if r.breached else ""),
    ]
    sla_links = {
        SlaStage.BREACHED: case_list_link(**open_, sla="breached"),
        SlaStage.AT_RISK: case_list_link(**open_, sla="at_risk"),
        SlaStage.ON_TRACK: case_list_link(**open_, sla="on_track"),
        SlaStage.NONE: case_list_link(**open_, sla="none"),
    }
    weeks = board.weeks
    charts = [
        _priority_chart("open-priority", "Open cases by priority", board.by_priority,
                        lambda p: case_list_link(**open_, priority=p)),
        _state_chart("open-state", "Open cases by state", board.by_state, lambda code: case_list_link(**open_, state=code)),
        chart("open-sla", "Open cases by SLA stage", "pie", [SlaStage.LABELS[s] for s in SlaStage.ORDER], [{
            "label": "Cases", "data": [board.sla[s] for s in SlaStage.ORDER],
            "links": [sla_links[s] for s in SlaStage.ORDER], "color": [SLA_COLORS[s] for s in SlaStage.ORDER],
        }], note=f"At risk: due within {settings.CASE_SLA_AT_RISK_MINUTES} minutes or past due, not yet flagged "
                 "breached. Each slice opens its cases.",
           heading="SLA stage"),
        chart("backlog-growth", f"Backlog growth: opened vs resolved, last {len(weeks)} weeks", "bar",
              [f"{w.start:%d %b}" for w in weeks], [
                  {"label": "Opened", "data": [w.opened for w in weeks], "color": OPENED_COLOR,
                   "links": [case_list_link(view="all", **scope, **_dates("opened", w.start, w.end)) for w in weeks]},
                  {"label": "Resolved", "data": [w.resolved for w in weeks], "color": RESOLVED_COLOR,
                   "links": [case_list_link(view="all", **scope, **_dates("resolved", w.start, w.end)) for w in weeks]},
              ], note="Weeks start on Monday; the last one is this week so far.", heading="Week of"),
    ]
    param = DIMENSION_PARAMS[board.by]

    def keyed(row) -> dict | None:
        """The list filter of one breakdown row; None when the list cannot select it (no account,
        no product: the list filters an empty value for the group and the assignee only)."""
        if row.key is None:
            return {param: "none"} if board.by in ("agent", "group") else None
        return {param: row.key}

    open_links, open_rows = [], []
    for row in board.open_rows:
        key = keyed(row)
        params = None if key is None else {**open_, **key}
        links = _row_links(params)
        open_rows.append({
            "row": row, "link": params and case_list_link(**params), "links": links,
            "priority_cells": [(row.by_priority[p], links.get(f"p{p}")) for p in PRIORITIES],
        })
        open_links.append(params)
    labels = [row.label for row in board.open_rows]
    breakdown_open = chart(
        "by-open", f"Open backlog by {DIMENSION_TITLES[board.by]} (top {len(labels)})", "bar", labels,
        [{"label": Priority(p).label, "color": PRIORITY_COLORS[p],
          "data": [row.by_priority[p] for row in board.open_rows],
          "links": [params and case_list_link(**params, priority=p) for params in open_links]} for p in PRIORITIES],
        stacked=True, horizontal=True, table=False,
    )
    breakdown_open.update(extra_template="cases/dashboards/_breakdown_open.html", wide=True,
                          height=_bar_height(len(labels)))
    resolved_rows, resolved_links = [], []
    for row in board.resolved_rows:
        key = keyed(row)
        params = None if key is None else {**resolved, **key}
        resolved_rows.append({
            "row": row, "link": params and case_list_link(**params),
            "reopened_link": params and case_list_link(**params, reopened="true"),
            "breached_link": params and case_list_link(**params, sla="breached"),
        })
        resolved_links.append(params and case_list_link(**params))
    breakdown_resolved = chart(
        "by-mttr", f"Mean time to resolve by {DIMENSION_TITLES[board.by]}, last {board.period_days} days (hours)", "bar",
        [row.label for row in board.resolved_rows],
        [{"label": "Mean hours to resolve", "color": MTTR_COLOR, "links": resolved_links,
          "data": [row.mttr_hours or 0 for row in board.resolved_rows]}],
        horizontal=True, unit="h", table=False,
    )
    breakdown_resolved.update(extra_template="cases/dashboards/_breakdown_resolved.html", wide=True,
                              height=_bar_height(len(board.resolved_rows)))
    return {
        "backlog_stats": stats[:5], "period_stats": stats[5:], "charts": charts,
        "breakdown_open": breakdown_open, "open_rows": open_rows,
        "breakdown_resolved": breakdown_resolved, "resolved_rows": resolved_rows,
        "dimension": DIMENSION_TITLES[board.by], "priorities": [Priority(p).label for p in PRIORITIES],
    }


def _row_links(params: dict | None) -> dict:
    """The drill-down links of one open-backlog breakdown row, per column."""
    if params is None:
        return {}
    links = {f"p{p}": case_list_link(**params, priority=p) for p in PRIORITIES}
    links.update({
        "unassigned": case_list_link(**{**params, "assigned_to": "none"}),
        "breached": case_list_link(**params, sla="breached"),
        "at_risk": case_list_link(**params, sla="at_risk"),
        "escalated": case_list_link(**params, escalated="true"),
        "blocked": case_list_link(**params, blocked="true"),
    })
    return links


def _bar_height(bars: int) -> float:
    """rem: a horizontal bar chart grows with its bars, so each label stays readable."""
    return max(8.0, 3.0 + 1.7 * bars)


def _pct_text(value) -> str:
    return "—" if value is None else f"{value:g} %"
