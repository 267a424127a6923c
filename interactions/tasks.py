"""Interactions' periodic work. Thin: the service reads only due rows through a partial index and
closes each in its own transaction, so a killed worker or a redelivered message only repeats
checks, never a close."""
from celery import shared_task


@shared_task(acks_late=True)
def close_inactive_email_interactions_task() -> int:
    from interactions.services import interaction_inactivity_close_scan

    return interaction_inactivity_close_scan()


# The email channel's tasks live in tasks_mail; importing them here registers them with the worker
# (autodiscovery reads `<app>.tasks`).
from interactions.tasks_mail import (  # noqa: E402,F401
    poll_mailbox_task,
    poll_mailboxes_task,
    process_inbound_message_task,
)
