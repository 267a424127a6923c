"""A worker killed in the middle of the beat's SLA scan, then a fresh worker: every notice is
written and delivered exactly once, every breach is marked; the kill only delayed them.
Runs in `make test-services` (PostgreSQL + Redis, real Celery worker processes).

To kill the worker at a known point, the test holds an uncommitted outbox row with the dedupe
key of the first notice of the scan's second batch: the worker's INSERT ... ON CONFLICT for that
key waits on the test's transaction, inside the second batch, after the first batch committed."""
import datetime
import signal
import threading
import time
from unittest import mock

import pytest
from django.db import connection, transaction
from django.utils import timezone

from cases.models import Case, TaskSla
from cases.tasks.slas import scan_due_slas_task
from notifications import services as outbox
from notifications.choices import NotificationState
from notifications.models import Notification
from tests import factories as f
from tests.cases.sla_helpers import new_case
from tests.notifications.test_worker_killed import _lines, _wait, _worker, queue  # noqa: F401  (queue is a fixture)

N, BATCH = 10, 4
NOTICES_PER_CASE = 5  # the assignee at 50/75/100 %, the group manager at 75/100 %
H = datetime.timedelta(hours=1)


class _Rollback(Exception):
    pass


def _hold_key(key: str, held: threading.Event, release: threading.Event) -> None:
    try:
        with transaction.atomic():
            outbox.notification_enqueue(event="test.hold", subject="hold", body="b", to_address="hold@example.com",
                                        dedupe_key=key)
            held.set()
            release.wait(120)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        connection.close()


def _someone_waits_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def _breached() -> int:
    return TaskSla.objects.filter(notified_pct=100, has_breached=True).count()


@pytest.mark.live_worker
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_scan_delays_sla_notices_but_loses_and_duplicates_none(queue, tmp_path, world, monkeypatch):
    f.SlaDefinitionFactory(duration=8 * H, when_to_cancel="never")
    start = timezone.now() - datetime.timedelta(days=2)  # every threshold of every SLA has passed
    for i in range(N):
        with mock.patch("django.utils.timezone.now", return_value=start + datetime.timedelta(minutes=i)):
            new_case(world, assigned_to=world.users["agent"])
    tasks = list(TaskSla.objects.order_by("next_check_at", "pk"))
    assert len(tasks) == N and all(t.notified_pct == 0 for t in tasks)

    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_key, args=(f"sla:{tasks[BATCH].pk}:50:assignee", held, release))
    holder.start()
    assert held.wait(30)

    log = tmp_path / "delivered.txt"
    monkeypatch.setenv("SLA_SCAN_BATCH", str(BATCH))
    monkeypatch.setenv("CELERY_TASK_DEFAULT_QUEUE", queue)  # the worker's outbox sends come back to it
    first = _worker(queue, log, delay=0)
    try:
        scan_due_slas_task.apply_async(queue=queue)
        _wait(lambda: _breached() == BATCH and _someone_waits_on_a_lock(), 90, "the scan to stop inside batch 2")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
        release.set()
        holder.join(30)

    # The first batch committed with its notices; the second rolled back with the dead worker.
    assert _breached() == BATCH
    assert Notification.objects.count() == BATCH * NOTICES_PER_CASE
    assert not Notification.objects.filter(event="test.hold").exists()

    second = _worker(queue, log, delay=0)
    try:
        for _tick in range(30):  # what the beat does every 30 s, here every 2 s
            scan_due_slas_task.apply_async(queue=queue)
            time.sleep(2)
            if _breached() == N:
                break
        assert _breached() == N, "the next scans should finish the work"
        # Sends the dead worker held (unacknowledged) come back through the beat's re-queue.
        Notification.objects.filter(state=NotificationState.PENDING).update(
            next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
        )
        outbox.notification_requeue_due()
        _wait(lambda: not Notification.objects.filter(state=NotificationState.PENDING).exists(), 90, "all sent")
        scan_due_slas_task.apply_async(queue=queue)  # one more tick finds nothing due
        outbox.notification_requeue_due()
        _wait(lambda: len(_lines(log)) >= N * NOTICES_PER_CASE, 30, "every delivery")
        time.sleep(1.0)  # a duplicate delivery would land now
    finally:
        second.terminate()
        second.wait(timeout=20)

    keys = list(Notification.objects.values_list("dedupe_key", flat=True))
    assert len(keys) == len(set(keys)) == N * NOTICES_PER_CASE
    assert sorted(_lines(log)) == sorted(Notification.objects.values_list("message_id", flat=True))
    assert Notification.objects.filter(state=NotificationState.SENT).count() == N * NOTICES_PER_CASE
    assert not Case.objects.filter(made_sla=True).exists()
