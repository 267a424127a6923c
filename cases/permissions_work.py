"""Who sees and works case tasks and case lines (reference 5.3, 5.4).

- Internal roles holding `cases.view_all_cases` (agent, manager, admin) see every task and line.
- `case_task_agent` (back office) holds `cases.view_casetask`/`change_casetask` only: it sees and
  works the tasks assigned to it, routed to one of its assignment groups, or that it opened.
- The customer side sees the tasks marked `visible_to_customer`, and the lines, of the cases it
  can see (`cases.permissions.case_scope_q`). On its visible tasks it replies and closes them
  (reference 5.4); it edits no task fields and never changes lines.
Writes: creating needs `add_casetask`/`add_caseline`; changing needs `change_*` plus sight of
the row as above."""
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from cases import permissions
from cases.models import CaseLine, CaseTask
from core import access
from users.models import AssignmentGroup
from users.permissions import is_internal

VIEW_ALL = "cases.view_all_cases"

# What the customer side never reads of a task or a line; the API's answers drop these, and its
# filters and orderings refuse them (core.api.filters, through the views' `hidden_fields`).
TASK_FIELDS_HIDDEN_FROM_CUSTOMERS = frozenset({"assignment_group", "assigned_to", "opened_by", "closed_by"})
LINE_FIELDS_HIDDEN_FROM_CUSTOMERS = frozenset({"assigned_to", "opened_by", "resolved_by"})


def case_task_fields_hidden_from(user) -> frozenset[str]:
    return frozenset() if is_internal(user) else TASK_FIELDS_HIDDEN_FROM_CUSTOMERS


def case_line_fields_hidden_from(user) -> frozenset[str]:
    return frozenset() if is_internal(user) else LINE_FIELDS_HIDDEN_FROM_CUSTOMERS


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


def is_task_customer(user, task: CaseTask) -> bool:
    """The customer side of a task visible to it (reference 5.4: customers update their visible
    tasks: they reply on them and close them when they have done what was asked)."""
    if not user or not user.is_authenticated or is_internal(user) or not task.visible_to_customer:
        return False
    return permissions.is_customer_side(user, task.case)


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


# --- access explanation --------------------------------------------------------------------------
def _customer_side_reasons(obj, user, what: str) -> list[access.Reason]:
    if is_internal(user):
        return []
    reasons = [r for r in permissions.CasePolicy().explain(obj.case, user).reasons if r.kind != "role"]
    if not reasons:
        return []
    why = "; ".join(r.detail for r in reasons)
    return [access.Reason("relation", f"The {what} is on {obj.case.number}, which you see: {why}", via=obj.case.number)]


class CaseTaskPolicy(access.AccessPolicy):
    view_permission = VIEW_ALL

    def relation_reasons(self, obj, user):
        reasons = []
        if is_task_back_office(user):
            if obj.assigned_to_id == user.pk:
                reasons.append(access.Reason("relation", "The task is assigned to you.", permission="cases.view_casetask"))
            if obj.opened_by_id == user.pk:
                reasons.append(access.Reason("relation", "You opened the task.", permission="cases.view_casetask"))
            if obj.assignment_group_id and obj.assignment_group.members.filter(pk=user.pk).exists():
                reasons.append(access.Reason(
                    "relation", f"The task is routed to your group {obj.assignment_group}.", permission="cases.view_casetask",
                ))
        if obj.visible_to_customer:
            reasons += _customer_side_reasons(obj, user, "task (visible to the customer)")
        return reasons

    def relation_audience(self, obj):
        entries = []
        if obj.assigned_to_id:
            entries.append(access.AudienceEntry("relation", "The assignee.", users=[obj.assigned_to.username], count=1))
        if obj.assignment_group_id:
            members = obj.assignment_group.members.values_list("username", flat=True)
            entries.append(access.AudienceEntry(
                "relation", f"Back office of {obj.assignment_group} (case_task_agent).",
                users=list(members[: access.AUDIENCE_SAMPLE]), count=members.count(),
            ))
        if obj.visible_to_customer:
            entries += [
                access.AudienceEntry(e.kind, f"Through {obj.case.number}: {e.detail}", users=e.users, count=e.count)
                for e in permissions.CasePolicy().audience(obj.case) if e.kind in ("relation", "grant")
            ]
        return entries


class CaseLinePolicy(access.AccessPolicy):
    view_permission = VIEW_ALL

    def relation_reasons(self, obj, user):
        return _customer_side_reasons(obj, user, "case line")

    def relation_audience(self, obj):
        return [
            access.AudienceEntry(e.kind, f"Through {obj.case.number}: {e.detail}", users=e.users, count=e.count)
            for e in permissions.CasePolicy().audience(obj.case) if e.kind in ("relation", "grant")
        ]


access.register(CaseTask, CaseTaskPolicy())
access.register(CaseLine, CaseLinePolicy())
