from datetime import datetime

from django.db.models import Max

from core.models import WorkerHeartbeat


def heartbeat_last_seen() -> datetime | None:
    return WorkerHeartbeat.objects.aggregate(last=Max("seen_at"))["last"]
