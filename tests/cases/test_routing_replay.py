"""The routing replay: a deterministic simulation of the rules over past cases, without writes."""
import datetime
import io
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services as case_services
from cases.models import AgentRoutingState, Case, CaseEvent, CaseOffer
from cases.services.routing_replay import routing_replay
from tests.factories import AssignmentGroupFactory, AssignmentRuleFactory, SkillFactory, routing_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(world):
    group = AssignmentGroupFactory(name="Replay team")
    return group, [routing_agent(group, username=f"rp_{n}", capacity={"web": 3}) for n in ("ann", "ben", "cat")]


def make_cases(world, n, **fields):
    """Cases opened one after the other (before any rule exists, so nothing routes them live)."""
    return [
        case_services.case_create(actor=world.users["agent"], short_description=f"Past {i}", account=world.account, **fields)
        for i in range(n)
    ]


def test_round_robin_spreads_evenly_where_reality_did_not(world, team):
    group, (ann, ben, cat) = team
    for case in make_cases(world, 6):
        case_services.case_assign(actor=world.users["manager"], case=case, assignment_group=group, assigned_to=ann)
    AssignmentRuleFactory(assignment_group=group, strategy="most_capacity")
    result = routing_replay(strategy="round_robin")
    assert result["cases"] == 6 and result["strategy"] == "round_robin"
    assert {a["username"]: (a["simulated"], a["actual"]) for a in result["agents"]} == {
        "rp_ann": (2, 6), "rp_ben": (2, 0), "rp_cat": (2, 0),
    }
    assert result["simulated"] == {
        "assigned": 6, "queued": 0, "no_rule": 0, "max": 2, "min": 2, "mean": 2.0, "std_dev": 0.0,
    }
    assert result["actual"] == {
        "assigned": 6, "unassigned": 0, "max": 6, "min": 0, "mean": 2.0, "std_dev": round(8 ** 0.5, 3),  # (6, 0, 0): variance (16 + 4 + 4) / 3
    }


def test_the_replay_writes_nothing(world, team):
    group, _ = team
    make_cases(world, 4)
    AssignmentRuleFactory(assignment_group=group)
    before = [m.objects.count() for m in (Case, CaseOffer, CaseEvent, AgentRoutingState)]
    with CaptureQueriesContext(connection) as queries:
        routing_replay()
    assert [m.objects.count() for m in (Case, CaseOffer, CaseEvent, AgentRoutingState)] == before
    writes = [q["sql"] for q in queries.captured_queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
    assert writes == []


def test_the_replay_is_deterministic(world, team):
    group, _ = team
    make_cases(world, 5)
    AssignmentRuleFactory(assignment_group=group)
    end = timezone.now()
    assert routing_replay(end=end) == routing_replay(end=end)


def test_the_strategy_changes_the_spread(world):
    group = AssignmentGroupFactory(name="Uneven")
    routing_agent(group, username="big", capacity={"web": 5})
    routing_agent(group, username="small", capacity={"web": 1})
    make_cases(world, 2)
    AssignmentRuleFactory(assignment_group=group, strategy="round_robin")
    loads = lambda r: {a["username"]: a["simulated"] for a in r["agents"]}  # noqa: E731
    assert loads(routing_replay(strategy="most_capacity")) == {"big": 2, "small": 0}
    assert loads(routing_replay(strategy="round_robin")) == {"big": 1, "small": 1}
    assert routing_replay()["strategy"] == "per_rule"


def test_load_accumulates_and_is_released_when_a_case_was_resolved(world):
    group = AssignmentGroupFactory(name="Tight")
    one = routing_agent(group, username="one", capacity={"web": 1})
    first, second = make_cases(world, 2)
    case = case_services.case_assign(actor=world.users["manager"], case=first, assignment_group=group, assigned_to=one)
    case = case_services.case_act(actor=one, case=case, action="accept")
    case_services.case_act(actor=one, case=case, action="propose-solution", resolution_code="solved_fixed", close_notes="ok")
    make_cases(world, 1)  # opened after the first was resolved
    AssignmentRuleFactory(assignment_group=group)
    result = routing_replay()
    # first -> one (until resolved), second -> nobody free (queued), third -> one again
    assert (result["simulated"]["assigned"], result["simulated"]["queued"]) == (2, 1)
    assert second.pk


def test_rules_conditions_skills_and_fixed_agents_apply_in_the_simulation(world, team):
    group, (ann, ben, cat) = team
    networking = SkillFactory(name="Networking")
    from users import services as user_services

    user_services.agent_skill_set(actor=None, user=cat, skill=networking, level=4)
    make_cases(world, 2, channel="web")
    make_cases(world, 1, channel="phone")
    make_cases(world, 1, channel="email")
    AssignmentRuleFactory(order=1, assignment_group=group, channel="phone", assigned_to=ben)
    AssignmentRuleFactory(
        order=2, assignment_group=group, channel="web", use_skills=True,
        skill_requirements=[{"skill": networking, "min_level": 3, "mandatory": True}],
    )
    result = routing_replay()
    assert {a["username"]: a["simulated"] for a in result["agents"]} == {"rp_ann": 0, "rp_ben": 1, "rp_cat": 2}
    assert result["simulated"]["no_rule"] == 1  # the email case


def test_only_cases_of_the_period_are_replayed(world, team):
    group, _ = team
    old, recent = make_cases(world, 2)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=8))
    AssignmentRuleFactory(assignment_group=group)
    assert routing_replay()["cases"] == 1
    assert recent.pk


def test_replay_refuses_bad_input_and_non_managers(world):
    now = timezone.now()
    with pytest.raises(ValidationError):
        routing_replay(start=now, end=now - datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        routing_replay(start=now - datetime.timedelta(days=40), end=now)
    with pytest.raises(ValidationError):
        routing_replay(strategy="random")
    with pytest.raises(PermissionDenied):
        routing_replay(actor=world.users["agent"])
    assert routing_replay(actor=world.users["manager"])["cases"] == 0


def test_the_command_prints_the_comparison_and_json(world, team):
    group, _ = team
    make_cases(world, 3)
    AssignmentRuleFactory(assignment_group=group)
    out = io.StringIO()
    call_command("routing_replay", "--strategy", "round_robin", stdout=out)
    text = out.getvalue()
    assert "3 cases from" in text and "rp_ann" in text and "std dev" in text
    out = io.StringIO()
    call_command("routing_replay", "--json", "--start", (timezone.now() - datetime.timedelta(days=1)).date().isoformat(), stdout=out)
    assert json.loads(out.getvalue())["simulated"]["assigned"] == 3
    with pytest.raises(CommandError):
        call_command("routing_replay", "--start", "yesterday")
