from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from core.health import health_checks
from core.selectors import heartbeat_last_seen


def healthz(request):
    """Liveness for load balancers and operators: the database answers, a worker has run, and each
    app's registered check (core.health; e.g. "mail": a mailbox that fails to poll)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    last = heartbeat_last_seen()
    worker_ok = last is not None and (timezone.now() - last).total_seconds() < settings.WORKER_HEARTBEAT_STALE_AFTER
    body = {
        "database": "ok",
        "worker": "ok" if worker_ok else "missing",
        "worker_last_seen": last.isoformat() if last else None,
        **health_checks(),  # the apps' checks (core.health), e.g. "mail"
    }
    return JsonResponse(body, status=200)
