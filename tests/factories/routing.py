"""Routing: assignment rules (through their service), offers in their initial state, and agents
set up for routing (membership, presence, capacity and skills, each through the users services)."""
import datetime

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases.models import AssignmentRule, CaseOffer

__all__ = ["AssignmentRuleFactory", "CaseOfferFactory", "routing_agent", "routing_access_rows"]


def _group():
    from tests.factories.users import AssignmentGroupFactory

    return AssignmentGroupFactory()


class AssignmentRuleFactory(DjangoModelFactory):
    class Meta:
        model = AssignmentRule

    name = factory.Sequence(lambda n: f"Rule {n}")
    order = factory.Sequence(lambda n: 100 + n)
    assignment_group = factory.LazyFunction(_group)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services.routing import assignment_rule_create

        return assignment_rule_create(actor=None, **kwargs)


def _offer_case():
    from tests.factories.cases_work import case_for_work

    return case_for_work()


class CaseOfferFactory(DjangoModelFactory):
    """An open offer (the initial state) of a new case to a new agent of a new group."""

    class Meta:
        model = CaseOffer

    case = factory.LazyFunction(_offer_case)
    assignment_group = factory.LazyFunction(_group)
    agent = factory.LazyAttribute(lambda o: routing_agent(o.assignment_group, presence="available"))
    offered_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.offered_at + datetime.timedelta(minutes=2))


def routing_agent(group, *, username=None, presence="available", capacity: dict | None = None, skills: dict | None = None):
    """An agent in `group` with a presence, capacities ({"web": 5} by default) and skills
    ({Skill: level}), all set through the users services."""
    from tests.factories.users import user_with_roles
    from users import services as user_services

    agent = user_with_roles("agent", **({"username": username} if username else {}))
    user_services.assignment_group_update(
        actor=None, instance=group, members=[*group.members.all(), agent]
    )
    user_services.agent_presence_set(actor=None, user=agent, status=presence)
    for channel, max_items in (capacity if capacity is not None else {"web": 5}).items():
        user_services.agent_capacity_set(actor=None, user=agent, channel=channel, max_items=max_items)
    for skill, level in (skills or {}).items():
        user_services.agent_skill_set(actor=None, user=agent, skill=skill, level=level)
    return agent


def routing_access_rows(world) -> list:
    """Rows for the access-consistency test: a rule, an offer to the world's agent, one to someone else."""
    from cases import services as case_services

    rule = AssignmentRuleFactory(assignment_group=world.group)
    case = case_services.case_create(actor=None, short_description="Offered", account=world.account)
    now = timezone.now()
    mine = CaseOffer.objects.create(
        case=case, agent=world.users["agent"], assignment_group=world.group, rule=rule, offered_at=now,
        expires_at=now + datetime.timedelta(minutes=2),
    )
    return [rule, mine, CaseOfferFactory()]
