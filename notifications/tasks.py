from celery import shared_task


@shared_task(acks_late=True)
def send_notification_task(notification_id: int) -> None:
    from notifications.services import notification_send

    notification_send(notification_id)


@shared_task(acks_late=True)
def requeue_due_notifications_task() -> int:
    from notifications.services import notification_requeue_due

    return notification_requeue_due()


@shared_task(acks_late=True)
def send_digests_task() -> dict:
    from notifications.services import notification_digests_send

    return notification_digests_send()
