"""A worker killed in the middle of the offer-timeout scan, then a fresh worker: every due offer
times out exactly once and its case is offered to exactly one next agent; the kill only delayed it.
Runs in `make test-services` (PostgreSQL + Redis, real Celery worker processes).

The test holds the agents' routing-state rows, so the worker stops inside its first offer's
transaction (after timing the offer out, while offering the case to the next agent)."""
import datetime
import signal
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases import services as case_services
from cases.choices import EventKind
from cases.models import AgentRoutingState, CaseOffer
from cases.models.routing import OfferState
from cases.tasks.routing import expire_case_offers_task
from tests.cases.test_slas_worker_killed import _Rollback, _someone_waits_on_a_lock
from tests.factories import AssignmentGroupFactory, AssignmentRuleFactory, routing_agent
from tests.notifications.test_worker_killed import _wait, _worker, queue  # noqa: F401  (queue is a fixture)


def _hold_routing_state(held: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            list(AgentRoutingState.objects.select_for_update())
            held.set()
            release.wait(120)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        connection.close()


def _timed_out_notes(case) -> int:
    return case.events.filter(kind=EventKind.ROUTING, body__contains="timed out").count()


@pytest.mark.live_worker
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_scan_delays_offers_but_loses_and_duplicates_none(queue, tmp_path, world):
    group = AssignmentGroupFactory(name="Routing team")
    agents = [routing_agent(group, username=f"rk_{n}", capacity={"web": 2}) for n in ("ann", "ben", "cat")]
    AssignmentRuleFactory(name="any case", order=1, assignment_group=group)
    for agent in agents:  # every agent has a routing-state row for the test to hold
        AgentRoutingState.objects.get_or_create(user=agent)
    cases = [
        case_services.case_create(actor=world.users["agent"], short_description=f"Needs routing {i}", account=world.account)
        for i in range(2)
    ]
    first_offers = {c.pk: CaseOffer.objects.get(case=c, state=OfferState.OFFERED) for c in cases}
    CaseOffer.objects.filter(pk__in=[o.pk for o in first_offers.values()]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=5)
    )

    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_routing_state, args=(held, release))
    holder.start()
    assert held.wait(30)
    first = _worker(queue, tmp_path / "unused.txt", delay=0)
    try:
        expire_case_offers_task.apply_async(queue=queue)
        _wait(_someone_waits_on_a_lock, 90, "the scan to stop inside its first offer's transaction")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
        release.set()
        holder.join(30)

    # Nothing half-done: the interrupted transaction rolled back with the dead worker.
    assert CaseOffer.objects.filter(state=OfferState.OFFERED).count() == 2
    assert all(_timed_out_notes(c) == 0 for c in cases)

    second = _worker(queue, tmp_path / "unused.txt", delay=0)
    try:
        for _tick in range(30):  # the beat's 15 s ticks, here every 2 s
            expire_case_offers_task.apply_async(queue=queue)
            time.sleep(2)
            if not CaseOffer.objects.filter(pk__in=[o.pk for o in first_offers.values()], state=OfferState.OFFERED).exists():
                break
        expire_case_offers_task.apply_async(queue=queue)  # one more tick: nothing is due
        time.sleep(2)
    finally:
        second.terminate()
        second.wait(timeout=20)

    for case in cases:
        old = CaseOffer.objects.get(pk=first_offers[case.pk].pk)
        assert old.state == OfferState.TIMED_OUT
        now_open = list(CaseOffer.objects.filter(case=case, state=OfferState.OFFERED))
        assert len(now_open) == 1 and now_open[0].agent_id != old.agent_id
        assert _timed_out_notes(case) == 1
