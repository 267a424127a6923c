from django.db.models import QuerySet

from cases import permissions
from cases.models import Case, CaseEvent, CaseType, Lifecycle, LifecycleTransition


def case_type_list_for_user(*, user) -> QuerySet[CaseType]:
    qs = CaseType.objects.select_related("lifecycle").prefetch_related("service_definitions", "fields")
    return qs if user.has_perm("cases.view_casetype") else qs.filter(active=True)


def case_list_for_user(*, user) -> QuerySet[Case]:
    qs = Case.objects.select_related(
        "account", "contact", "consumer", "assignment_group", "assigned_to", "case_type", "product", "lifecycle"
    )
    if user.has_perm("cases.view_all_cases"):
        return qs
    return qs.filter(permissions.case_scope_q(user))


def case_events_for_user(*, user, case: Case) -> QuerySet[CaseEvent]:
    """The timeline as this user may see it: customers see only customer-visible entries."""
    qs = case.events.select_related("author").order_by("created_at", "id")
    if permissions.can_work_case(user) or user.has_perm("cases.view_all_cases"):
        return qs
    return qs.filter(customer_visible=True)


def lifecycle_list_for_user(*, user) -> QuerySet[Lifecycle]:
    qs = Lifecycle.objects.prefetch_related("states", "transitions")
    return qs if user.has_perm("cases.view_lifecycle") else qs.none()


def transitions_from(*, case: Case) -> list[LifecycleTransition]:
    return list(
        LifecycleTransition.objects.filter(lifecycle_id=case.lifecycle_id, source__code=case.state).select_related(
            "source", "target"
        )
    )
