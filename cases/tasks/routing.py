"""Routing's periodic work: time out due offers and offer their cases to the next agent."""
from celery import shared_task


@shared_task(acks_late=True)
def expire_case_offers_task() -> int:
    """The beat scan (every 15 s). Driven by the offers' due times through the (state,
    expires_at) index, not by countdown messages: a lost or duplicated message, a broker outage or
    a worker killed mid-scan only delays timeouts; each offer times out once (row lock, skip
    locked, state re-checked). Returns how many offers timed out."""
    from cases.services.routing import case_offers_expire_due

    return case_offers_expire_due()
