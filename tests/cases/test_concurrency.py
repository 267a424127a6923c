"""Two agents acting on one case at once: one wins, the other gets a 409; nothing is overwritten.
Runs on PostgreSQL (make test-services), where row locks are real."""
import threading

import pytest
from django.db import connection, connections

from cases import services
from cases.models import Case, CaseEvent
from core.exceptions import Conflict, InvalidTransition

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # the loser's refusal, asserted by the caller
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


def test_two_agents_acting_at_once_one_wins_the_other_gets_409(pg):
    world = pg
    case = services.case_create(actor=world.users["customer"], short_description="Race")
    agent, manager = world.users["agent"], world.users["manager"]
    results = _race(
        lambda: services.case_act(actor=agent, case=case, action="assign-to-me"),
        lambda: services.case_act(actor=manager, case=case, action="cancel", reason="dup"),
    )
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, (InvalidTransition, Conflict))]
    assert len(winners) == 1 and len(losers) == 1, results
    final = Case.objects.get(pk=case.pk)
    assert final.state == winners[0].state
    assert CaseEvent.objects.filter(case=case, kind="state_changed").count() == 1


def test_two_concurrent_edits_with_the_same_version_one_is_refused(pg):
    world = pg
    case = services.case_create(actor=world.users["customer"], short_description="Edit race")
    version = case.version
    agent, manager = world.users["agent"], world.users["manager"]
    results = _race(
        lambda: services.case_update(actor=agent, instance=case, short_description="Agent's", version=version),
        lambda: services.case_update(actor=manager, instance=case, short_description="Manager's", version=version),
    )
    winners = [r for r in results if isinstance(r, Case)]
    assert len(winners) == 1 and sum(isinstance(r, Conflict) for r in results) == 1, results
    assert Case.objects.get(pk=case.pk).short_description == winners[0].short_description


def test_concurrent_case_creation_never_duplicates_a_number(pg):
    world = pg
    results = _race(*[
        (lambda i=i: [services.case_create(actor=world.users["agent"], short_description=f"C{i}-{j}",
                                           account=world.account) for j in range(10)])
        for i in range(4)
    ])
    assert all(isinstance(r, list) for r in results), results
    numbers = list(Case.objects.values_list("number", flat=True))
    assert len(numbers) == 40 and len(set(numbers)) == 40


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_locking_a_case_does_not_lock_its_shared_lifecycle(world):
    """Two different cases change at once: the lock on one never waits for the other (the
    lifecycle row they share is read, not locked)."""
    from django.db import connection, connections, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")
    from cases.services import case_create, case_lock_for_change

    first = case_create(actor=None, short_description="One", account=world.account)
    second = case_create(actor=None, short_description="Two", account=world.account)
    other = connections.create_connection("default")
    try:
        with transaction.atomic():
            case_lock_for_change(first)
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
                cursor.execute("BEGIN")
                cursor.execute("SELECT 1 FROM cases_lifecycle WHERE id = %s FOR UPDATE NOWAIT", [second.lifecycle_id])
                cursor.execute("ROLLBACK")
    finally:
        other.close()
