"""Reads of escalations, escalation templates, time entries, entitlement usage and the "blocked
by" records, scoped to the reader (rules in `cases.permissions_escalations`)."""
from django.db.models import F, QuerySet

from cases import permissions
from cases.models import Case, CaseBlocker, CaseTimeEntry, EntitlementUsage, Escalation, EscalationTemplate
from cases.models.escalations import EscalationSource
from cases.permissions_escalations import VIEW_ALL
from users.permissions import is_internal


def escalation_list_for_user(*, user) -> QuerySet[Escalation]:
    """Internal roles with the view permission: every escalation. The customer side: the
    escalations of the cases it can see (never account escalations). Others: none."""
    qs = Escalation.objects.select_related("case", "account", "template", "assignment_group", "assigned_to")
    if not user or not user.is_authenticated:
        return qs.none()
    if user.has_perm(VIEW_ALL):
        return qs
    if is_internal(user):
        return qs.none()
    visible_cases = Case.objects.filter(permissions.case_scope_q(user)).values("pk")
    return qs.filter(source=EscalationSource.CASE, case_id__in=visible_cases)


def escalation_template_list_for_user(*, user) -> QuerySet[EscalationTemplate]:
    qs = EscalationTemplate.objects.select_related("approval_group")
    return qs if user and user.has_perm("cases.view_escalationtemplate") else qs.none()


def escalation_summaries_for_cases(case_ids) -> dict[int, Escalation]:
    """The latest escalation of each case (any state), in one query: the case API's summary."""
    latest = {}
    rows = (
        Escalation.objects.filter(case_id__in=list(case_ids))
        .only("id", "number", "case_id", "state", "severity", "requested_at")
        .order_by("case_id", "-requested_at", "-id")
    )
    for row in rows:
        latest.setdefault(row.case_id, row)
    return latest


def case_time_entry_list_for_user(*, user) -> QuerySet[CaseTimeEntry]:
    """Time worked is internal: agents read it, the customer side never does."""
    qs = CaseTimeEntry.objects.select_related("case", "agent", "entitlement")
    return qs if user and user.has_perm("cases.view_casetimeentry") else qs.none()


def case_time_entries_for_user(*, user, case: Case) -> QuerySet[CaseTimeEntry]:
    return case_time_entry_list_for_user(user=user).filter(case=case).order_by("-created_at", "-id")


def entitlement_usage_for_user(*, user) -> QuerySet[EntitlementUsage]:
    qs = EntitlementUsage.objects.select_related("entitlement", "case", "time_entry")
    return qs if user and user.has_perm("cases.view_entitlementusage") else qs.none()


def case_blocked_by_for_user(*, user, case: Case) -> QuerySet[CaseBlocker]:
    """A case's "blocked by" entries, open first then resolved, for internal readers only."""
    if not user or not is_internal(user) or not user.has_perm("cases.view_caseblocker"):
        return CaseBlocker.objects.none()
    return CaseBlocker.objects.filter(case=case).select_related("task").order_by(
        F("resolved_at").desc(nulls_first=True), "created_at", "id"
    )
