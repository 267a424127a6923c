"""The email channel's Celery tasks: thin, ids in, idempotent (a redelivery finds the message
processed, or the mailbox's poll lease taken, and does nothing)."""
from celery import shared_task


@shared_task(acks_late=True)
def process_inbound_message_task(message_id: int) -> str | None:
    from interactions.services_mail import inbound_process

    message = inbound_process(message_id=message_id)
    return message.state if message is not None else None


@shared_task(acks_late=True)
def poll_mailbox_task(mailbox_id: int) -> int | None:
    from interactions.services_mail import mailbox_poll

    return mailbox_poll(mailbox_id=mailbox_id)


@shared_task(acks_late=True)
def poll_mailboxes_task() -> int:
    """The beat: queue a poll of every active mailbox that is due, and re-queue messages whose
    processing task was lost."""
    from interactions.selectors_mail import mailboxes_due
    from interactions.services_mail import inbound_requeue_stale

    due = mailboxes_due()
    for mailbox_id in due:
        poll_mailbox_task.delay(mailbox_id=mailbox_id)
    inbound_requeue_stale()
    return len(due)
