"""Rows the users tests share, made through the services so they are real."""
import pytest

from core.choices import Channel
from users import services
from users.models import AgentChannelCapacity, AgentPresence, AgentSkill, Skill


@pytest.fixture
def skill(world) -> Skill:
    return services.skill_create(actor=None, name="Networking")


@pytest.fixture
def agent_skill(world, skill) -> AgentSkill:
    return services.agent_skill_set(actor=None, user=world.users["agent"], skill=skill, level=3)


@pytest.fixture
def capacity(world) -> AgentChannelCapacity:
    return services.agent_capacity_set(actor=None, user=world.users["agent"], channel=Channel.CHAT, max_items=2)


@pytest.fixture
def presence(world) -> AgentPresence:
    return services.agent_presence_set(actor=None, user=world.users["agent"], status="available")
