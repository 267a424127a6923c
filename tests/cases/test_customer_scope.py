"""The customer side's scope (cases.permissions.case_scope_q): the same cases as the join form it
replaced, for every way in, as plain conditions on the case table's own columns; and the pages
it serves (the portal's "My cases", the customer API list) cost a fixed number of queries however
many cases there are. The plans on PostgreSQL: test_customer_scope_plans.py."""
import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm
from rest_framework.test import APIClient

from cases import permissions, services
from cases.models import Case
from customers import services as customer_services
from tests.factories import user_with_roles
from users.services import user_set_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def ways_in(world):
    """One case for each way in, plus cases nobody on the customer side of Acme sees."""
    agent = world.users["agent"]
    consumer = user_with_roles("consumer", username="consumer_connie")
    connie = customer_services.consumer_create(actor=None, first_name="Connie", last_name="C", user=consumer,
                                               email="connie@example.net")
    granted_by_group = user_with_roles("customer", username="customer_gus")
    customer_services.contact_create(actor=None, account=world.other_account, first_name="Gus", last_name="G",
                                     user=granted_by_group, email="gus@example.com")
    group = Group.objects.create(name="Gus's team")
    granted_by_group.groups.add(group)

    def case(title, actor=agent, **fields):
        return services.case_create(actor=actor, short_description=title, **fields)

    cases = {
        "dana_contact": case("Dana's printer", account=world.account, contact=world.contacts["customer"]),
        "dana_opened": case("Dana opened it", actor=world.users["customer"]),
        "acme_europe": case("Acme Europe's router", account=world.child_account),
        "acme_no_contact": case("Acme's licence", account=world.account),
        "globex": case("Globex's VPN", account=world.other_account, contact=world.contacts["other_customer"]),
        "globex_via_partner": case("Globex with Partner Co", account=world.other_account, partner=world.partner_account),
        "connie": case("Connie's washing machine", consumer=connie),
        "granted_to_dana": case("Globex, Dana a party", account=world.other_account),
        "granted_to_group": case("Globex, Gus's team a party", account=world.other_account),
    }
    permissions.grant_case_party(world.users["customer"], cases["granted_to_dana"])
    assign_perm(f"cases.{permissions.VIEW}", group, cases["granted_to_group"])
    users = {persona: world.users[persona] for persona in ("customer", "customer_admin", "other_customer", "partner")}
    users |= {"consumer": consumer, "group_member": granted_by_group}
    return users, cases


EXPECTED = {  # persona -> the ways-in cases they see
    "customer": {"dana_contact", "dana_opened", "granted_to_dana"},
    "customer_admin": {"dana_contact", "dana_opened", "acme_europe", "acme_no_contact"},
    "other_customer": {"globex"},
    "partner": {"dana_contact", "dana_opened", "acme_no_contact", "globex_via_partner"},
    "consumer": {"connie"},
    "group_member": {"granted_to_group"},
}


def _seen(q, cases) -> set[str]:
    by_pk = {c.pk: name for name, c in cases.items()}
    return {by_pk[pk] for pk in Case.objects.filter(q).values_list("pk", flat=True) if pk in by_pk}


@pytest.mark.parametrize("limit", [permissions.SCOPE_ID_LIMIT, 0])  # id lists, or the id subqueries past the limit
def test_the_scope_sees_the_same_cases_as_the_join_form(ways_in, limit, monkeypatch):
    monkeypatch.setattr(permissions, "SCOPE_ID_LIMIT", limit)
    users, cases = ways_in
    for persona, expected in EXPECTED.items():
        assert _seen(permissions.case_scope_q(users[persona]), cases) == expected, persona
        assert _seen(permissions.case_scope_join_q(users[persona]), cases) == expected, persona
        assert permissions.is_customer_side(users[persona], cases["dana_contact"]) == ("dana_contact" in expected)


def test_the_scope_filters_the_case_table_alone(ways_in):
    users, _ = ways_in
    for persona in EXPECTED:
        sql = str(Case.objects.filter(permissions.case_scope_q(users[persona])).query).upper()
        assert " JOIN " not in sql, persona
        assert "SELECT" not in sql.split(" WHERE ", 1)[1], persona  # no subquery: id lists


def test_a_revoked_grant_or_role_takes_effect_at_once(ways_in, world):
    users, cases = ways_in
    dana = users["customer"]
    permissions.revoke_case_party(dana, cases["granted_to_dana"])
    assert "granted_to_dana" not in _seen(permissions.case_scope_q(dana), cases)
    carl = world.users["customer_admin"]
    user_set_roles(actor=None, user=carl, roles=["customer"])  # his admin grant on Acme now gives nothing
    carl.refresh_from_db()
    assert _seen(permissions.case_scope_q(carl), cases) == set()


def test_no_scope_for_an_anonymous_user():
    assert not Case.objects.filter(permissions.case_scope_q(AnonymousUser())).exists()


# --- a fixed number of queries, however many cases ------------------------------------------------
def _more_cases(world, ways_in, n: int) -> None:
    users, _ = ways_in
    agent = world.users["agent"]
    for i in range(n):
        services.case_create(actor=agent, short_description=f"Dana's case {i}", account=world.account,
                             contact=world.contacts["customer"])
        services.case_create(actor=agent, short_description=f"Europe case {i}", account=world.child_account)
        services.case_create(actor=users["customer"], short_description=f"Opened by Dana {i}")


def _queries(fetch) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured)


MAX_QUERIES = {"portal": 12, "api": 5}  # a customer admin's, the most: the scope resolves its ids in 3
PAGES = [  # (persona, page)
    ("customer", "portal"), ("customer_admin", "portal"), ("partner", "portal"), ("consumer", "portal"),
    ("customer", "api"), ("customer_admin", "api"), ("partner", "api"), ("consumer", "api"),
]


@pytest.mark.parametrize(("persona", "what"), PAGES)
def test_my_cases_and_the_api_list_cost_the_same_queries_for_more_cases(
    persona, what, world, ways_in, django_assert_max_num_queries
):
    users, _ = ways_in
    user = users[persona]
    if what == "portal":
        client = Client()
        client.force_login(user)

        def fetch():
            return client.get("/portal/cases/?status=open")
    else:
        client = APIClient()
        client.force_authenticate(user)

        def fetch():
            return client.get("/api/v1/cases/")

    fetch()  # warm the per-process caches (branding, lifecycles)
    few = _queries(fetch)
    _more_cases(world, ways_in, 15)
    with django_assert_max_num_queries(MAX_QUERIES[what]):
        many = _queries(fetch)
    assert many == few


@pytest.mark.parametrize("limit", [permissions.SCOPE_ID_LIMIT, 0])  # resolved in Python, or past the limit the database
def test_one_case_decided_in_python_is_the_scope_s_rule(ways_in, limit, monkeypatch):
    """`permissions.customer_side(user).covers(case)` (the portal case page's check of a colleague's
    case, issue 15) decides exactly as `case_scope_q` for every persona and every case in and out
    of their scope; past SCOPE_ID_LIMIT rows there is no side and the database decides."""
    from cases import selectors

    monkeypatch.setattr(permissions, "SCOPE_ID_LIMIT", limit)
    users, cases = ways_in
    for persona, expected in EXPECTED.items():
        user = users[persona]
        side = permissions.customer_side(user)
        assert (side is None) == (limit == 0), persona
        for name, case in cases.items():
            in_sql = Case.objects.filter(permissions.case_scope_q(user), pk=case.pk).exists()
            assert in_sql == (name in expected), (persona, name)
            if side is not None:
                assert side.covers(Case.objects.select_related("account").get(pk=case.pk)) == in_sql, (persona, name)
            assert (selectors.case_get_for_user(user=user, number=case.number) is not None) == in_sql, (persona, name)


def test_the_navigation_s_admin_flag_is_the_administered_accounts_list(ways_in, world):
    """`permissions.administers_active_account` (the portal navigation, from the paths the case page
    already resolved) answers as `administered_account_list(user=...).exists()`, inactive accounts too."""
    from customers.models import Account
    from customers.selectors_portal import administered_account_list

    users, _ = ways_in
    for active in ({"account", "child"}, {"child"}, set()):
        Account.objects.filter(pk=world.account.pk).update(active="account" in active)
        Account.objects.filter(pk=world.child_account.pk).update(active="child" in active)
        for persona, user in users.items():
            fresh = type(user).objects.get(pk=user.pk)
            expected = administered_account_list(user=fresh).exists()
            assert permissions.administers_active_account(fresh) == expected, (persona, active)
            assert expected == (persona == "customer_admin" and bool(active)), (persona, active)
