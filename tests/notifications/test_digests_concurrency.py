"""Two digest runs at once (two beats by mistake, or a run overlapping the next): each held message
is listed in exactly one digest, each person gets one digest, each digest is mailed once.
PostgreSQL (make test-services), where `FOR UPDATE SKIP LOCKED` is real."""
import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, connections

from notifications import services
from notifications.choices import Audience, Delivery, NotificationState
from notifications.models import Notification
from notifications.services import Recipient

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
PEOPLE, PER_PERSON = 12, 5


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:  # noqa: BLE001  (asserted below)
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_concurrent_digest_runs_send_each_held_message_exactly_once(world, settings, mocker):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    mocker.patch("notifications.tasks.send_notification_task.delay")
    settings.NOTIFICATION_DEFAULT_DELIVERY = Delivery.DIGEST
    for p in range(PEOPLE):
        for n in range(PER_PERSON):
            services.notification_fanout(
                event="case.commented", recipients=[Recipient(Audience.CUSTOMER, address=f"person{p}@example.com")],
                contexts={Audience.CUSTOMER: {"case": {"number": "CS1"}, "comment": f"{p}-{n}", "author": "A"}},
                dedupe=f"t:{p}:{n}",
            )
    assert Notification.objects.filter(state=NotificationState.HELD).count() == PEOPLE * PER_PERSON
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=settings.NOTIFICATION_DIGEST_PERIOD_MINUTES)

    results = _race([lambda: services.notification_digests_send(now=later)] * 2)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r["digests"] for r in results) == PEOPLE
    assert sum(r["messages"] for r in results) == PEOPLE * PER_PERSON
    digests = Notification.objects.filter(event="notification.digest")
    assert digests.count() == PEOPLE
    assert sorted(digests.values_list("to_address", flat=True)) == sorted(f"person{p}@example.com" for p in range(PEOPLE))
    held = Notification.objects.exclude(event="notification.digest")
    assert not held.filter(state=NotificationState.HELD).exists()
    for digest in digests:
        listed = held.filter(digest=digest)
        assert listed.count() == PER_PERSON
        assert set(listed.values_list("to_address", flat=True)) == {digest.to_address}
        for row in listed:
            assert digest.body.count(row.body.strip()) == 1

    for digest in digests:  # two workers handed the same digest: one mail
        _race([lambda pk=digest.pk: services.notification_send(pk)] * 2)
    assert len(mail.outbox) == PEOPLE


def test_a_run_skips_the_rows_another_run_holds_and_never_waits_for_them(world, settings, mocker):
    """Deterministic half of the race: while one transaction holds a person's held rows (as a
    digest run in progress does), another run sends the other people's digests at once and leaves
    that person alone; nothing is listed twice once both finish."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    from django.db import transaction

    mocker.patch("notifications.tasks.send_notification_task.delay")
    settings.NOTIFICATION_DEFAULT_DELIVERY = Delivery.DIGEST
    for p in range(3):
        services.notification_fanout(
            event="case.commented", recipients=[Recipient(Audience.CUSTOMER, address=f"p{p}@example.com")],
            contexts={Audience.CUSTOMER: {"case": {"number": "CS1"}, "comment": "x", "author": "A"}}, dedupe=f"t:{p}",
        )
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=settings.NOTIFICATION_DIGEST_PERIOD_MINUTES)
    locked, release = threading.Event(), threading.Event()

    def holder():
        try:
            with transaction.atomic():
                list(Notification.objects.select_for_update().filter(to_address="p0@example.com"))
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(30)
    try:
        first = services.notification_digests_send(now=later)  # would hang here if it waited
    finally:
        release.set()
        thread.join()
    assert first == {"digests": 2, "messages": 2}
    assert Notification.objects.get(to_address="p0@example.com", event="case.commented").state == NotificationState.HELD
    assert services.notification_digests_send(now=later) == {"digests": 1, "messages": 1}
    assert Notification.objects.filter(event="notification.digest").count() == 3
