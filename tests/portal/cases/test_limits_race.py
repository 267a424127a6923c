"""The consumer limits hold under concurrency: two requests at the very limit, on two database
connections, and only one passes (the limit check locks the consumer's user row before it
counts). Runs on PostgreSQL (make test-services), where row locks are real."""
import threading
import time

import pytest
from django.db import connection, connections

from cases import services
from cases.models import Case
from cases.services import limits
from core.exceptions import LimitExceeded

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


@pytest.fixture
def slow_new_case_check(monkeypatch):
    """Widen the window between the count and the new row: without the lock, both racers would
    count the same number and both pass."""
    original = limits.limit_check_new_case

    def slow(actor):
        original(actor)
        time.sleep(0.5)

    monkeypatch.setattr(limits, "limit_check_new_case", slow)


def test_two_new_cases_racing_at_the_limit_only_one_passes(pg, settings, consumer_user, slow_new_case_check):
    settings.CONSUMER_MAX_NEW_CASES_DAILY = 2
    services.case_create(actor=consumer_user, short_description="Kettle 1")
    results = _race(
        lambda: services.case_create(actor=consumer_user, short_description="Kettle 2a"),
        lambda: services.case_create(actor=consumer_user, short_description="Kettle 2b"),
    )
    assert sum(isinstance(r, Case) for r in results) == 1, results
    assert sum(isinstance(r, LimitExceeded) for r in results) == 1, results
    assert Case.objects.filter(opened_by=consumer_user).count() == 2


def test_the_lock_does_not_hold_back_someone_else(pg, settings, consumer_user, slow_new_case_check):
    """Two different people at once both pass: the lock is per person."""
    from customers import services as customer_services
    from tests.factories import user_with_roles

    settings.CONSUMER_MAX_NEW_CASES_DAILY = 1
    other = user_with_roles("consumer", username="consumer_otto")
    customer_services.consumer_create(actor=None, first_name="Otto", last_name="Other", user=other,
                                      email="otto@example.net")
    results = _race(
        lambda: services.case_create(actor=consumer_user, short_description="Mine"),
        lambda: services.case_create(actor=other, short_description="Theirs"),
    )
    assert all(isinstance(r, Case) for r in results), results
