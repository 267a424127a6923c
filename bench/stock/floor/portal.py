"""The floor's portal pages: home (action needed, recent), "My cases" (status filter, search, 20 a
page with Django's Paginator and its count, as the product), the case page (no work notes) and a
comment from it. Plain templates, the customer's scope from `scope.py`."""
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bench.stock.floor.models import Case, CaseEvent, LifecycleState
from bench.stock.floor.scope import cases_for, events_for

PAGE_SIZE = 20
TIMELINE_CAP = 200
LIST_COLUMNS = ("number", "short_description", "state", "state_category", "priority", "updated_at", "lifecycle_id")
STATUS = {
    "open": Q(state_category__in=("new", "open", "awaiting")),
    "action": Q(state_category__in=("awaiting", "resolved")),
    "closed": Q(state_category__in=("closed", "cancelled")),
}


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=10_000)


def _labels(cases) -> list:
    """Each case's state label from its lifecycle (one query), as the product shows it."""
    lifecycles = {c.lifecycle_id for c in cases}
    labels = dict(((lc, code), label) for lc, code, label in LifecycleState.objects.filter(
        lifecycle_id__in=lifecycles).values_list("lifecycle_id", "code", "label")) if lifecycles else {}
    for case in cases:
        case.state_label = labels.get((case.lifecycle_id, case.state), case.state)
    return cases


@login_required
def home(request):
    cases = cases_for(request.user).only(*LIST_COLUMNS).order_by("-updated_at", "-id")
    action = list(cases.filter(STATUS["action"])[:10])
    recent = list(cases[:5])
    _labels(action + recent)
    return render(request, "floor/portal_home.html", {"action_needed": action, "recent": recent})


@login_required
def case_list(request):
    status = request.GET.get("status") or request.GET.get("state") or "all"
    q = request.GET.get("q", "").strip()
    cases = cases_for(request.user).only(*LIST_COLUMNS)
    if status in STATUS:
        cases = cases.filter(STATUS[status])
    if q:
        cases = cases.filter(Q(number__iexact=q) | Q(number__icontains=q) | Q(short_description__icontains=q)
                             | Q(description__icontains=q))
    page = Paginator(cases.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _labels(list(page.object_list))
    return render(request, "floor/portal_cases.html", {"page": page, "status": status, "q": q,
                                                       "statuses": ["all", *STATUS]})


def _case(request, number: str) -> Case:
    case = cases_for(request.user).select_related("contact", "account").filter(number=number.upper()).first()
    if case is None:
        raise Http404("No such case, or not yours to see.")
    return case


@login_required
def case_detail(request, number: str, form=None):
    case = _case(request, number)
    labels = dict(LifecycleState.objects.filter(lifecycle_id=case.lifecycle_id).values_list("code", "label"))
    events = list(events_for(request.user, case).select_related("author").order_by("-created_at", "-id")[
        : TIMELINE_CAP + 1])
    context = {"case": case, "state_label": labels.get(case.state, case.state), "timeline": events[:TIMELINE_CAP][::-1],
               "timeline_more": len(events) > TIMELINE_CAP, "form": form or CommentForm()}
    return render(request, "floor/portal_case.html", context, status=400 if form else 200)


@require_POST
@login_required
def case_comment(request, number: str):
    case = _case(request, number)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return case_detail(request, number, form=form)
    now = timezone.now()
    with transaction.atomic():
        CaseEvent.objects.create(case=case, kind="comment", author=request.user, created_at=now,
                                 body=form.cleaned_data["body"], customer_visible=True)
        Case.objects.filter(pk=case.pk).update(updated_at=now, version=F("version") + 1)
    return redirect("portal-case-detail", number=case.number)  # post, redirect, get (as the product)
