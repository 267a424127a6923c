"""Who may request, approve and work escalations, log time, and clear "needs attention"; the
access policies of escalations, their templates and time entries.

- Escalations: internal roles read every one (`cases.view_escalation`); the customer side reads
  the escalations of the cases it can see (state only: the serializers hide the rest), never
  account escalations. Agents (`cases.add_escalation`) and the customer side of a case request a
  case escalation; only agents request account escalations. Approve and decline: the approvers
  fixed when it was requested, nobody else. Trend, de-escalation, edits: `cases.change_escalation`.
- Needs attention (reference 2.3): the case's assignee, or a holder of `cases.clear_case_attention`
  (the manager and admin roles), clears it.
"""
from django.core.exceptions import PermissionDenied

from cases import permissions
from cases.models import Case, CaseTimeEntry, Escalation, EscalationTemplate
from core import access
from users.permissions import is_internal

VIEW_ALL = "cases.view_escalation"

# All the customer side reads of an escalation (reference 3.3: that the case is escalated, not why
# or by whom); the API's answers, filters and orderings follow it.
ESCALATION_FIELDS_FOR_CUSTOMERS = frozenset({"id", "number", "case", "state", "requested_at", "updated_at"})


def escalation_fields_hidden_from(user, all_fields) -> frozenset[str]:
    return frozenset() if is_internal(user) else frozenset(all_fields) - ESCALATION_FIELDS_FOR_CUSTOMERS


def can_request_case_escalation(user, case: Case) -> bool:
    if not user or not user.is_authenticated:
        return False
    if is_internal(user):
        return user.has_perm("cases.add_escalation")
    return permissions.is_customer_side(user, case)


def can_request_account_escalation(user) -> bool:
    return bool(user and user.is_authenticated and is_internal(user) and user.has_perm("cases.add_escalation"))


def can_change_escalation(user) -> bool:
    return bool(user and user.is_authenticated and is_internal(user) and user.has_perm("cases.change_escalation"))


def require_can_change_escalation(user) -> None:
    if not can_change_escalation(user):
        raise PermissionDenied("Only agents work escalations.")


def is_escalation_approver(user, escalation: Escalation) -> bool:
    if not user or not user.is_authenticated:
        return False
    return escalation.approvers.filter(pk=user.pk).exists()


def require_escalation_approver(user, escalation: Escalation) -> None:
    if not is_escalation_approver(user, escalation):
        raise PermissionDenied(f"Only the approvers of {escalation.number} approve or decline it.")


def can_manage_escalation_templates(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.change_escalationtemplate"))


def require_can_manage_escalation_templates(user) -> None:
    if not can_manage_escalation_templates(user):
        raise PermissionDenied("Only admins define escalation templates.")


def can_log_time(user) -> bool:
    return bool(user and user.is_authenticated and is_internal(user) and user.has_perm("cases.add_casetimeentry"))


def require_can_log_time(user) -> None:
    if not can_log_time(user):
        raise PermissionDenied("Only agents log time worked.")


def can_clear_attention(user, case: Case) -> bool:
    if not user or not user.is_authenticated or not is_internal(user):
        return False
    return case.assigned_to_id == user.pk or user.has_perm("cases.clear_case_attention")


def require_can_clear_attention(user, case: Case) -> None:
    if not can_clear_attention(user, case):
        raise PermissionDenied("Only the case's assignee, a manager or an admin clears 'needs attention'.")


# --- access explanation --------------------------------------------------------------------------
class EscalationPolicy(access.AccessPolicy):
    view_permission = VIEW_ALL

    def relation_reasons(self, obj, user):
        if obj.case_id and not is_internal(user) and permissions.is_customer_side(user, obj.case):
            return [access.Reason("relation", "Can see the escalated case (its state only).")]
        return []

    def relation_audience(self, obj):
        if not obj.case_id:
            return []
        return [access.AudienceEntry("relation", "Whoever can see the escalated case (its state only).", count=1)]


access.register(Escalation, EscalationPolicy())
access.register(EscalationTemplate, access.RolePolicy("cases.view_escalationtemplate"))
access.register(CaseTimeEntry, access.RolePolicy("cases.view_casetimeentry"))
