"""Interactions in the admin console: read-only records, the transcript inline, and transitions as
actions that call the services (refusals reported per record). The generic admin tests
(tests/core/test_admin_pages.py) cover access and changelist query counts."""
import pytest
from django.core.management import call_command

from interactions import services
from interactions.choices import InteractionState
from interactions.models import Interaction

pytestmark = pytest.mark.django_db
S = InteractionState
CHANGELIST = "/admin/interactions/interaction/"


def _action(client, action, *interactions):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [i.pk for i in interactions]}, follow=True
    )


def test_close_selected_calls_the_service_and_reports_refusals(world, client_as, open_interaction):
    waiting = open_interaction()
    done = services.interaction_close(actor=world.users["agent"], interaction=open_interaction())
    response = _action(client_as("admin"), "close_selected", waiting, done)
    text = response.content.decode()
    assert Interaction.objects.get(pk=waiting.pk).state == S.CLOSED_COMPLETE
    assert "1 interactions closed" in text and f"{done.number}: " in text and "not allowed" in text
    assert Interaction.objects.get(pk=waiting.pk).closed_by == world.users["admin"]


def test_hold_selected_returns_to_the_queue(world, client_as, open_interaction):
    working = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    _action(client_as("admin"), "hold_selected", working)
    working = Interaction.objects.get(pk=working.pk)
    assert working.state == S.ON_HOLD and working.assigned_to_id is None


def test_the_record_is_read_only_with_its_transcript(world, client_as, open_interaction):
    interaction = open_interaction(message="Help with my router")
    services.interaction_work_note_add(actor=world.users["agent"], interaction=interaction, body="Internal remark")
    client = client_as("admin")
    page = client.get(f"{CHANGELIST}{interaction.pk}/change/").content.decode()
    assert "Help with my router" in page and "Internal remark" in page and 'name="short_description"' not in page
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.get(f"{CHANGELIST}{interaction.pk}/access/").status_code == 200


@pytest.mark.usefixtures("no_world")
def test_demo_interactions_cover_every_state_and_link_cases():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert set(Interaction.objects.values_list("state", flat=True)) == set(S.values)
    assert set(Interaction.objects.values_list("type", flat=True)) == {"chat", "phone", "email", "walk_up", "messaging"}
    linked = Interaction.objects.filter(related_records__isnull=False).distinct().count()
    assert linked >= 2
    count = Interaction.objects.count()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert Interaction.objects.count() == count
