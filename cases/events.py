"""The only writer of CaseEvent: every change to a case leaves its line on the timeline."""
from django.utils import timezone

from cases.choices import CUSTOMER_VISIBLE_FIELDS, EventKind
from cases.models import Case, CaseEvent


def case_event_record(
    *,
    case: Case,
    kind: str,
    actor=None,
    body: str = "",
    field: str = "",
    old: str = "",
    new: str = "",
    customer_visible: bool | None = None,
    followup: bool = False,
) -> CaseEvent:
    """`followup=True`: the event carries work to do after commit (cases.services.followups)."""
    if customer_visible is None:
        customer_visible = kind in (EventKind.CREATED, EventKind.COMMENT, EventKind.STATE_CHANGED, EventKind.ATTACHMENT) or (
            kind == EventKind.FIELD_CHANGED and field in CUSTOMER_VISIBLE_FIELDS
        )
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        author=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=timezone.now(),
        body=body,
        field=field,
        old=old,
        new=new,
        customer_visible=customer_visible,
        followup_pending=followup,
    )
