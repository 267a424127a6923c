"""Reads of case attachments (a module of its own so the attachments branch merges cleanly; fold
into cases/selectors.py when convenient). The case itself is fetched through
`selectors.case_list_for_user` first, so a case out of scope is 404 before any attachment is read."""
from django.db.models import QuerySet

from cases import permissions
from cases.models import Case, CaseAttachment


def case_attachment_list_for_user(*, user) -> QuerySet[CaseAttachment]:
    """Every attachment this user may see: those of the cases they see, and on the customer side
    only the customer-visible ones."""
    from cases.selectors import case_list_for_user

    qs = CaseAttachment.objects.select_related("uploaded_by")
    if not user or not user.is_authenticated:
        return qs.none()
    if user.has_perm("cases.view_all_cases"):
        return qs
    qs = qs.filter(case_id__in=case_list_for_user(user=user).values("pk"))
    return qs if permissions.can_work_case(user) else qs.filter(customer_visible=True)


def attachment_list_for_user(*, user, case: Case) -> QuerySet[CaseAttachment]:
    """A case's attachments as this user may see them: the customer side sees customer-visible
    ones only (an internal attachment is 404 for them, like a missing one)."""
    qs = CaseAttachment.objects.filter(case=case).select_related("uploaded_by").order_by("created_at", "id")
    if permissions.can_work_case(user) or user.has_perm("cases.view_all_cases"):
        return qs
    return qs.filter(customer_visible=True)
