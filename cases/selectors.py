from django.db.models import QuerySet

from cases.models import CaseType


def case_type_list_for_user(*, user) -> QuerySet[CaseType]:
    qs = CaseType.objects.prefetch_related("service_definitions")
    return qs if user.has_perm("cases.view_casetype") else qs.filter(active=True)
