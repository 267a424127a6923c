"""Interactions under concurrency, on PostgreSQL where row locks are real (make test-services):
a channel retrying an open at the same moment gets one interaction; two agents accepting the same
interaction end with one owner and one 409; two inactivity scans close each interaction once."""
import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from core.exceptions import Conflict
from interactions import services
from interactions.choices import InteractionState
from interactions.models import Interaction
from tests.factories import user_with_roles

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # asserted by the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def pg(world):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    return world


def test_concurrent_opens_of_one_conversation_make_one_interaction(pg):
    def open_it():
        return services.interaction_open(actor=None, type="chat", source="webchat", external_id="race-1", message="hi")

    results = _race(open_it, open_it, open_it, open_it)
    assert all(isinstance(r, tuple) for r in results), results
    assert len({interaction.pk for interaction, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Interaction.objects.filter(source="webchat", external_id="race-1").count() == 1


def test_two_agents_accepting_at_once_one_wins(pg):
    world = pg
    other = user_with_roles("agent", username="agent_racer")
    world.group.members.add(other)
    interaction, _ = services.interaction_open(actor=None, type="phone", assignment_group=world.group)
    results = _race(
        lambda: services.interaction_accept(actor=world.users["agent"], interaction=interaction),
        lambda: services.interaction_accept(actor=other, interaction=interaction),
    )
    wins = [r for r in results if isinstance(r, Interaction)]
    refusals = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(refusals) == 1, results
    stored = Interaction.objects.get(pk=interaction.pk)
    assert stored.state == InteractionState.WORK_IN_PROGRESS and stored.assigned_to_id == wins[0].assigned_to_id


def test_two_inactivity_scans_close_each_interaction_once(pg):
    for _ in range(6):
        services.interaction_open(actor=None, type="email")
    later = timezone.now() + datetime.timedelta(days=6)
    results = _race(
        lambda: services.interaction_inactivity_close_scan(now=later),
        lambda: services.interaction_inactivity_close_scan(now=later),
    )
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 6
    for interaction in Interaction.objects.all():
        assert interaction.state == InteractionState.CLOSED_COMPLETE
        assert interaction.entries.filter(body__startswith="Closed complete: no activity").count() == 1
