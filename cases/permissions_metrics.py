"""Who sees the dashboards (reference 10.4).

- The agent dashboard: every internal user (the workspace's door); it shows the reader's own
  cases and their groups' queues.
- The manager dashboard: team metrics across groups, agents, accounts and products, for holders
  of `cases.see_team_metrics` (the manager and admin roles). An agent is refused with 403, not
  404: the page is part of the workspace they are in and its link is merely hidden from them; what
  they lack is a capability (STYLE.md §9: "no capability → 403"), not the scope of a record.
"""
from django.core.exceptions import PermissionDenied

VIEW_METRICS = "cases.see_team_metrics"


def can_view_team_metrics(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW_METRICS))


def require_can_view_team_metrics(user) -> None:
    if not can_view_team_metrics(user):
        raise PermissionDenied("The manager dashboard is for managers and admins.")
