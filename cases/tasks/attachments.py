from celery import shared_task


@shared_task(acks_late=True)
def sweep_orphan_attachments_task() -> int:
    from cases.services.attachments import attachment_sweep_orphans

    return len(attachment_sweep_orphans())
