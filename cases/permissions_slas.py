"""Who sees SLAs: internal only. Agents, managers and admins read every SLA definition and task
SLA through the model permissions their roles hold (`cases.view_sladefinition`,
`cases.view_tasksla`); the customer side never sees them, not even on its own cases (SLA
internals are internal: the API answers 404). Admins define SLAs and recompute them."""
from django.core.exceptions import PermissionDenied

from cases.models import SlaDefinition, TaskSla
from core import access

VIEW_TASK_SLA = "cases.view_tasksla"
VIEW_DEFINITION = "cases.view_sladefinition"


def can_view_task_slas(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(VIEW_TASK_SLA))


def can_recompute_slas(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.change_tasksla"))


def require_can_recompute_slas(user) -> None:
    if user is not None and not can_recompute_slas(user):
        raise PermissionDenied("Only admins recompute SLAs.")


access.register(SlaDefinition, access.RolePolicy(VIEW_DEFINITION))
access.register(TaskSla, access.RolePolicy(VIEW_TASK_SLA))
