"""Routing under concurrency, on PostgreSQL where row locks are real (make test-services): two
scans at once time each offer out exactly once; an accept racing the timeout ends in one outcome."""
import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, CaseOffer
from cases.models.routing import OfferState
from cases.services import routing
from tests.factories import AssignmentGroupFactory, AssignmentRuleFactory, routing_agent

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
    group = AssignmentGroupFactory(name="Race team")
    agents = [routing_agent(group, username=f"race_{n}", capacity={"web": 20}) for n in range(4)]
    AssignmentRuleFactory(assignment_group=group)
    return world, agents


def test_two_scans_at_once_time_each_offer_out_exactly_once(pg):
    world, agents = pg
    cases = [
        case_services.case_create(actor=world.users["agent"], short_description=f"R{i}", account=world.account)
        for i in range(12)
    ]
    CaseOffer.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    now = timezone.now()
    results = _race(lambda: routing.case_offers_expire_due(now=now), lambda: routing.case_offers_expire_due(now=now))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 12
    for case in cases:
        offers = CaseOffer.objects.filter(case=case)
        assert offers.filter(state=OfferState.TIMED_OUT).count() == 1
        assert offers.filter(state=OfferState.OFFERED).count() == 1


def test_an_accept_racing_the_timeout_has_one_outcome(pg):
    world, agents = pg
    case = case_services.case_create(actor=world.users["agent"], short_description="Tight", account=world.account)
    offer = CaseOffer.objects.get(case=case)
    CaseOffer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() + datetime.timedelta(milliseconds=300))
    later = offer.expires_at + datetime.timedelta(seconds=1)
    results = _race(
        lambda: routing.case_offer_accept(actor=offer.agent, offer=offer),
        lambda: routing.case_offer_time_out(offer_id=offer.pk, now=later),
    )
    offer.refresh_from_db()
    stored = Case.objects.get(pk=case.pk)
    if offer.state == OfferState.ACCEPTED:
        assert stored.assigned_to_id == offer.agent_id
        assert not CaseOffer.objects.filter(case=case, state=OfferState.OFFERED).exists()
    else:
        assert offer.state == OfferState.TIMED_OUT and stored.assigned_to_id is None
        assert CaseOffer.objects.filter(case=case, state=OfferState.OFFERED).count() == 1
    assert results
