"""Interactions' periodic work. Thin: the service reads only due rows through a partial index and
closes each in its own transaction, so a killed worker or a redelivered message only repeats
checks, never a close."""
from celery import shared_task


@shared_task(acks_late=True)
def close_inactive_email_interactions_task() -> int:
    from interactions.services import interaction_inactivity_close_scan

    return interaction_inactivity_close_scan()
