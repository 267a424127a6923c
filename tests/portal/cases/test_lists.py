"""Home ("action needed", recent) and My cases: scope per persona, filters, search, pages, bounded queries."""
import pytest

from cases import services
from tests.portal.cases.conftest import act

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world, dana_case):
    carl_case = services.case_create(actor=world.users["customer_admin"], short_description="Carl's VPN drops")
    erin_case = services.case_create(actor=world.users["other_customer"], short_description="Globex billing")
    waiting = services.case_create(actor=world.users["customer"], short_description="Dana waits for us")
    waiting = act(world, "agent", act(world, "agent", waiting, "assign-to-me"), "request-info", comment="Which one?")
    return {"dana": dana_case, "carl": carl_case, "erin": erin_case, "waiting": waiting}


def numbers(response):
    return {c.number for c in response.context["page"].object_list}


def test_customer_sees_their_own_cases_only(client_as, cases):
    seen = numbers(client_as("customer").get("/portal/cases/"))
    assert seen == {cases["dana"].number, cases["waiting"].number}


def test_customer_admin_sees_the_whole_account(client_as, cases):
    seen = numbers(client_as("customer_admin").get("/portal/cases/"))
    assert {cases["dana"].number, cases["carl"].number, cases["waiting"].number} <= seen
    assert cases["erin"].number not in seen


def test_partner_sees_the_related_account(client_as, cases):
    seen = numbers(client_as("partner").get("/portal/cases/"))
    assert cases["dana"].number in seen and cases["erin"].number not in seen


def test_other_customer_sees_only_globex(client_as, cases):
    assert numbers(client_as("other_customer").get("/portal/cases/")) == {cases["erin"].number}


def test_consumer_sees_their_own(consumer_user, client, cases):
    mine = services.case_create(actor=consumer_user, short_description="My kettle")
    client.force_login(consumer_user)
    assert numbers(client.get("/portal/cases/")) == {mine.number}


def test_filters(world, client_as, cases):
    client = client_as("customer")
    assert numbers(client.get("/portal/cases/?status=action")) == {cases["waiting"].number}
    assert numbers(client.get("/portal/cases/?status=open")) == {cases["dana"].number, cases["waiting"].number}
    assert numbers(client.get("/portal/cases/?status=closed")) == set()
    act(world, "customer", cases["dana"], "close")
    assert numbers(client.get("/portal/cases/?status=closed")) == {cases["dana"].number}


def test_search_by_number_and_words(client_as, cases):
    client = client_as("customer")
    assert numbers(client.get(f"/portal/cases/?q={cases['dana'].number.lower()}")) == {cases["dana"].number}
    assert numbers(client.get("/portal/cases/?q=waits")) == {cases["waiting"].number}
    assert numbers(client_as("customer").get("/portal/cases/?q=Globex")) == set()


def test_home_shows_action_needed_and_recent(client_as, cases):
    response = client_as("customer").get("/portal/")
    assert [c.number for c in response.context["action_needed"]] == [cases["waiting"].number]
    assert {c.number for c in response.context["recent"]} == {cases["dana"].number, cases["waiting"].number}


def test_pages_and_bounded_queries(world, client_as, django_assert_max_num_queries):
    customer = world.users["customer"]
    for i in range(25):
        services.case_create(actor=customer, short_description=f"Case {i}")
    client = client_as("customer")
    client.get("/portal/cases/")
    with django_assert_max_num_queries(12):
        first = client.get("/portal/cases/")
    assert len(first.context["page"].object_list) == 20 and first.context["page"].paginator.num_pages == 2
    with django_assert_max_num_queries(12):
        second = client.get("/portal/cases/?page=2")
    assert len(second.context["page"].object_list) == 5
    with django_assert_max_num_queries(12):
        assert client.get("/portal/").status_code == 200


def test_my_cases_counts_at_most_the_cap_and_pages_stop_there(world, client_as, monkeypatch):
    """The count is capped as the agent lists' and the API's are (a COUNT over a LIMIT, however
    large a customer admin's scope): past the cap the pager says "+" and stops."""
    from portal.views.cases import lists

    monkeypatch.setattr(lists, "COUNT_CAP", 3)
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    customer = world.users["customer"]
    for i in range(5):
        services.case_create(actor=customer, short_description=f"Case {i}")
    client = client_as("customer")
    first = client.get("/portal/cases/")
    page = first.context["page"]
    assert page.paginator.count == 3 and first.context["capped"] and page.paginator.num_pages == 2
    assert "Page 1 of 2+" in first.content.decode()
    last = client.get("/portal/cases/?page=9")  # past the cap: the last counted page
    assert last.context["page"].number == 2 and len(last.context["page"].object_list) == 2
    assert "More than 3 cases match" in last.content.decode()
    monkeypatch.setattr(lists, "COUNT_CAP", 1000)
    exact = client.get("/portal/cases/")
    assert exact.context["page"].paginator.count == 5 and not exact.context["capped"]
    assert "Page 1 of 3<" in exact.content.decode()
