"""Send a heartbeat task through the broker and wait until a worker has run it."""
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import WorkerHeartbeat
from core.tasks import record_heartbeat_task


class Command(BaseCommand):
    help = "Checks that a Celery worker consumes tasks: sends one and waits for it to run."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)
        parser.add_argument("--source", default="check_worker")

    def handle(self, *args, timeout: float, source: str, **options):
        sent_at = timezone.now()
        record_heartbeat_task.delay(source=source)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            beat = WorkerHeartbeat.objects.filter(source=source, seen_at__gte=sent_at).first()
            if beat is not None:
                waited = (beat.seen_at - sent_at).total_seconds()
                self.stdout.write(self.style.SUCCESS(f"Worker on {beat.hostname or '?'} ran the task after {waited:.2f} s."))
                return
            time.sleep(0.2)
        raise CommandError(f"No worker ran the heartbeat task within {timeout:.0f} s (is the worker running?).")
