"""Auto-close (reference 2.2): the hourly scan. Thin: the service finds what is due through its
indexes and handles each case in its own transaction, so a killed worker or a redelivered
message only repeats checks, never a reminder or a close."""
from celery import shared_task


@shared_task(acks_late=True)
def scan_auto_close_task() -> dict:
    from cases.services.autoclose import auto_close_scan

    return auto_close_scan()
