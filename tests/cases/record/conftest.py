import pytest
from django.test import override_settings

from cases import services


@pytest.fixture(autouse=True)
def media(tmp_path):
    """Attachments stored in a temporary folder, never in the repository."""
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def case(world):
    """Dana's case at Acme, in Tier 1's queue (state new)."""
    return services.case_create(
        actor=world.users["agent"], short_description="Printer on fire", description="Smoke everywhere",
        contact=world.contacts["customer"], assignment_group=world.group,
    )


@pytest.fixture
def open_case(world, case):
    """The same case, taken by the agent (state open)."""
    return services.case_act(actor=world.users["agent"], case=case, action="assign-to-me")


def htmx(client):
    """Headers that make django-htmx see an htmx request."""
    return {"HTTP_HX_REQUEST": "true"}
