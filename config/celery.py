"""The Celery app and the beat schedule (the only place periodic work is declared)."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("casedesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Liveness: lets /healthz/ and `manage.py check_worker` tell whether a worker is consuming.
    "record-worker-heartbeat": {
        "task": "core.tasks.record_heartbeat_task",
        "schedule": 60.0,
        "kwargs": {"source": "beat"},
    },
    # Stored files that no attachment names (an outer transaction rolled back after the upload).
    "sweep-orphan-attachments": {
        "task": "cases.tasks.attachments.sweep_orphan_attachments_task",
        "schedule": 24 * 3600.0,
    },
    # The outbox's safety net: pending messages whose first queueing was lost, or whose retry is due.
    "requeue-due-notifications": {
        "task": "notifications.tasks.requeue_due_notifications_task",
        "schedule": 60.0,
    },
    # Digests: held messages, one per person per NOTIFICATION_DIGEST_PERIOD_MINUTES (the run sends
    # only periods that ended, so running it often costs one indexed query over held rows).
    "send-notification-digests": {
        "task": "notifications.tasks.send_digests_task", "schedule": 300.0, "options": {"expires": 290},
    },
    # SLA notices and breaches: only rows whose next threshold is due, through a partial index.
    "scan-due-slas": {"task": "cases.tasks.slas.scan_due_slas_task", "schedule": 30.0, "options": {"expires": 25}},
    # Routing: offers past their expiry time out and go to the next agent (rows with due times, indexed).
    "expire-case-offers": {"task": "cases.tasks.routing.expire_case_offers_task", "schedule": 15.0, "options": {"expires": 15}},
    # Case follow-ups (the "case opened" mail) whose task queued on commit was lost: a partial index.
    "run-due-case-followups": {
        "task": "cases.tasks.followups.run_due_case_followups_task", "schedule": 60.0, "options": {"expires": 55},
    },
    # Auto-close of resolved cases: day-5 reminders and day-10 closes (idempotent, re-runnable).
    "scan-auto-close": {"task": "cases.tasks.autoclose.scan_auto_close_task", "schedule": 3600.0},
    # Email interactions with no activity for INTERACTION_EMAIL_INACTIVITY_DAYS close (partial index on open ones).
    # Inbound mail: poll the mailboxes that are due (each at its own interval, one poll per mailbox
    # at a time) and re-queue messages stored but not processed (a lost task).
    "poll-mailboxes": {"task": "interactions.tasks_mail.poll_mailboxes_task", "schedule": 30.0, "options": {"expires": 30}},
    "close-inactive-email-interactions": {
        "task": "interactions.tasks.close_inactive_email_interactions_task",
        "schedule": 900.0,
        "options": {"expires": 900},
    },
}
