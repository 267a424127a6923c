"""Who hears about a case or an account from the auto-close and escalation services: the outbox
(`notifications.services.notification_enqueue`) needs a user or an address."""
from cases.models import Case


def party_recipient(party) -> dict:
    """notification_enqueue's recipient arguments for a contact or consumer ({} when unreachable)."""
    if party is None:
        return {}
    user = getattr(party, "user", None)
    if user is not None:
        address = user.email or party.email
        return {"recipient": user, "to_address": address} if address else {}
    return {"to_address": party.email} if party.email else {}


def case_customer_recipient(case: Case) -> dict:
    return party_recipient(case.contact or case.consumer)


def account_customer_recipient(account) -> dict:
    return party_recipient(account.primary_contact if account is not None else None)
