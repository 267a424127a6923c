"""The portal home ("action needed" and recent cases) and "My cases" (filters, search, pages).
Both read through `cases.selectors_customer` (the scope of `cases.selectors.case_list_for_user`,
read arm by arm): a customer sees the cases opened by or for them, a customer admin the whole
account (and the accounts below), a partner the related accounts, a consumer their own. Pages and
capped counts cost what the reader's own cases cost, not what the case table holds."""
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from cases import selectors_customer
from cases.choices import StateCategory
from cases.selectors_lists import COUNT_CAP
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
    scope = selectors_customer.reader_scope(request.user)
    action = selectors_customer.customer_case_page(
        scope, filter_q=Q(state_category__in=ACTION_NEEDED), limit=10, columns=LIST_COLUMNS
    )
    recent = selectors_customer.customer_case_page(scope, limit=5, columns=LIST_COLUMNS)
    _with_state_labels(action + recent)
    return render(request, "portal/cases/home.html", {"action_needed": action, "recent": recent})


class _ScopePages(Paginator):
    """Django's Paginator over the reader's cases, read a page at a time by the customer
    selectors, with the count capped at COUNT_CAP (as the agent lists and the API count: bounded
    however large the scope); past the cap the pages stop there ("narrow the filters")."""

    def __init__(self, scope, filter_q):
        self.scope, self.filter_q = scope, filter_q
        count, self.capped = selectors_customer.customer_case_count(scope, filter_q=filter_q, cap=COUNT_CAP)
        super().__init__([], PAGE_SIZE)
        self.count = count  # never COUNT the whole scope

    def page(self, number):
        number = self.validate_number(number)
        rows = selectors_customer.customer_case_page(
            self.scope, filter_q=self.filter_q, limit=self.per_page, offset=(number - 1) * self.per_page,
            columns=LIST_COLUMNS,
        )
        return self._get_page(rows, number, self)


@portal_view
def case_list(request):
    form = CaseFilterForm(request.GET or None)
    status, q = "all", ""
    if form.is_valid():
        status, q = form.cleaned_data["status"] or "all", form.cleaned_data["q"].strip()
    filter_q = Q()
    if status in STATUS_FILTERS:
        filter_q &= STATUS_FILTERS[status]
    if q:
        filter_q &= (Q(number__iexact=q) | Q(number__icontains=q) | Q(short_description__icontains=q)
                     | Q(description__icontains=q))
    pages = _ScopePages(selectors_customer.reader_scope(request.user), filter_q)
    page = pages.get_page(request.GET.get("page"))
    page.object_list = _with_state_labels(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "capped": pages.capped, "status": status, "q": q, "query": query.urlencode(),
               "statuses": CaseFilterForm.STATUS}
    return render(request, "portal/cases/case_list.html", context)
