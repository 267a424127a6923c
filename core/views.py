from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from core.selectors import heartbeat_last_seen


def healthz(request):
    """Liveness for load balancers and operators: the database answers and a worker has run."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    last = heartbeat_last_seen()
    worker_ok = last is not None and (timezone.now() - last).total_seconds() < settings.WORKER_HEARTBEAT_STALE_AFTER
    body = {
        "database": "ok",
        "worker": "ok" if worker_ok else "missing",
        "worker_last_seen": last.isoformat() if last else None,
    }
    return JsonResponse(body, status=200)
