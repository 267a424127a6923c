"""The floor's agent pages: the list of all open cases (25 a page, the product's nine columns, a
count capped at 1,000 as "1000+"), the case record page (header, details, the 25 newest timeline
entries, the composer) and a comment or work note posted from it (htmx: the fresh composer with
the header and the timeline out of band, as the product answers; without htmx: a redirect)."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from bench.stock.floor.models import ACTIVE, Case, CaseEvent, LifecycleState
from bench.stock.floor.scope import is_agent

PAGE = 25
COUNT_CAP = 1000
TIMELINE_PAGE = 25
VIEWS = {"all_open": {"state_category__in": ACTIVE}, "all": {}}


class JournalForm(forms.Form):
    kind = forms.ChoiceField(choices=[("comment", "Comment"), ("work_note", "Work note")])
    body = forms.CharField(widget=forms.Textarea, max_length=10_000)


def _agent(request) -> None:
    if not is_agent(request.user):
        raise PermissionDenied


@login_required
def case_list(request):
    _agent(request)
    cases = Case.objects.filter(**VIEWS.get(request.GET.get("view", "all_open"), VIEWS["all_open"]))
    counted = cases[: COUNT_CAP + 1].count()
    rows = list(
        cases.select_related("account", "contact", "assignment_group", "assigned_to")
        .only("number", "short_description", "state", "priority", "sla_due", "updated_at", "account__name",
              "contact__first_name", "contact__last_name", "assignment_group__name", "assigned_to__username",
              "assigned_to__first_name", "assigned_to__last_name")
        .order_by("-updated_at", "-id")[:PAGE]
    )
    return render(request, "floor/case_list.html", {
        "rows": rows, "count": min(counted, COUNT_CAP), "capped": counted > COUNT_CAP})


def _case(number: str) -> Case:
    case = (Case.objects.select_related("account", "contact", "assignment_group", "assigned_to")
            .filter(number=number.upper()).first())
    if case is None:
        raise Http404("No such case.")
    return case


def _header_and_timeline(case: Case) -> dict:
    labels = dict(LifecycleState.objects.filter(lifecycle_id=case.lifecycle_id).values_list("code", "label"))
    events = list(case.events.select_related("author").order_by("-created_at", "-id")[: TIMELINE_PAGE + 1])
    return {"case": case, "state_label": labels.get(case.state, case.state), "timeline": events[:TIMELINE_PAGE],
            "timeline_more": len(events) > TIMELINE_PAGE}


@login_required
def case_detail(request, number: str):
    _agent(request)
    case = _case(number)
    return render(request, "floor/case_record.html", {**_header_and_timeline(case), "form": JournalForm()})


@require_POST
@login_required
def case_journal(request, number: str):
    _agent(request)
    case = _case(number)
    form = JournalForm(request.POST)
    htmx = request.headers.get("HX-Request") == "true"
    if not form.is_valid():
        return render(request, "floor/_composer.html", {"case": case, "form": form}, status=400)
    kind = form.cleaned_data["kind"]
    now = timezone.now()
    with transaction.atomic():
        CaseEvent.objects.create(case=case, kind=kind, author=request.user, created_at=now,
                                 body=form.cleaned_data["body"], customer_visible=kind == "comment")
        Case.objects.filter(pk=case.pk).update(updated_at=now, version=F("version") + 1)
    if not htmx:
        return redirect("case-detail", number=case.number)
    case = _case(number)  # the header shows the new version and time
    context = {**_header_and_timeline(case), "form": JournalForm(initial={"kind": kind}), "oob": True,
               "posted": "Work note" if kind == "work_note" else "Comment"}
    return HttpResponse(render_to_string("floor/_composer.html", context, request=request)
                        + render_to_string("floor/_header.html", context, request=request)
                        + render_to_string("floor/_timeline.html", context, request=request))
