"""SLA tasks: thin, idempotent, ids in (STYLE 5). The scan is driven by the `next_check_at`
column and its partial index, so a lost or repeated run only delays or repeats nothing."""
from celery import shared_task
from django.db import OperationalError


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=3)
def scan_due_slas_task() -> dict:
    """The beat's SLA scan (every 30 s): notices at 50/75/100 %, breaches, next thresholds."""
    from cases.services.slas import sla_scan_due

    return sla_scan_due()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def recompute_slas_for_schedule_task(schedule_id: int) -> int:
    """Re-measure the running SLAs that count on a schedule after its spans or holidays changed."""
    from cases.services.slas import sla_recompute_schedule

    return sla_recompute_schedule(schedule_id=schedule_id)
