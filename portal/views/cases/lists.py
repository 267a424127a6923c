"""The portal home ("action needed" and recent cases) and "My cases" (filters, search, pages).
Both read through `cases.selectors.case_list_for_user`, which already scopes the customer side:
a customer sees the cases opened by or for them, a customer admin the whole account (and the
accounts below), a partner the related accounts, a consumer their own."""
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from cases import selectors
from cases.choices import StateCategory
from portal.access import portal_view
from portal.forms import CaseFilterForm

PAGE_SIZE = 20
ACTION_NEEDED = (StateCategory.AWAITING, StateCategory.RESOLVED)  # reference 6: Resolved or Awaiting Info
STATUS_FILTERS = {
    "open": Q(state_category__in=(StateCategory.NEW, StateCategory.OPEN, StateCategory.AWAITING)),
    "action": Q(state_category__in=ACTION_NEEDED),
    "closed": Q(state_category__in=(StateCategory.CLOSED, StateCategory.CANCELLED)),
}
LIST_COLUMNS = ("number", "short_description", "state", "state_category", "priority", "updated_at", "opened_at",
                "lifecycle_id")


def _cases(user):
    """The reader's cases with only the columns the lists show (and no prefetch of case-type
    fields, which the lists do not show)."""
    return selectors.case_list_for_user(user=user).prefetch_related(None).only(*LIST_COLUMNS)


def _with_state_labels(cases: list) -> list:
    from cases.models import LifecycleState

    lifecycles = {c.lifecycle_id for c in cases}
    labels = {
        (row["lifecycle_id"], row["code"]): row["label"]
        for row in LifecycleState.objects.filter(lifecycle_id__in=lifecycles).values("lifecycle_id", "code", "label")
    } if lifecycles else {}
    for case in cases:
        case.state_label = labels.get((case.lifecycle_id, case.state), case.state)
    return cases


@portal_view
def home(request):
    cases = _cases(request.user)
    action = list(cases.filter(state_category__in=ACTION_NEEDED).order_by("-updated_at", "-id")[:10])
    recent = list(cases.order_by("-updated_at", "-id")[:5])
    _with_state_labels(action + recent)
    return render(request, "portal/cases/home.html", {"action_needed": action, "recent": recent})


@portal_view
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    status, q = "all", ""
    if form.is_valid():
        status, q = form.cleaned_data["status"] or "all", form.cleaned_data["q"].strip()
    qs = _cases(request.user)
    if status in STATUS_FILTERS:
        qs = qs.filter(STATUS_FILTERS[status])
    if q:
        qs = qs.filter(Q(number__iexact=q) | Q(number__icontains=q) | Q(short_description__icontains=q)
                       | Q(description__icontains=q))
    page = Paginator(qs.order_by("-updated_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = _with_state_labels(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "status": status, "q": q, "query": query.urlencode(),
               "statuses": CaseFilterForm.STATUS}
    return render(request, "portal/cases/case_list.html", context)
