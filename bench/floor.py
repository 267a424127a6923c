"""The framework floor: the simplest correct plain-Django code for the same reads as the API,
so bench_run can report each API figure as a ratio to what Django itself costs on this machine.

Same authentication (session), same rows, same columns a list needs; no DRF, no selectors, no
serializers, no count. `values()` instead of model instances, JsonResponse instead of a renderer."""
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import authentication, generics, permissions, renderers, serializers

from cases.choices import PRIORITY_MATRIX, Impact
from cases.models import Case, CaseEvent, Lifecycle
from core.numbers import number_next
from core.refcache import Reference

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


# The floor of the workspace's HTML case list (bench/workspace_lists.py): all open cases, first page
# of 25, the same nine columns as the workspace list, a plain template; no count, no filter bar,
# no navigation, no names resolved beyond the joins.
HTML_COLUMNS = (
    "number", "short_description", "state", "priority", "account__name", "contact__first_name",
    "contact__last_name", "assignment_group__name", "assigned_to__username", "sla_due", "updated_at",
)
_HTML = None


def _html_template():
    global _HTML
    if _HTML is None:
        from django.template import engines

        _HTML = engines["django"].from_string(
            "<!doctype html><html><head><title>Open cases</title></head><body><h1>Open cases</h1>"
            "<table><thead><tr><th>Number</th><th>Short description</th><th>State</th><th>Priority</th>"
            "<th>Account / contact</th><th>Group</th><th>Assigned to</th><th>SLA due</th><th>Updated</th></tr></thead>"
            "<tbody>{% for r in rows %}<tr data-href=\"/cases/{{ r.number }}/\"><td><a href=\"/cases/{{ r.number }}/\">{{ r.number }}</a></td>"
            "<td>{{ r.short_description }}</td><td>{{ r.state }}</td><td>{{ r.priority }}</td>"
            "<td>{{ r.account__name }} {{ r.contact__first_name }} {{ r.contact__last_name }}</td>"
            "<td>{{ r.assignment_group__name }}</td><td>{{ r.assigned_to__username }}</td><td>{{ r.sla_due|default:'' }}</td>"
            "<td>{{ r.updated_at }}</td></tr>{% endfor %}</tbody></table>"
            "{% if next %}<a href=\"?page=2\">Next</a>{% endif %}</body></html>"
        )
    return _HTML


def case_list_html(request):
    from django.http import HttpResponse

    if not request.user.is_authenticated or not request.user.has_perm("cases.view_all_cases"):
        return HttpResponseForbidden()
    rows = list(
        Case.objects.filter(state_category__in=["new", "open", "awaiting"])
        .order_by("-updated_at")
        .values(*HTML_COLUMNS)[: PAGE + 1]
    )
    return HttpResponse(_html_template().render({"rows": rows[:PAGE], "next": len(rows) > PAGE}, request))


# The floor of creation through the API: the simplest correct DRF create of the same payload
# (session, the add permission, a ModelSerializer validating the contact and the group by id, a
# number from the sequence, priority from impact x urgency, the account from the contact, one
# INSERT, the new row as JSON). No entitlement, SLA, routing, timeline, mail or allowed actions:
# those are what the product adds on top, and what bench_run's creation ratio prices.
class _CanAddCase(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.has_perm("cases.add_case")


class _FloorCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        fields = (
            "id", "number", "short_description", "contact", "account", "assignment_group", "impact", "urgency",
            "priority", "channel", "state", "opened_at", "created_at",
        )
        read_only_fields = ("id", "number", "account", "priority", "state", "opened_at", "created_at")


# Reference data from the process cache, as the product reads it (core.refcache): the floor does
# not pay a query for it either.
_DEFAULT_LIFECYCLE = Reference(
    "bench.default_lifecycle", lambda: Lifecycle.objects.filter(is_default=True).values_list("pk", flat=True).first(),
    models=("cases.Lifecycle",),
)


def _default_lifecycle_id() -> int:
    return _DEFAULT_LIFECYCLE.get()


class CaseCreate(generics.CreateAPIView):
    authentication_classes = [authentication.SessionAuthentication]
    permission_classes = [_CanAddCase]
    renderer_classes = [renderers.JSONRenderer]
    serializer_class = _FloorCaseSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        impact, urgency = data.get("impact", Impact.LOW), data.get("urgency", Impact.LOW)
        serializer.save(
            number=number_next("CS"), account_id=data["contact"].account_id, priority=PRIORITY_MATRIX[(impact, urgency)],
            opened_by=self.request.user, opened_at=timezone.now(), lifecycle_id=_default_lifecycle_id(),
        )
