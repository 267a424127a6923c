"""A real Celery worker process, started by the test, consumes a task sent through the broker.
Runs in `make test-services` (PostgreSQL + Redis)."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.models import WorkerHeartbeat
from core.tasks import record_heartbeat_task

ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


@pytest.fixture
def live_worker():
    if connection.vendor != "postgresql" or not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("the live worker runs against PostgreSQL and Redis (make test-services)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    cmd = [
        sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-c", "1", "--pool", "solo",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h", "--loglevel", "WARNING",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        yield queue
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.mark.live_worker
@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_task_sent_through_the_broker(live_worker):
    sent_at = timezone.now()
    record_heartbeat_task.apply_async(kwargs={"source": live_worker}, queue=live_worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if WorkerHeartbeat.objects.filter(source=live_worker, seen_at__gte=sent_at).exists():
            return
        time.sleep(0.25)
    pytest.fail("the worker did not run the task within 60 s")
