"""Interactions on top of the shared world: Tier 1 (the world's group: agent and manager), a
second team with its own agent, and helpers that open interactions through the intake service."""
import pytest

from interactions import services
from tests.factories import user_with_roles
from users import services as user_services


@pytest.fixture
def tier2(world):
    """Tier 2: another team, with its own agent (not in Tier 1)."""
    outsider = user_with_roles("agent", username="agent_oscar")
    return user_services.assignment_group_create(actor=None, name="Tier 2", members=[outsider])


@pytest.fixture
def outsider(tier2):
    return tier2.members.get()


@pytest.fixture
def integration(world):
    """A chat system's machine account: the channel_integration role only."""
    return user_with_roles("channel_integration", username="webchat_bot")


@pytest.fixture
def open_interaction(world):
    """open_interaction(type="chat", group=world.group, **fields) -> a new (or on-hold) interaction."""

    def make(type="chat", group="tier1", **fields):
        assignment_group = world.group if group == "tier1" else group
        interaction, _ = services.interaction_open(actor=None, type=type, assignment_group=assignment_group, **fields)
        return interaction

    return make


@pytest.fixture
def acme_case(world):
    from cases import services as case_services

    return case_services.case_create(actor=world.users["agent"], short_description="Printer jams", contact=world.contacts["customer"])
