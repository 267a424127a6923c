"""Reads of case tasks, case lines and the "blocked by" records, scoped to the reader
(rules in `cases.permissions_work`)."""
from django.db.models import QuerySet

from cases import permissions, permissions_work
from cases.models import Case, CaseBlocker, CaseLine, CaseTask
from users.permissions import is_internal


def _customer_cases(user) -> QuerySet:
    return Case.objects.filter(permissions.case_scope_q(user)).values("pk")


_TASK_RELATED = (
    "case", "account", "contact", "consumer", "service_definition", "assignment_group", "assigned_to",
    "opened_by", "closed_by",
)


def case_task_list_for_user(*, user) -> QuerySet[CaseTask]:
    qs = CaseTask.objects.select_related(*_TASK_RELATED)
    if not user or not user.is_authenticated:
        return qs.none()
    if user.has_perm(permissions_work.VIEW_ALL):
        return qs
    if user.has_perm("cases.view_casetask"):
        return qs.filter(permissions_work.task_routed_q(user))
    if is_internal(user):
        return qs.none()
    return qs.filter(visible_to_customer=True, case_id__in=_customer_cases(user))


def case_task_list_for_case(*, user, case: Case) -> QuerySet[CaseTask]:
    """The tasks of one case as `case_task_list_for_user` shows them, without resolving the customer
    side's whole scope again: for a customer-side reader of this case (`permissions.is_customer_side`,
    answered from the memo when the case was just read through their scope), its tasks visible to
    the customer, without joins (the portal shows a task's own columns; the nine joins of
    `case_task_list_for_user` cost more to plan than the rows to read); for anyone else,
    `case_task_list_for_user` on this case."""
    if (not user or not user.is_authenticated or is_internal(user) or user.has_perm(permissions_work.VIEW_ALL)
            or user.has_perm("cases.view_casetask")):
        return case_task_list_for_user(user=user).filter(case=case)
    if not permissions.is_customer_side(user, case):
        return CaseTask.objects.none()
    return CaseTask.objects.filter(visible_to_customer=True, case=case)


def case_line_list_for_user(*, user) -> QuerySet[CaseLine]:
    qs = CaseLine.objects.select_related(
        "case", "parent_line", "account", "contact", "product", "sold_product", "install_base_item", "asset",
        "assigned_to", "opened_by", "resolved_by",
    )
    if not user or not user.is_authenticated:
        return qs.none()
    if user.has_perm(permissions_work.VIEW_ALL):
        return qs
    if is_internal(user):
        return qs.none()
    return qs.filter(case_id__in=_customer_cases(user))


def case_blockers(case: Case, *, include_resolved: bool = False) -> QuerySet[CaseBlocker]:
    """The case's "blocked by" records (open ones unless asked for all), oldest first."""
    qs = CaseBlocker.objects.filter(case=case).select_related("task")
    return qs if include_resolved else qs.filter(resolved_at__isnull=True)


def case_is_blocked(case: Case) -> bool:
    return case_blockers(case).exists()
