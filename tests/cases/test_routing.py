"""Routing services: rules, eligibility, strategies, offers and their answers, the timeout scan."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import selectors_routing
from cases import services as case_services
from cases.choices import EventKind
from cases.models import AgentRoutingState, Case, CaseOffer
from cases.models.routing import OfferState
from cases.services import routing
from core.exceptions import Conflict, InvalidTransition
from tests.factories import (
    AccountFactory,
    AssignmentGroupFactory,
    AssignmentRuleFactory,
    CaseTypeFactory,
    ProductFactory,
    ServiceDefinitionFactory,
    SkillFactory,
    routing_agent,
)
from users import services as user_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def group(world):
    return AssignmentGroupFactory(name="Routing team")


@pytest.fixture
def agents(group):
    """Three available agents of the routing team, capacity 2 on web."""
    return [routing_agent(group, username=f"rt_{n}", capacity={"web": 2}) for n in ("ann", "ben", "cat")]


def new_case(world, **fields):
    fields.setdefault("account", world.account)
    return case_services.case_create(actor=world.users["agent"], short_description="Needs routing", **fields)


def open_offer(case) -> CaseOffer | None:
    return CaseOffer.objects.filter(case=case, state=OfferState.OFFERED).select_related("agent").first()


def routing_notes(case) -> list[str]:
    return list(case.events.filter(kind=EventKind.ROUTING).order_by("id").values_list("body", flat=True))


# --- rules ---------------------------------------------------------------------------------------
def test_first_matching_active_rule_in_order_gives_the_group(world, group, agents):
    other = AssignmentGroupFactory(name="Other team")
    AssignmentRuleFactory(name="inactive first", order=1, active=False, assignment_group=other)
    AssignmentRuleFactory(name="phone only", order=2, channel="phone", assignment_group=other)
    AssignmentRuleFactory(name="any case", order=3, assignment_group=group)
    AssignmentRuleFactory(name="later", order=4, assignment_group=other)
    case = new_case(world)
    assert case.assignment_group == group
    assert Case.objects.get(pk=case.pk).assignment_group_id == group.pk
    assert open_offer(case).rule.name == "any case"


CONDITIONS = ["case_type", "product", "account", "priority", "channel", "service_definition"]


def _condition_values(world):
    return {
        "case_type": (CaseTypeFactory(), CaseTypeFactory()),
        "product": (ProductFactory(), ProductFactory()),
        "account": (world.account, AccountFactory()),
        "priority": (1, 4),
        "channel": ("email", "phone"),
        "service_definition": (ServiceDefinitionFactory(), ServiceDefinitionFactory()),
    }


@pytest.mark.parametrize("condition", CONDITIONS)
def test_each_condition_must_hold_and_blank_means_any(world, group, agents, condition):
    wanted, other = _condition_values(world)[condition]
    rule = AssignmentRuleFactory(assignment_group=group, **{condition: wanted})
    matching = Case(**{"channel": "web", "priority": 4, condition: wanted})
    differing = Case(**{"channel": "web", "priority": 4, condition: other})
    assert selectors_routing.rule_for_case(matching) == rule
    assert selectors_routing.rule_for_case(differing) is None
    assert selectors_routing.rule_matches(rule, selectors_routing.case_condition_values(matching)) is True
    assert selectors_routing.rule_matches(rule, selectors_routing.case_condition_values(differing)) is False


def test_the_first_rule_in_order_whose_every_condition_holds_wins_on_a_grid(world, group):
    """64 cases (each condition at one of two values) against 6 two-condition rules and a
    catch-all: the chosen rule is the first whose two conditions both hold."""
    values = _condition_values(world)
    pairs = list(zip(CONDITIONS, CONDITIONS[1:] + CONDITIONS[:1]))
    rules = [
        AssignmentRuleFactory(assignment_group=group, order=i, **{a: values[a][0], b: values[b][1]})
        for i, (a, b) in enumerate(pairs)
    ]
    catch_all = AssignmentRuleFactory(assignment_group=group, order=99)
    for mask in range(64):
        fields = {name: values[name][(mask >> i) & 1] for i, name in enumerate(CONDITIONS)}
        expected = next(
            (rule for rule, (a, b) in zip(rules, pairs) if fields[a] == values[a][0] and fields[b] == values[b][1]),
            catch_all,
        )
        assert selectors_routing.rule_for_case(Case(**fields)) == expected, fields


def test_rule_with_an_agent_assigns_directly_through_the_case_services(world, group, agents):
    AssignmentRuleFactory(assignment_group=group, assigned_to=agents[1])
    case = new_case(world)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.assignment_group, stored.assigned_to, stored.assigned_at is not None) == (group, agents[1], True)
    assert case.assigned_to_id == agents[1].pk and case.version == stored.version  # the creator's instance is current
    assert stored.events.filter(kind=EventKind.FIELD_CHANGED, field="assigned_to").exists()
    assert not CaseOffer.objects.filter(case=case).exists()


def test_rules_do_not_touch_an_assigned_case(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world, assignment_group=world.group, assigned_to=world.users["agent"])
    stored = Case.objects.get(pk=case.pk)
    assert (stored.assignment_group, stored.assigned_to) == (world.group, world.users["agent"])
    assert not CaseOffer.objects.exists() and routing_notes(case) == []


def test_a_case_already_in_a_group_keeps_it_and_only_that_groups_rules_apply(world, group, agents):
    AssignmentRuleFactory(name="to routing team", order=1, assignment_group=group)
    case = new_case(world, assignment_group=world.group)
    assert Case.objects.get(pk=case.pk).assignment_group == world.group
    assert not CaseOffer.objects.exists()  # Tier 1 has no rule: the case waits in its queue
    tier1_agent = routing_agent(world.group, username="t1_free")
    AssignmentRuleFactory(name="tier 1 distribution", order=2, assignment_group=world.group)
    result = routing.case_route(case=case, actor=world.users["agent"])
    assert (result.outcome, result.offer.agent) == ("offered", tier1_agent)


def test_no_rule_leaves_the_case_alone(world, group, agents):
    case = new_case(world)
    assert Case.objects.get(pk=case.pk).assignment_group is None
    assert routing.case_route(case=case).outcome == "no_rule"


def test_a_routing_failure_never_stops_the_case_from_opening(world, group, agents):
    rule = AssignmentRuleFactory(assignment_group=group, assigned_to=agents[0])
    user_services.assignment_group_update(actor=None, instance=group, members=agents[1:])  # agents[0] left
    case = new_case(world)
    assert Case.objects.filter(pk=case.pk, assigned_to__isnull=True).exists()
    assert any("Routing failed" in note and "not a member" in note for note in routing_notes(case))
    assert rule.pk


# --- offers and eligibility ----------------------------------------------------------------------
def test_an_offer_goes_to_one_agent_with_a_timeout_and_a_timeline_entry(world, group, agents, settings):
    settings.ROUTING_OFFER_TIMEOUT_SECONDS = 90
    AssignmentRuleFactory(name="Routing", assignment_group=group)
    case = new_case(world)
    offer = open_offer(case)
    assert offer.agent in agents and offer.assignment_group == group
    assert offer.expires_at - offer.offered_at == datetime.timedelta(seconds=90)
    assert Case.objects.get(pk=case.pk).assigned_to is None
    notes = routing_notes(case)
    assert any(f"Offered to {offer.agent.username} by rule 'Routing'" in n for n in notes)
    assert not case.events.filter(kind=EventKind.ROUTING, customer_visible=True).exists()


def test_at_most_one_open_offer_per_case_is_a_database_rule(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    offer = open_offer(case)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseOffer.objects.create(
            case=case, agent=agents[2], assignment_group=group, offered_at=offer.offered_at, expires_at=offer.expires_at
        )
    assert routing.case_route(case=case).outcome == "already_offered"


@pytest.mark.parametrize("presence", ["away", "offline"])
def test_away_or_offline_agents_are_never_offered_work(world, group, presence):
    routing_agent(group, username="absent", presence=presence)
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    assert open_offer(case) is None
    assert any("no eligible agent in Routing team" in n for n in routing_notes(case))


def test_an_agent_without_capacity_for_the_channel_is_never_offered_it(world, group):
    routing_agent(group, username="email_only", capacity={"email": 3})
    AssignmentRuleFactory(assignment_group=group)
    assert open_offer(new_case(world, channel="web")) is None
    assert open_offer(new_case(world, channel="email")).agent.username == "email_only"


def test_a_full_agent_is_never_offered_work_and_capacity_is_per_channel(world, group):
    busy = routing_agent(group, username="busy", capacity={"web": 1, "email": 1})
    AssignmentRuleFactory(assignment_group=group)
    new_case(world, assignment_group=group, assigned_to=busy)  # one open web case: web is full
    assert open_offer(new_case(world, channel="web")) is None
    assert open_offer(new_case(world, channel="email")).agent == busy


def test_resolved_cases_do_not_use_capacity_but_open_offers_do(world, group):
    agent = routing_agent(group, username="solo", capacity={"web": 1})
    AssignmentRuleFactory(assignment_group=group)
    first = new_case(world)
    assert open_offer(first).agent == agent
    assert open_offer(new_case(world)) is None  # the open offer holds the only slot
    routing.case_offer_accept(actor=agent, offer=open_offer(first))
    case = Case.objects.get(pk=first.pk)
    case = case_services.case_act(actor=agent, case=case, action="accept")
    case_services.case_act(
        actor=agent, case=case, action="propose-solution", resolution_code="solved_fixed", close_notes="Done."
    )
    assert open_offer(new_case(world)).agent == agent


def test_inactive_members_and_non_members_are_never_offered_work(world, group):
    gone = routing_agent(group, username="gone")
    user_services.user_update(actor=None, instance=gone, is_active=False)
    outsider = routing_agent(AssignmentGroupFactory(name="Elsewhere"), username="outsider")
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    assert open_offer(case) is None and outsider.pk


# --- skills --------------------------------------------------------------------------------------
def test_mandatory_skills_at_their_level_filter_agents(world, group):
    networking = SkillFactory(name="Networking")
    routing_agent(group, username="novice", skills={networking: 2})
    routing_agent(group, username="none")
    expert = routing_agent(group, username="expert", skills={networking: 4})
    AssignmentRuleFactory(
        assignment_group=group, use_skills=True,
        skill_requirements=[{"skill": networking, "min_level": 3, "mandatory": True}],
    )
    for _ in range(2):
        offer = open_offer(new_case(world))
        assert offer.agent == expert


def test_optional_skills_rank_agents_before_the_strategy(world, group):
    printers, billing = SkillFactory(name="Printers"), SkillFactory(name="Billing")
    routing_agent(group, username="plain")
    one = routing_agent(group, username="one", skills={printers: 3})
    both = routing_agent(group, username="both", skills={printers: 3, billing: 1})
    AssignmentRuleFactory(
        assignment_group=group, use_skills=True,
        skill_requirements=[
            {"skill": printers, "min_level": 2, "mandatory": False},
            {"skill": billing, "min_level": 1, "mandatory": False},
        ],
    )
    assert [open_offer(new_case(world)).agent for _ in range(3)][:2] == [both, both]
    assert one.pk


def test_a_rule_without_use_skills_ignores_its_skills(world, group):
    networking = SkillFactory(name="Networking")
    plain = routing_agent(group, username="plain")
    AssignmentRuleFactory(
        assignment_group=group, use_skills=False,
        skill_requirements=[{"skill": networking, "min_level": 3, "mandatory": True}],
    )
    assert open_offer(new_case(world)).agent == plain


# --- strategies ----------------------------------------------------------------------------------
def test_round_robin_offers_consecutive_cases_to_the_agent_idle_longest(world, group, agents):
    AssignmentRuleFactory(assignment_group=group, strategy="round_robin")
    offered = [open_offer(new_case(world)).agent for _ in range(3)]
    assert sorted(a.pk for a in offered) == sorted(a.pk for a in agents)  # everyone once
    for offer in CaseOffer.objects.filter(state=OfferState.OFFERED).order_by("offered_at", "id"):
        routing.case_offer_accept(actor=offer.agent, offer=offer)  # an assignment counts as of its time
    assert open_offer(new_case(world)).agent == offered[0]  # then the first again


def test_round_robin_counts_manual_assignments_too(world, group, agents):
    AssignmentRuleFactory(assignment_group=group, strategy="round_robin")
    for agent in (agents[0], agents[2]):
        new_case(world, assignment_group=group, assigned_to=agent)
    assert AgentRoutingState.objects.filter(user__in=[agents[0], agents[2]]).count() == 2
    assert open_offer(new_case(world)).agent == agents[1]


def test_most_capacity_picks_the_agent_with_most_free_slots(world, group):
    small = routing_agent(group, username="small", capacity={"web": 2})
    big = routing_agent(group, username="big", capacity={"web": 5})
    AssignmentRuleFactory(assignment_group=group, strategy="most_capacity")
    for _ in range(3):
        new_case(world, assignment_group=group, assigned_to=big)  # big: 5 - 3 = 2 free, small: 2 free
    first = open_offer(new_case(world)).agent
    assert first == small  # a tie on free slots goes to the agent idle longest
    assert open_offer(new_case(world)).agent == big  # big 2 free, small 1 free


def test_order_candidates_is_total_and_deterministic():
    from cases.selectors_routing import Candidate, order_candidates

    now = timezone.now()
    rows = [
        Candidate(user_id=3, username="c", capacity=2, last_assigned_at=now),
        Candidate(user_id=2, username="b", capacity=2),
        Candidate(user_id=1, username="a", capacity=2),
        Candidate(user_id=4, username="d", capacity=2, load=2),
        Candidate(user_id=5, username="e", capacity=3, last_assigned_at=now - datetime.timedelta(hours=1)),
    ]
    assert [c.user_id for c in order_candidates(rows, strategy="round_robin")] == [1, 2, 5, 3]
    assert [c.user_id for c in order_candidates(rows, strategy="most_capacity")] == [5, 1, 2, 3]
    rows[3].load, rows[0].optional_score, rows[1].mandatory_ok = 0, 1, False
    assert [c.user_id for c in order_candidates(rows, strategy="round_robin")] == [3, 1, 4, 5]


def test_candidate_skills_from_levels_match_the_rules_requirements():
    from cases.models import RoutingSkillRequirement
    from cases.selectors_routing import Candidate

    reqs = [
        RoutingSkillRequirement(skill_id=1, min_level=3, mandatory=True),
        RoutingSkillRequirement(skill_id=2, min_level=1, mandatory=False),
        RoutingSkillRequirement(skill_id=3, min_level=4, mandatory=False),
    ]
    scored = Candidate(user_id=1, username="a", capacity=1).with_skills({1: 3, 2: 1, 3: 3}, reqs)
    assert (scored.mandatory_ok, scored.optional_score) == (True, 1)
    assert Candidate(user_id=2, username="b", capacity=1).with_skills({1: 2, 2: 5, 3: 5}, reqs).mandatory_ok is False


# --- answering offers ----------------------------------------------------------------------------
def test_accepting_assigns_the_case_to_the_agent_through_the_case_services(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    offer = open_offer(case)
    routing.case_offer_accept(actor=offer.agent, offer=offer)
    offer.refresh_from_db()
    stored = Case.objects.get(pk=case.pk)
    assert offer.state == OfferState.ACCEPTED and offer.responded_at is not None
    assert (stored.assigned_to, stored.assignment_group) == (offer.agent, group)
    assert any("accepted the offer" in n for n in routing_notes(case))


def test_only_the_offered_agent_answers_an_offer(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    offer = open_offer(new_case(world))
    someone_else = next(a for a in agents if a != offer.agent)
    with pytest.raises(PermissionDenied):
        routing.case_offer_accept(actor=someone_else, offer=offer)
    with pytest.raises(PermissionDenied):
        routing.case_offer_reject(actor=world.users["manager"], offer=offer, reason="Not mine")


def test_an_answered_offer_cannot_be_answered_again(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    offer = open_offer(new_case(world))
    routing.case_offer_accept(actor=offer.agent, offer=offer)
    with pytest.raises(InvalidTransition) as refused:
        routing.case_offer_reject(actor=offer.agent, offer=offer, reason="Changed my mind")
    assert refused.value.state == "accepted"


def test_an_expired_offer_cannot_be_accepted(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    offer = open_offer(new_case(world))
    CaseOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(Conflict):
        routing.case_offer_accept(actor=offer.agent, offer=offer)
    assert open_offer(offer.case) is not None  # the scan times it out


def test_rejecting_needs_a_reason_and_offers_the_next_agent_never_the_same_one(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    first = open_offer(case)
    with pytest.raises(ValidationError) as missing:
        routing.case_offer_reject(actor=first.agent, offer=first, reason="  ")
    assert "reason" in missing.value.message_dict
    routing.case_offer_reject(actor=first.agent, offer=first, reason="On a training")
    first.refresh_from_db()
    assert (first.state, first.reason) == (OfferState.REJECTED, "On a training")
    second = open_offer(case)
    assert second.agent != first.agent
    routing.case_offer_reject(actor=second.agent, offer=second, reason="Busy")
    third = open_offer(case)
    assert third.agent not in (first.agent, second.agent)
    routing.case_offer_reject(actor=third.agent, offer=third, reason="Busy too")
    assert open_offer(case) is None  # everyone declined: the case waits in the group's queue
    assert "waits in the group's queue" in routing_notes(case)[-1]


def test_manual_assignment_cancels_the_open_offer(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    offer = open_offer(case)
    taker = next(a for a in agents if a != offer.agent)
    case_services.case_assign(actor=world.users["manager"], case=case, assigned_to=taker)
    offer.refresh_from_db()
    assert (offer.state, offer.reason) == (OfferState.CANCELLED, "Manually assigned")
    assert open_offer(case) is None


def test_cancelling_the_case_or_moving_it_to_another_group_cancels_the_offer(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    moved, cancelled = new_case(world), new_case(world)
    case_services.case_update(actor=world.users["manager"], instance=moved, assignment_group=world.group)
    case_services.case_act(actor=world.users["agent"], case=cancelled, action="cancel", reason="Duplicate")
    assert CaseOffer.objects.get(case=moved).reason == "The case moved to another group."
    assert CaseOffer.objects.get(case=cancelled).state == OfferState.CANCELLED
    with pytest.raises(InvalidTransition):
        routing.case_route(case=cancelled, actor=world.users["agent"])


# --- the timeout scan ----------------------------------------------------------------------------
def _expire(offer, seconds_ago=1):
    CaseOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=seconds_ago))


def test_the_scan_times_out_due_offers_and_offers_the_next_agent(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    due_case, fresh_case = new_case(world), new_case(world)
    due = open_offer(due_case)
    _expire(due)
    assert routing.case_offers_expire_due() == 1
    due.refresh_from_db()
    assert due.state == OfferState.TIMED_OUT
    assert open_offer(due_case).agent != due.agent
    assert open_offer(fresh_case).state == OfferState.OFFERED  # not due: untouched


def test_the_scan_is_idempotent(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    _expire(open_offer(case))
    now = timezone.now()
    assert routing.case_offers_expire_due(now=now) == 1
    assert routing.case_offers_expire_due(now=now) == 0  # the new offer is not due yet
    assert CaseOffer.objects.filter(case=case).count() == 2
    assert CaseOffer.objects.filter(case=case, state=OfferState.OFFERED).count() == 1


def test_timing_out_one_offer_twice_does_nothing_the_second_time(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    offer = open_offer(new_case(world))
    _expire(offer)
    assert routing.case_offer_time_out(offer_id=offer.pk) is True
    assert routing.case_offer_time_out(offer_id=offer.pk) is False
    assert routing.case_offer_time_out(offer_id=10**9) is False
    assert CaseOffer.objects.filter(case=offer.case).count() == 2


def test_a_scan_killed_mid_offer_leaves_it_due_for_the_next_scan(world, group, agents, monkeypatch):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    offer = open_offer(case)
    _expire(offer)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    with monkeypatch.context() as patched:
        patched.setattr(routing, "_route_again", crash)
        with pytest.raises(RuntimeError):
            routing.case_offers_expire_due()
    offer.refresh_from_db()
    assert offer.state == OfferState.OFFERED  # the half-done timeout rolled back
    assert routing.case_offers_expire_due() == 1
    assert CaseOffer.objects.filter(case=case, state=OfferState.OFFERED).count() == 1
    assert CaseOffer.objects.filter(case=case, state=OfferState.TIMED_OUT).count() == 1


def test_an_agent_who_let_an_offer_time_out_is_not_offered_that_case_again(world, group):
    only = routing_agent(group, username="only")
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world)
    _expire(open_offer(case))
    routing.case_offers_expire_due()
    assert open_offer(case) is None
    assert CaseOffer.objects.get(case=case).state == OfferState.TIMED_OUT and only.pk


def test_an_offer_made_at_creation_in_the_cases_own_group_is_cancelled_by_a_manual_assignment(world, group, agents):
    AssignmentRuleFactory(assignment_group=group)
    case = new_case(world, assignment_group=group)  # no group change: the case is still at version 1
    offer = open_offer(case)
    assert offer is not None and Case.objects.get(pk=case.pk).version == 1
    case_services.case_assign(actor=world.users["manager"], case=case, assigned_to=next(a for a in agents if a != offer.agent))
    offer.refresh_from_db()
    assert (offer.state, offer.reason) == (OfferState.CANCELLED, "Manually assigned")


def test_creating_a_case_with_no_matching_rule_reads_the_rules_from_the_process_cache(world, group, agents):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    new_case(world)  # warm the per-user caches
    with CaptureQueriesContext(connection) as without_rules:
        new_case(world)
    AssignmentRuleFactory(assignment_group=group, channel="phone")  # matches no web case
    with CaptureQueriesContext(connection) as first:
        new_case(world)
    assert [q["sql"] for q in first.captured_queries if "assignmentrule" in q["sql"]]  # the new rule is read
    with CaptureQueriesContext(connection) as with_rules:
        new_case(world)
    assert len(with_rules) == len(without_rules)
    assert not [q["sql"] for q in with_rules.captured_queries if "assignmentrule" in q["sql"]]


def test_only_the_save_that_assigns_moves_the_round_robin_clock(world, group, agents):
    case = new_case(world, assignment_group=group, assigned_to=agents[0])
    stamped = AgentRoutingState.objects.get(user=agents[0]).last_assigned_at
    assert stamped == Case.objects.get(pk=case.pk).assigned_at
    AgentRoutingState.objects.filter(user=agents[0]).update(last_assigned_at=None)
    Case.objects.filter(pk=case.pk).update(assigned_at=timezone.now() - datetime.timedelta(minutes=5))
    case_services.case_work_note_add(actor=world.users["agent"], case=Case.objects.get(pk=case.pk), body="Looked")
    assert AgentRoutingState.objects.get(user=agents[0]).last_assigned_at is None  # not an assignment
