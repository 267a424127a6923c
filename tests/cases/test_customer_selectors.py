"""cases.selectors_customer: a page of a customer's cases and its capped count, read arm by arm on
PostgreSQL (make test-services), are exactly what the plain scope gives (same rows, same order,
same count) for every way in, filter, page and cap; on SQLite they are the plain scope itself.
Their plans at scale: test_customer_scope_plans.py."""
import pytest
from django.db.models import Q

from cases import selectors_customer as customer
from cases.choices import StateCategory
from cases.models import Case
from tests.cases.test_customer_scope import EXPECTED, ways_in  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

FILTERS = {
    "all": None,
    "action": Q(state_category__in=(StateCategory.AWAITING, StateCategory.RESOLVED)),
    "open": Q(state_category__in=(StateCategory.NEW, StateCategory.OPEN, StateCategory.AWAITING)),
    "search": Q(short_description__icontains="dana") | Q(number__icontains="dana"),
    "nothing": Q(pk__in=[]),
}


def _plain(scope, filter_q):
    qs = Case.objects.filter(scope.q())
    return qs.filter(filter_q) if filter_q else qs


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_pages_and_counts_are_the_plain_scopes(ways_in, world, persona):  # noqa: F811
    users, _ = ways_in
    agent = world.users["agent"]
    from cases import services

    for i in range(6):  # enough for several pages, some resolved: every filter has rows
        case = services.case_create(actor=agent, short_description=f"Dana's case {i}", account=world.account,
                                    contact=world.contacts["customer"])
        if i % 2:
            Case.objects.filter(pk=case.pk).update(state="resolved", state_category=StateCategory.RESOLVED)
    scope = customer.reader_scope(users[persona])
    for name, filter_q in FILTERS.items():
        expected = list(_plain(scope, filter_q).order_by(*customer.ORDER).values_list("pk", flat=True))
        for limit, offset in ((2, 0), (2, 2), (3, 4), (50, 0)):
            page = customer.customer_case_page(scope, filter_q=filter_q, limit=limit, offset=offset,
                                               columns=("number", "updated_at"))
            assert [c.pk for c in page] == expected[offset: offset + limit], (persona, name, limit, offset)
        for cap in (1, 3, 1000):
            assert customer.customer_case_count(scope, filter_q=filter_q, cap=cap) == (
                min(len(expected), cap), len(expected) > cap
            ), (persona, name, cap)


def test_an_internal_reader_reads_every_case(world, ways_in):  # noqa: F811
    scope = customer.reader_scope(world.users["agent"])
    assert scope is None
    assert customer.customer_case_count(None, cap=1000)[0] == Case.objects.count()
    assert [c.pk for c in customer.customer_case_page(None, limit=3)] == list(
        Case.objects.order_by(*customer.ORDER).values_list("pk", flat=True)[:3]
    )


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner", "consumer"])
def test_the_customer_api_list_reads_the_same_page_and_capped_count(ways_in, world, persona, monkeypatch):  # noqa: F811
    """The customer API's plain list goes through the same selectors: the same rows in the same
    order as the scope, `count` capped at COUNT_CAP with `count_capped`, in one statement for
    the page and its count; past the cap's pages, 404 as before."""
    from rest_framework.test import APIClient

    from core.api.pagination import CappedCountPagination

    users, _ = ways_in
    from cases import services

    for i in range(4):
        services.case_create(actor=world.users["agent"], short_description=f"Dana's case {i}", account=world.account,
                             contact=world.contacts["customer"])
    user = users[persona]
    expected = list(Case.objects.filter(customer.reader_scope(user).q()).order_by(*customer.ORDER)
                    .values_list("pk", flat=True))
    client = APIClient()
    client.force_authenticate(user)
    body = client.get("/api/v1/cases/?page_size=2").json()
    assert [row["id"] for row in body["results"]] == expected[:2]
    assert (body["count"], body["count_capped"]) == (len(expected), False)
    if len(expected) < 2:
        return
    monkeypatch.setattr(CappedCountPagination, "COUNT_CAP", 2)
    capped = client.get("/api/v1/cases/?page_size=1&page=2").json()
    assert [row["id"] for row in capped["results"]] == expected[1:2]
    assert (capped["count"], capped["count_capped"]) == (2, len(expected) > 2)
    assert client.get("/api/v1/cases/?page_size=1&page=3").status_code == 404  # past the cap
