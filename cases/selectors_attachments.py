"""Reads of case attachments (a module of its own so the attachments branch merges cleanly; fold
into cases/selectors.py when convenient). The case itself is fetched through
`selectors.case_list_for_user` first, so a case out of scope is 404 before any attachment is read."""
from django.db.models import QuerySet

from cases import permissions
from cases.models import Case, CaseAttachment


def attachment_list_for_user(*, user, case: Case) -> QuerySet[CaseAttachment]:
    """A case's attachments as this user may see them: the customer side sees customer-visible
    ones only (an internal attachment is 404 for them, like a missing one)."""
    qs = CaseAttachment.objects.filter(case=case).select_related("uploaded_by").order_by("created_at", "id")
    if permissions.can_work_case(user) or user.has_perm("cases.view_all_cases"):
        return qs
    return qs.filter(customer_visible=True)
