"""The consumer limits of the reference (3.1 and 12, the "unified consumer" properties): at most
CONSUMER_MAX_NEW_CASES_DAILY new cases in any 24 hours, CONSUMER_MAX_COMMENTS_PER_CASE_DAILY
comments on one case in any 24 hours, and CONSUMER_MAX_ATTACHMENTS_PER_RECORD attachments on one
case. They apply to consumers (B2C people with the consumer role) only: the reference names them
consumer properties, and contacts of accounts are governed by their account's contract.

One bound applies to the whole customer side, whoever writes (issue 14: a known contact's address
mailed 2,000 files into one case): at most CUSTOMER_MAX_ATTACHMENTS_PER_CASE files from the
customer side on one case (contacts, consumers, customer admins, partners, senders of inbound
mail without a login; agents' files do not count). It is checked under the case's row lock, which
`attachment_add` holds, so two uploads cannot both pass at the limit.

Checked inside the services that create cases, comments and attachments, so the API, the portal
and inbound email refuse the same thing the same way (`LimitExceeded`: 429). Rolling 24-hour
windows (not calendar days, which would depend on a time zone).

No race at the limit: before counting, each check locks the consumer's own user row
(`select_for_update`) in the caller's transaction, so a person's requests that count against a
limit run one after the other and the second of two racing requests counts the first one's row.
It costs one indexed row lock, taken only for consumers (the people limits apply to); other
people's requests never wait on it. The services that call these checks are atomic, so the lock
is held until their row is committed."""
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cases.choices import EventKind
from cases.models import Case, CaseAttachment, CaseEvent
from core.exceptions import LimitExceeded
from users.models import User
from users.roles import INTERNAL_ROLES, user_roles

__all__ = [
    "limit_check_new_case", "limit_check_comment", "limit_check_attachment", "limit_check_customer_attachments",
    "limits_apply_to",
]

DAY = timedelta(hours=24)


def limits_apply_to(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and "consumer" in user_roles(actor))


def _serialize_per_person(actor) -> None:
    """Lock the actor's user row until the caller's transaction ends (see the module's doc)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The consumer limits are checked inside the service's transaction.")
    User.objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True).first()


def limit_check_new_case(actor) -> None:
    limit = settings.CONSUMER_MAX_NEW_CASES_DAILY
    if not limit or not limits_apply_to(actor):
        return
    _serialize_per_person(actor)
    recent = Case.objects.filter(opened_by=actor, opened_at__gte=timezone.now() - DAY)[:limit].count()
    if recent >= limit:
        raise LimitExceeded(
            f"You have opened {limit} cases in the last 24 hours, the most allowed. "
            "Add to one of your open cases, or try again tomorrow.",
            limit=limit,
        )


def limit_check_comment(actor, case: Case) -> None:
    limit = settings.CONSUMER_MAX_COMMENTS_PER_CASE_DAILY
    if not limit or not limits_apply_to(actor):
        return
    _serialize_per_person(actor)
    recent = CaseEvent.objects.filter(
        case=case, kind=EventKind.COMMENT, author=actor, created_at__gte=timezone.now() - DAY
    )[:limit].count()
    if recent >= limit:
        raise LimitExceeded(
            f"You have added {limit} comments to {case.number} in the last 24 hours, the most allowed. "
            "Try again tomorrow.",
            limit=limit,
        )


def limit_check_attachment(actor, case: Case) -> None:
    limit = settings.CONSUMER_MAX_ATTACHMENTS_PER_RECORD
    if not limit or not limits_apply_to(actor):
        return
    _serialize_per_person(actor)
    if CaseAttachment.objects.filter(case=case, uploaded_by=actor)[:limit].count() >= limit:
        raise LimitExceeded(f"{case.number} already has {limit} of your attachments, the most allowed.", limit=limit)


def limit_check_customer_attachments(case: Case) -> None:
    """The customer side's files on one case (see the module's doc). Call with the case locked."""
    limit = settings.CUSTOMER_MAX_ATTACHMENTS_PER_CASE
    if not limit:
        return
    internal = User.objects.filter(Q(is_superuser=True) | Q(groups__name__in=INTERNAL_ROLES)).values("pk")
    customer_side = CaseAttachment.objects.filter(case=case).exclude(uploaded_by__in=internal)
    if customer_side[:limit].count() >= limit:
        raise LimitExceeded(
            f"{case.number} already has {limit} files from the customer side, the most allowed. "
            "Send a link, or ask the agent to remove some.",
            limit=limit,
        )
