"""After-commit follow-ups of case changes (cases.services.followups): thin, ids in."""
from celery import shared_task


@shared_task(acks_late=True)
def run_case_followup_task(event_id: int) -> bool:
    from cases.services.followups import case_followup_run

    return case_followup_run(event_id)


@shared_task(acks_late=True)
def run_due_case_followups_task() -> int:
    from cases.services.followups import case_followups_run_due

    return case_followups_run_due()
