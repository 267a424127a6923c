import socket

from celery import shared_task


@shared_task(acks_late=True)
def record_heartbeat_task(source: str = "beat") -> None:
    from core.services import heartbeat_record

    heartbeat_record(source=source, hostname=socket.gethostname())
