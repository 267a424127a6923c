"""Related parties (reference 10.1), the watch list and parent/child links."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import CaseRelatedParty
from core.exceptions import InvalidTransition
from customers import services as customer_services
from tests.cases.conftest import act
from tests.factories import user_with_roles
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

RESOLVE = {"resolution_code": "solved_fixed", "close_notes": "Replaced the fuser."}


@pytest.fixture
def colleague(world):
    """Fay: another contact of Acme with a login, not the case's contact."""
    user = user_with_roles("customer", username="customer_fay")
    return customer_services.contact_create(actor=None, account=world.account, first_name="Fay", last_name="Fox", user=user)


def url(case, suffix=""):
    return f"/api/v1/cases/{case.pk}/related-parties/{suffix}"


def add(world, case, contact, party_type="authorized_contact", persona="agent"):
    return services.case_party_add(actor=world.users[persona], case=case, party_type=party_type, contact=contact)


def resolved(world, case):
    case = act(world, "agent", case, "assign-to-me")
    return act(world, "agent", case, "propose-solution", **RESOLVE)


# --- grant effects ---------------------------------------------------------------------------------
def test_authorized_contact_sees_the_case_and_accepts_the_solution(world, open_case, colleague, api_client):
    api_client.force_authenticate(colleague.user)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 404
    add(world, open_case, colleague)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 200
    case = resolved(world, open_case)
    case = services.case_act(actor=colleague.user, case=case, action="accept-solution")
    assert case.state == "closed" and case.closed_by == colleague.user


def test_authorized_contact_may_comment(world, open_case, colleague):
    add(world, open_case, colleague)
    entry = services.case_comment_add(actor=colleague.user, case=open_case, body="Same here")
    assert entry.customer_visible


def test_listed_contact_gets_no_access(world, open_case, colleague, api_client):
    add(world, open_case, colleague, party_type="listed_contact")
    api_client.force_authenticate(colleague.user)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 404
    with pytest.raises(PermissionDenied):
        services.case_act(actor=colleague.user, case=resolved(world, open_case), action="accept-solution")


def test_removing_an_authorized_party_revokes_the_grant(world, open_case, colleague, api_client):
    party = add(world, open_case, colleague)
    services.case_party_remove(actor=world.users["agent"], party=party)
    api_client.force_authenticate(colleague.user)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 404
    assert not CaseRelatedParty.objects.filter(pk=party.pk).exists()


def test_the_grant_follows_the_contact_when_its_login_changes(world, open_case, colleague, api_client):
    add(world, open_case, colleague)
    old_login = colleague.user
    new_login = user_with_roles("customer", username="customer_fay_new")
    customer_services.contact_update(actor=None, instance=colleague, user=new_login)
    api_client.force_authenticate(old_login)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 404
    api_client.force_authenticate(new_login)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 200
    customer_services.contact_update(actor=None, instance=colleague, user=None)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 404


def test_the_grant_follows_a_consumer_when_its_login_changes(world, api_client):
    consumer = customer_services.consumer_create(actor=None, first_name="Cas", last_name="Sumer")
    partner = customer_services.consumer_create(actor=None, first_name="Pia", last_name="Sumer")
    case = services.case_create(actor=world.users["agent"], short_description="Boiler", consumer=consumer)
    services.case_party_add(actor=world.users["agent"], case=case, party_type="authorized_consumer", consumer=partner)
    login = user_with_roles("consumer", username="pia")
    customer_services.consumer_update(actor=None, instance=partner, user=login)
    api_client.force_authenticate(login)
    assert api_client.get(f"/api/v1/cases/{case.pk}/").status_code == 200


def test_contact_of_a_child_account_may_be_added(world, open_case):
    child = customer_services.contact_create(actor=None, account=world.child_account, first_name="Eu", last_name="Ro")
    assert add(world, open_case, child).contact == child


def test_other_customers_contact_cannot_be_added(world, open_case, api_as):
    body = {"party_type": "authorized_contact", "contact": world.contacts["other_customer"].pk}
    response = api_as("agent").post(url(open_case), body)
    assert_status(response, 400)
    assert "contact" in response.data["errors"]


def test_customer_admin_cannot_name_a_contact_outside_their_scope(world, open_case, api_as):
    body = {"party_type": "authorized_contact", "contact": world.contacts["other_customer"].pk}
    assert_status(api_as("customer_admin").post(url(open_case), body), 400)


def test_duplicate_party_is_refused(world, open_case, colleague):
    add(world, open_case, colleague)
    with pytest.raises(ValidationError) as exc:
        add(world, open_case, colleague, party_type="listed_contact")
    assert "contact" in exc.value.message_dict


def test_the_cases_own_contact_is_refused(world, open_case):
    with pytest.raises(ValidationError):
        add(world, open_case, world.contacts["customer"])


def test_type_and_person_must_match(world, open_case, colleague):
    with pytest.raises(ValidationError) as exc:
        services.case_party_add(actor=world.users["agent"], case=open_case, party_type="contributor", contact=colleague)
    assert "user" in exc.value.message_dict


def test_contributor_is_an_internal_user_added_by_agents(world, open_case):
    party = services.case_party_add(
        actor=world.users["agent"], case=open_case, party_type="contributor", user=world.users["manager"]
    )
    assert party.user == world.users["manager"]
    with pytest.raises(ValidationError):
        services.case_party_add(
            actor=world.users["agent"], case=open_case, party_type="contributor", user=world.users["partner"]
        )
    with pytest.raises(PermissionDenied):
        services.case_party_add(
            actor=world.users["customer_admin"], case=open_case, party_type="contributor", user=world.users["admin"]
        )


def test_customer_side_does_not_see_contributors(world, open_case, api_as):
    services.case_party_add(actor=world.users["agent"], case=open_case, party_type="contributor", user=world.users["manager"])
    assert api_as("customer").get(url(open_case)).data["count"] == 0
    assert api_as("agent").get(url(open_case)).data["count"] == 1


def test_parties_are_read_only_on_closed_cases(world, open_case, colleague):
    party = add(world, open_case, colleague, party_type="listed_contact")
    closed = act(world, "customer", open_case, "close")
    with pytest.raises(InvalidTransition):
        add(world, closed, world.contacts["customer_admin"])
    with pytest.raises(InvalidTransition):
        services.case_party_remove(actor=world.users["agent"], party=party)


def test_adding_a_party_leaves_a_work_note(world, open_case, colleague):
    add(world, open_case, colleague)
    assert open_case.events.filter(kind="work_note", body__contains="Fay Fox").exists() or open_case.events.filter(
        kind="work_note", body__contains="authorized contact"
    ).exists()


# --- API persona matrices ----------------------------------------------------------------------------
@matrix(external=200, other_customer=404)
def test_related_parties_list_access(persona, expected, api_as, open_case, colleague, world):
    add(world, open_case, colleague)
    assert_status(api_as(persona).get(url(open_case)), expected)


@matrix(external=403, other_customer=404, customer_admin=201, internal=201)
def test_related_parties_add_access(persona, expected, api_as, open_case, colleague):
    response = api_as(persona).post(url(open_case), {"party_type": "authorized_contact", "contact": colleague.pk})
    assert_status(response, expected)
    assert CaseRelatedParty.objects.filter(case=open_case).count() == (expected == 201)


@matrix(external=403, other_customer=404, customer_admin=204, internal=204)
def test_related_parties_remove_access(persona, expected, api_as, open_case, colleague, world):
    party = add(world, open_case, colleague)
    assert_status(api_as(persona).delete(url(open_case, f"{party.pk}/")), expected)
    assert CaseRelatedParty.objects.filter(pk=party.pk).exists() is (expected != 204)


def test_remove_unknown_party_is_404(api_as, open_case):
    assert_status(api_as("agent").delete(url(open_case, "999999/")), 404)


def test_related_parties_list_query_bound(world, open_case, api_as, django_assert_max_num_queries):
    for n in range(6):
        contact = customer_services.contact_create(actor=None, account=world.account, first_name=f"P{n}", last_name="Q")
        add(world, open_case, contact, party_type="listed_contact")
    client = api_as("agent")
    with django_assert_max_num_queries(8):
        assert client.get(url(open_case)).data["count"] == 6


# --- watch list ----------------------------------------------------------------------------------------
def watch(case):
    return f"/api/v1/cases/{case.pk}/watch/"


@matrix(external=200, other_customer=404)
def test_watch_self_access(persona, expected, api_as, open_case, world):
    response = api_as(persona).post(watch(open_case))
    assert_status(response, expected)
    if expected == 200:
        assert response.data["watching"] and open_case.watch_list.filter(pk=world.users[persona].pk).exists()


@matrix(external=200, other_customer=404)
def test_unwatch_self_access(persona, expected, api_as, open_case, world):
    if world.users[persona]:
        open_case.watch_list.add(world.users[persona])
    response = api_as(persona).delete(watch(open_case))
    assert_status(response, expected)
    if expected == 200:
        assert not response.data["watching"]


@matrix(external=200, other_customer=404)
def test_watch_read_access(persona, expected, api_as, open_case):
    assert_status(api_as(persona).get(watch(open_case)), expected)


def test_agent_adds_and_removes_an_internal_user(api_as, open_case, world):
    manager = world.users["manager"]
    body = api_as("agent").post(watch(open_case), {"user": manager.pk}).data
    assert [w["username"] for w in body["watch_list"]] == [manager.username] and body["watching"] is False
    api_as("agent").delete(watch(open_case), {"user": manager.pk})
    assert not open_case.watch_list.exists()


def test_agent_cannot_add_a_customer_user(api_as, open_case, world):
    response = api_as("agent").post(watch(open_case), {"user": world.users["customer_admin"].pk})
    assert_status(response, 400)
    assert "user" in response.data["errors"]


def test_customer_cannot_add_someone_else(api_as, open_case, world):
    # 400 "no such user", exactly as for an id nobody holds (a 403 told that the id exists)
    assert_status(api_as("customer").post(watch(open_case), {"user": world.users["agent"].pk}), 400)
    assert not open_case.watch_list.exists()


def test_customer_does_not_see_the_watch_list(api_as, open_case, world):
    open_case.watch_list.add(world.users["agent"])
    assert "watch_list" not in api_as("customer").get(watch(open_case)).data


def test_watch_list_is_read_only_on_closed_cases(api_as, open_case, world):
    act(world, "customer", open_case, "close")
    assert_status(api_as("customer").post(watch(open_case)), 409)


# --- parent / child ------------------------------------------------------------------------------------
@pytest.fixture
def family(world, open_case):
    child = services.case_create(actor=world.users["customer"], short_description="Toner too")
    services.case_set_parent(actor=world.users["agent"], case=child, parent=open_case)
    return open_case, child


@matrix(external=200, other_customer=404)
def test_children_list_access(persona, expected, api_as, family):
    response = api_as(persona).get(f"/api/v1/cases/{family[0].pk}/children/")
    assert_status(response, expected)
    if expected == 200:
        assert [row["id"] for row in response.data["results"]] == [family[1].pk]


def test_children_query_bound(world, open_case, api_as):
    def kids(n):
        for i in range(n):
            child = services.case_create(actor=world.users["customer"], short_description=f"child {i}")
            services.case_set_parent(actor=world.users["agent"], case=child, parent=open_case)

    client, path = api_as("customer"), f"/api/v1/cases/{open_case.pk}/children/"
    kids(1)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    kids(5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).data["count"] == 6
    assert len(many) == len(few) <= 12


def test_a_case_cannot_be_its_own_parent(world, open_case):
    with pytest.raises(ValidationError) as exc:
        services.case_set_parent(actor=world.users["agent"], case=open_case, parent=open_case)
    assert "parent" in exc.value.message_dict


def test_parent_cycles_are_refused(world, family):
    parent, child = family
    grandchild = services.case_create(actor=world.users["customer"], short_description="Paper")
    services.case_set_parent(actor=world.users["agent"], case=grandchild, parent=child)
    with pytest.raises(ValidationError):
        services.case_set_parent(actor=world.users["agent"], case=parent, parent=grandchild)


def test_only_agents_set_parents(world, open_case):
    other = services.case_create(actor=world.users["customer"], short_description="Other")
    with pytest.raises(PermissionDenied):
        services.case_set_parent(actor=world.users["customer"], case=other, parent=open_case)


def test_set_parent_is_recorded(world, family):
    assert family[1].events.filter(kind="field_changed", field="parent", new=family[0].number).exists()
