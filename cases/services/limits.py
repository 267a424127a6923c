"""The consumer limits of the reference (3.1 and 12, the "unified consumer" properties): at most
CONSUMER_MAX_NEW_CASES_DAILY new cases in any 24 hours, CONSUMER_MAX_COMMENTS_PER_CASE_DAILY
comments on one case in any 24 hours, and CONSUMER_MAX_ATTACHMENTS_PER_RECORD attachments on one
case. They apply to consumers (B2C people with the consumer role) only: the reference names them
consumer properties, and contacts of accounts are governed by their account's contract.

Checked inside the services that create cases, comments and attachments, so the API, the portal
and inbound email refuse the same thing the same way (`LimitExceeded`: 429). Rolling 24-hour
windows (not calendar days, which would depend on a time zone). The counts are read without a
lock: two requests racing at the very limit can both pass, which is acceptable for an abuse
guard and cheaper than serialising every comment of a consumer."""
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from cases.choices import EventKind
from cases.models import Case, CaseAttachment, CaseEvent
from core.exceptions import LimitExceeded
from users.roles import user_roles

__all__ = ["limit_check_new_case", "limit_check_comment", "limit_check_attachment", "limits_apply_to"]

DAY = timedelta(hours=24)


def limits_apply_to(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and "consumer" in user_roles(actor))


def limit_check_new_case(actor) -> None:
    limit = settings.CONSUMER_MAX_NEW_CASES_DAILY
    if not limit or not limits_apply_to(actor):
        return
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
    if CaseAttachment.objects.filter(case=case, uploaded_by=actor)[:limit].count() >= limit:
        raise LimitExceeded(f"{case.number} already has {limit} of your attachments, the most allowed.", limit=limit)
