"""The framework floor: the simplest correct plain-Django code for the same reads as the API,
so bench_run can report each API figure as a ratio to what Django itself costs on this machine.

Same authentication (session), same rows, same columns a list needs; no DRF, no selectors, no
serializers, no count. `values()` instead of model instances, JsonResponse instead of a renderer."""
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404

from cases.models import Case, CaseEvent

PAGE = 25
LIST_COLUMNS = (
    "id", "number", "short_description", "state", "priority", "channel", "updated_at",
    "account__name", "contact__first_name", "contact__last_name", "assigned_to__username",
)
DETAIL_COLUMNS = (
    *LIST_COLUMNS, "description", "impact", "urgency", "category", "opened_at", "resolved_at", "closed_at",
    "resolution_code", "close_notes", "assignment_group__name", "state_category", "version",
)


def case_list(request):
    if not request.user.is_authenticated or not request.user.has_perm("cases.view_all_cases"):
        return HttpResponseForbidden()
    rows = list(
        Case.objects.filter(
            assignment_group_id=request.GET["assignment_group"], state_category=request.GET["state_category"]
        )
        .order_by("-updated_at")
        .values(*LIST_COLUMNS)[: PAGE + 1]  # one more row says whether there is a next page
    )
    return JsonResponse({"next": len(rows) > PAGE, "results": rows[:PAGE]})


def case_detail(request, pk: int):
    if not request.user.is_authenticated or not request.user.has_perm("cases.view_all_cases"):
        return HttpResponseForbidden()
    case = get_object_or_404(Case.objects.values(*DETAIL_COLUMNS), pk=pk)
    case["activity"] = list(
        CaseEvent.objects.filter(case_id=pk)
        .order_by("created_at", "id")
        .values("id", "kind", "author__username", "created_at", "body", "field", "old", "new")[:PAGE]
    )
    return JsonResponse(case)
