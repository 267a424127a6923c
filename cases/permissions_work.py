"""Who sees and works case tasks and case lines (reference 5.3, 5.4).

- Internal roles holding `cases.view_all_cases` (agent, manager, admin) see every task and line.
- `case_task_agent` (back office) holds `cases.view_casetask`/`change_casetask` only: it sees and
  works the tasks assigned to it, routed to one of its assignment groups, or that it opened.
- The customer side sees the tasks marked `visible_to_customer`, and the lines, of the cases it
  can see (`cases.permissions.case_scope_q`); it changes neither (it comments on the case).
Writes: creating needs `add_casetask`/`add_caseline`; changing needs `change_*` plus sight of
the row as above."""
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from cases.models import CaseLine, CaseTask
from users.models import AssignmentGroup

VIEW_ALL = "cases.view_all_cases"


def task_routed_q(user) -> Q:
    """Tasks routed to this user: assigned to them, to one of their groups, or opened by them."""
    groups = AssignmentGroup.members.through.objects.filter(user_id=user.pk).values("assignmentgroup_id")
    return Q(assigned_to=user) | Q(assignment_group_id__in=groups) | Q(opened_by=user)


def is_task_back_office(user) -> bool:
    return bool(user and user.is_authenticated and not user.has_perm(VIEW_ALL) and user.has_perm("cases.view_casetask"))


def can_create_task(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.add_casetask"))


def require_can_create_task(user) -> None:
    if not can_create_task(user):
        raise PermissionDenied("Only agents create case tasks.")


def can_change_task(user, task: CaseTask) -> bool:
    if not user or not user.is_authenticated or not user.has_perm("cases.change_casetask"):
        return False
    if user.has_perm(VIEW_ALL):
        return True
    return CaseTask.objects.filter(task_routed_q(user), pk=task.pk).exists()


def require_can_change_task(user, task: CaseTask) -> None:
    if not can_change_task(user, task):
        raise PermissionDenied("Only agents and the back office the task is routed to work case tasks.")


def can_create_line(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.add_caseline"))


def require_can_create_line(user) -> None:
    if not can_create_line(user):
        raise PermissionDenied("Only agents create case lines.")


def can_change_line(user, line: CaseLine | None = None) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.change_caseline") and user.has_perm(VIEW_ALL))


def require_can_change_line(user, line: CaseLine | None = None) -> None:
    if not can_change_line(user, line):
        raise PermissionDenied("Only agents work case lines.")
