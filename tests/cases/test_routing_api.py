"""Routing in the API: the persona matrix for every endpoint, the answers, errors and query bounds."""
import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import AssignmentRule, Case, CaseOffer
from cases.models.routing import OfferState
from tests.factories import AssignmentGroupFactory, AssignmentRuleFactory, CaseOfferFactory, SkillFactory, routing_agent
from tests.matrix import assert_status, matrix
from users import services as user_services

pytestmark = pytest.mark.django_db

OFFERS = "/api/v1/offers/"
RULES = "/api/v1/assignment-rules/"
REPLAY = "/api/v1/routing/replay/"


@pytest.fixture
def tier1_routing(world):
    """Tier 1 routes by round robin; only the world's agent is available (capacity 5 on web)."""
    user_services.agent_presence_set(actor=None, user=world.users["agent"], status="available")
    user_services.agent_capacity_set(actor=None, user=world.users["agent"], channel="web", max_items=5)
    return AssignmentRuleFactory(name="Tier 1 round robin", assignment_group=world.group)


@pytest.fixture
def dana_case(world, tier1_routing):
    """Dana's case at Acme, routed to Tier 1 and offered to the world's agent."""
    return case_services.case_create(actor=world.users["customer"], short_description="Printer on fire")


@pytest.fixture
def offer(dana_case):
    return CaseOffer.objects.get(case=dana_case, state=OfferState.OFFERED)


# --- offers --------------------------------------------------------------------------------------
@matrix(external=200)
def test_offer_list_access(persona, expected, api_as, world, offer):
    response = api_as(persona).get(OFFERS)
    assert_status(response, expected)
    if expected == 200:
        ids = [row["id"] for row in response.data["results"]]
        assert ids == ([offer.pk] if persona == "agent" else [])  # the caller's own open offers


@matrix(external=404)
def test_offer_detail_access(persona, expected, api_as, offer):
    assert_status(api_as(persona).get(f"{OFFERS}{offer.pk}/"), expected)


@matrix(external=404, manager=403, admin=403)
def test_offer_accept_access(persona, expected, api_as, offer, dana_case, world):
    response = api_as(persona).post(f"{OFFERS}{offer.pk}/accept/")
    assert_status(response, expected)
    assigned = Case.objects.get(pk=dana_case.pk).assigned_to
    assert assigned == (world.users["agent"] if expected == 200 else None)


@matrix(external=404, manager=403, admin=403)
def test_offer_reject_access(persona, expected, api_as, offer):
    response = api_as(persona).post(f"{OFFERS}{offer.pk}/reject/", {"reason": "Off today"})
    assert_status(response, expected)
    offer.refresh_from_db()
    assert (offer.state == OfferState.REJECTED) is (expected == 200)


@matrix(external=404, agent=404)
def test_someone_elses_offer_is_out_of_an_agents_scope(persona, expected, api_as):
    other = CaseOfferFactory()
    assert_status(api_as(persona).get(f"{OFFERS}{other.pk}/"), expected)


def test_accepting_answers_the_offer_and_the_case_is_assigned(api_as, offer, dana_case, world):
    response = api_as("agent").post(f"{OFFERS}{offer.pk}/accept/")
    assert response.data["state"] == "accepted" and response.data["case_number"] == dana_case.number
    case = api_as("agent").get(f"/api/v1/cases/{dana_case.pk}/").data
    assert (case["assigned_to"], case["assignment_group"]) == (world.users["agent"].pk, world.group.pk)


def test_rejecting_without_a_reason_is_400_naming_the_field(api_as, offer):
    response = api_as("agent").post(f"{OFFERS}{offer.pk}/reject/", {"reason": " "})
    assert response.status_code == 400
    assert response.data["code"] == "invalid" and "reason" in response.data["errors"]


def test_answering_an_answered_offer_is_409_naming_the_state(api_as, offer):
    api_as("agent").post(f"{OFFERS}{offer.pk}/accept/")
    response = api_as("agent").post(f"{OFFERS}{offer.pk}/reject/", {"reason": "Too late"})
    assert response.status_code == 409
    assert (response.data["code"], response.data["state"], response.data["allowed_actions"]) == (
        "invalid_transition", "accepted", [],
    )


def test_an_expired_offer_is_409_conflict(api_as, offer):
    CaseOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now())
    response = api_as("agent").post(f"{OFFERS}{offer.pk}/accept/")
    assert (response.status_code, response.data["code"]) == (409, "conflict")


def test_offer_list_filters(api_as, offer, world):
    api_as("agent").post(f"{OFFERS}{offer.pk}/reject/", {"reason": "Off today"})
    agent = api_as("agent")
    assert agent.get(OFFERS).data["count"] == 0
    assert [r["state"] for r in agent.get(OFFERS, {"state": "any"}).data["results"]] == ["rejected"]
    assert agent.get(OFFERS, {"state": "bogus"}).status_code == 400
    manager = api_as("manager")
    assert manager.get(OFFERS, {"state": "rejected"}).data["count"] == 0  # the manager's own
    assert manager.get(OFFERS, {"state": "rejected", "agent": "any"}).data["count"] == 1
    assert manager.get(OFFERS, {"state": "any", "agent": world.users["agent"].pk}).data["count"] == 1
    assert agent.get(OFFERS, {"state": "any", "agent": "any"}).data["count"] == 1  # still only their own


def test_offer_list_queries_do_not_grow_with_rows(api_as, world, django_assert_max_num_queries):
    agent = world.users["agent"]
    client = api_as("agent")

    def add(n):
        for _ in range(n):
            CaseOfferFactory(agent=agent, assignment_group=world.group)

    add(3)
    with django_assert_max_num_queries(6) as few:
        assert client.get(OFFERS).data["count"] == 3
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(OFFERS).data["count"] == 15


# --- assignment rules ----------------------------------------------------------------------------
@matrix(external=200)
def test_rule_list_access(persona, expected, api_as, tier1_routing):
    response = api_as(persona).get(RULES)
    assert_status(response, expected)
    if expected == 200:
        assert (response.data["count"] == 1) is (persona in ("manager", "admin"))


@matrix(external=404, agent=404)
def test_rule_detail_access(persona, expected, api_as, tier1_routing):
    assert_status(api_as(persona).get(f"{RULES}{tier1_routing.pk}/"), expected)


@matrix(external=403, internal=403, admin=201)
def test_rule_create_access(persona, expected, api_as, world):
    response = api_as(persona).post(RULES, {"name": "Phone", "channel": "phone", "assignment_group": world.group.pk})
    assert_status(response, expected)
    assert AssignmentRule.objects.filter(name="Phone").exists() is (expected == 201)


@matrix(external=404, agent=404, manager=403, admin=200)
def test_rule_update_access(persona, expected, api_as, tier1_routing):
    assert_status(api_as(persona).patch(f"{RULES}{tier1_routing.pk}/", {"order": 7}), expected)
    tier1_routing.refresh_from_db()
    assert (tier1_routing.order == 7) is (expected == 200)


@matrix(external=404, agent=404, manager=403, admin=204)
def test_rule_delete_access(persona, expected, api_as, tier1_routing):
    assert_status(api_as(persona).delete(f"{RULES}{tier1_routing.pk}/"), expected)
    assert AssignmentRule.objects.filter(pk=tier1_routing.pk).exists() is (expected != 204)


def test_rules_carry_their_skills_and_an_update_replaces_them(api_as, world):
    networking, printers = SkillFactory(name="Networking"), SkillFactory(name="Printers")
    admin = api_as("admin")
    body = {
        "name": "Network cases", "priority": 1, "assignment_group": world.group.pk, "strategy": "most_capacity",
        "use_skills": True, "skill_requirements": [{"skill": networking.pk, "min_level": 3, "mandatory": True}],
    }
    created = admin.post(RULES, body, format="json")
    assert created.status_code == 201, created.data
    assert created.data["skill_requirements"] == [
        {"skill": networking.pk, "skill_name": "Networking", "min_level": 3, "mandatory": True}
    ]
    assert created.data["conditions"] == "priority = 1 - Critical"
    changed = admin.patch(
        f"{RULES}{created.data['id']}/",
        {"skill_requirements": [{"skill": printers.pk, "min_level": 1, "mandatory": False}]}, format="json",
    )
    assert [r["skill_name"] for r in changed.data["skill_requirements"]] == ["Printers"]


def test_a_rules_agent_must_belong_to_its_group(api_as, world):
    outsider = routing_agent(AssignmentGroupFactory(name="Elsewhere"), username="outsider")
    response = api_as("admin").post(
        RULES, {"name": "Direct", "assignment_group": world.group.pk, "assigned_to": outsider.pk}, format="json"
    )
    assert response.status_code == 400 and "assigned_to" in response.data["errors"]


def test_bad_rule_input_is_400_naming_each_field(api_as, world):
    response = api_as("admin").post(
        RULES, {"name": "", "assignment_group": world.group.pk, "strategy": "random", "priority": 9}, format="json"
    )
    assert response.status_code == 400
    assert {"name", "strategy", "priority"} <= set(response.data["errors"])


def test_rule_list_queries_do_not_grow_with_rows(api_as, world, django_assert_max_num_queries):
    skill = SkillFactory(name="Billing")
    client = api_as("manager")

    def add(n):
        for _ in range(n):
            AssignmentRuleFactory(
                assignment_group=world.group, assigned_to=world.users["agent"], use_skills=True,
                skill_requirements=[{"skill": skill, "min_level": 2, "mandatory": False}],
            )

    add(3)
    with django_assert_max_num_queries(10) as few:
        assert client.get(RULES).data["count"] == 3
    add(12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(RULES).data["count"] == 15


# --- ranking, route now, replay ------------------------------------------------------------------
@matrix(other_customer=404, customer=403, customer_admin=403, partner=403, agent=403, manager=200, admin=200)
def test_agent_ranking_access(persona, expected, api_as, dana_case):
    assert_status(api_as(persona).get(f"/api/v1/cases/{dana_case.pk}/agent-ranking/"), expected)


@matrix(other_customer=404, customer=403, customer_admin=403, partner=403, internal=200)
def test_route_now_access(persona, expected, api_as, world):
    case = case_services.case_create(actor=world.users["customer"], short_description="Later")  # no rule yet
    world.users["agent"].refresh_from_db()
    user_services.agent_presence_set(actor=None, user=world.users["agent"], status="available")
    user_services.agent_capacity_set(actor=None, user=world.users["agent"], channel="web", max_items=5)
    AssignmentRuleFactory(assignment_group=world.group)
    response = api_as(persona).post(f"/api/v1/cases/{case.pk}/route/")
    assert_status(response, expected)
    assert CaseOffer.objects.filter(case=case).exists() is (expected == 200)


@matrix(external=403, agent=403, manager=200, admin=200)
def test_replay_access(persona, expected, api_as, dana_case):
    assert_status(api_as(persona).post(REPLAY, {}, format="json"), expected)


def test_route_now_answers_what_routing_did(api_as, world):
    case = case_services.case_create(actor=world.users["customer"], short_description="Later")
    client = api_as("agent")
    assert client.post(f"/api/v1/cases/{case.pk}/route/").data["outcome"] == "no_rule"
    rule = AssignmentRuleFactory(assignment_group=world.group)
    queued = client.post(f"/api/v1/cases/{case.number}/route/").data
    assert (queued["outcome"], queued["offer"], queued["rule"]) == ("queued", None, rule.pk)
    assert queued["case"]["assignment_group"] == world.group.pk
    user_services.agent_presence_set(actor=None, user=world.users["agent"], status="available")
    user_services.agent_capacity_set(actor=None, user=world.users["agent"], channel="web", max_items=5)
    offered = client.post(f"/api/v1/cases/{case.pk}/route/").data
    assert offered["outcome"] == "offered" and offered["offer"]["agent"] == world.users["agent"].pk
    assert client.post(f"/api/v1/cases/{case.pk}/route/").data["outcome"] == "already_offered"


def test_route_now_on_a_closed_case_is_409(api_as, world):
    case = case_services.case_create(actor=world.users["agent"], short_description="Dup", account=world.account)
    case_services.case_act(actor=world.users["agent"], case=case, action="cancel", reason="Duplicate")
    response = api_as("agent").post(f"/api/v1/cases/{case.pk}/route/")
    assert (response.status_code, response.data["code"]) == (409, "invalid_transition")


def test_the_ranking_shares_ranks_and_says_why_an_agent_is_not_eligible(api_as, world, dana_case):
    away = routing_agent(world.group, username="away_amy", presence="away")
    twin = routing_agent(world.group, username="twin_tom")
    data = api_as("manager").get(f"/api/v1/cases/{dana_case.pk}/agent-ranking/").data
    by_name = {a["username"]: a for a in data["agents"]}
    assert data["assignment_group"] == world.group.pk and data["rule"] is not None
    # agent_alice holds the open offer (a slot) and no case; twin_tom has nothing: both available, 0 open cases
    assert by_name["agent_alice"]["rank"] == by_name["twin_tom"]["rank"] == 1
    assert by_name[away.username]["rank"] == 3 and by_name[away.username]["reasons"] == ["presence is away"]
    assert by_name["manager_max"]["reasons"] == ["presence is offline", "no capacity set for web"]
    assert by_name["twin_tom"]["eligible"] is True and twin.pk


def test_the_ranking_needs_a_group(api_as, world):
    case = case_services.case_create(actor=world.users["customer"], short_description="Unrouted")
    response = api_as("manager").get(f"/api/v1/cases/{case.pk}/agent-ranking/")
    assert response.status_code == 400 and "assignment_group" in response.data["errors"]
    named = api_as("manager").get(f"/api/v1/cases/{case.pk}/agent-ranking/", {"assignment_group": world.group.pk})
    assert named.status_code == 200 and len(named.data["agents"]) == 2


def test_the_ranking_runs_a_constant_number_of_queries(api_as, world, dana_case, django_assert_max_num_queries):
    skill = SkillFactory(name="Printers")
    rule = AssignmentRule.objects.get()
    from cases.services.routing import assignment_rule_update

    assignment_rule_update(actor=None, instance=rule, use_skills=True,
                           skill_requirements=[{"skill": skill, "min_level": 2, "mandatory": True}])
    client = api_as("manager")
    url = f"/api/v1/cases/{dana_case.pk}/agent-ranking/"
    for n in range(2):
        routing_agent(world.group, username=f"few_{n}", skills={skill: 3})
    with django_assert_max_num_queries(15) as few:
        assert len(client.get(url).data["agents"]) == 4
    for n in range(8):
        routing_agent(world.group, username=f"many_{n}", skills={skill: n % 5 + 1})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).data["agents"]) == 12


def test_replay_input_errors_are_400(api_as):
    client = api_as("manager")
    bad = client.post(REPLAY, {"strategy": "random"}, format="json")
    assert bad.status_code == 400 and "strategy" in bad.data["errors"]
    backwards = client.post(REPLAY, {"start": "2026-01-10T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, format="json")
    assert backwards.status_code == 400 and "start" in backwards.data["errors"]
    too_long = client.post(REPLAY, {"start": "2026-01-01T00:00:00Z", "end": "2026-03-01T00:00:00Z"}, format="json")
    assert too_long.status_code == 400 and "end" in too_long.data["errors"]


def test_replay_answers_both_sides(api_as, dana_case, world):
    data = api_as("manager").post(REPLAY, {"strategy": "most_capacity"}, format="json").data
    assert data["strategy"] == "most_capacity" and data["cases"] == 1
    assert data["simulated"]["assigned"] == 1 and data["actual"]["unassigned"] == 1
    assert {a["username"] for a in data["agents"]} == {"agent_alice", "manager_max"}


def test_customers_never_see_routing_on_the_timeline(api_as, dana_case, offer):
    api_as("agent").post(f"{OFFERS}{offer.pk}/reject/", {"reason": "Off today"})
    for persona in ("customer", "customer_admin"):
        rows = api_as(persona).get(f"/api/v1/cases/{dana_case.pk}/activity/").data["results"]
        assert rows and all(r["kind"] != "routing" for r in rows)
    agent_rows = api_as("agent").get(f"/api/v1/cases/{dana_case.pk}/activity/", {"page_size": 100}).data["results"]
    assert any(r["kind"] == "routing" for r in agent_rows)
