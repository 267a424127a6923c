"""A worker killed while it sends, then a fresh one: every message is delivered, none twice.
Runs in `make test-services` (PostgreSQL + Redis, a real Celery worker process)."""
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from config.celery import app as celery_app
from notifications import services
from notifications.choices import NotificationState
from notifications.models import Notification
from tests.core.test_live_worker import ROOT, _database_url

N = 6


def _worker(queue: str, log: Path, delay: float) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "TEST_EMAIL_BACKEND": "tests.notifications.backends.SlowRecordingBackend",
        "TEST_EMAIL_LOG": str(log),
        "TEST_EMAIL_DELAY": str(delay),
    }
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "--pool", "solo",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{uuid.uuid4().hex[:6]}@%h",
        "--loglevel", "WARNING",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _lines(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def queue():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the live worker runs against PostgreSQL and Redis (make test-services)")
    name = f"test-{uuid.uuid4().hex[:8]}"
    before = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = name  # the outbox's on_commit sends go to this worker
    yield name
    celery_app.conf.task_default_queue = before


@pytest.mark.live_worker
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_delays_messages_but_loses_and_duplicates_none(queue, tmp_path):
    log = tmp_path / "delivered.txt"
    rows = [
        services.notification_enqueue(event="test.kill", subject=f"Message {i}", body="b", to_address=f"r{i}@example.com")
        for i in range(N)
    ]  # autocommit: each row is committed and its send queued at once
    first = _worker(queue, log, delay=1.0)
    try:
        # Two delivered and recorded as sent: the worker is then inside the third one's 1 s delay.
        # (Waiting for the log alone could kill it between a delivery and its SENT commit, the
        # one window no outbox can close: that message would rightly be delivered again.)
        _wait(lambda: len(_lines(log)) >= 2 and Notification.objects.filter(state=NotificationState.SENT).count() >= 2,
              90, "the first worker to deliver two messages")
        first.send_signal(signal.SIGKILL)  # mid-send: it is inside the next one's delay
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    delivered_before = len(_lines(log))
    assert delivered_before < N, "the worker should have died with work left"
    assert Notification.objects.filter(state=NotificationState.PENDING).count() == N - delivered_before

    second = _worker(queue, log, delay=0)
    try:
        # The message the dead worker held is unacknowledged in the broker; the beat's re-queue
        # (here: its service, once the rows' time has come) hands the row to the new worker.
        Notification.objects.filter(state=NotificationState.PENDING).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        services.notification_requeue_due()
        _wait(lambda: not Notification.objects.filter(state=NotificationState.PENDING).exists(), 90, "all sent")
        services.notification_requeue_due()  # a later beat tick finds nothing to do
        time.sleep(1.0)  # any duplicate delivery would land now
    finally:
        second.terminate()
        second.wait(timeout=20)

    delivered = _lines(log)
    expected = sorted(Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("message_id", flat=True))
    assert sorted(delivered) == expected  # every message exactly once
    assert Notification.objects.filter(state=NotificationState.SENT).count() == N
