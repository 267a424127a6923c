"""Who hears about a change to a case, and what each audience may read about it.

The services call one function per change (`notify_case_comment`, `notify_case_transition`, ...)
inside their transaction, after the change is saved; the outbox rows commit with the change (or
roll back with it) and each carries a dedupe key, so a retried change never sends twice.

- The **customer side** of a case: its contact or consumer, its related parties (authorized and
  listed contacts and consumers) and the external users on its watch list. They get the customer
  template, rendered from `customer_case_context`: customer-visible data only.
- The **internal side**: the assignee, internal watch-list users and contributors. They get the
  internal template (`internal_case_context`, work notes included where the event has one).
- The author of the change is never told of it (notifications.services.notification_fanout).
- A work note only ever reaches the internal side.
- Messages about a case thread under `<case-CS0000001@NOTIFICATION_MESSAGE_ID_DOMAIN>`, with the
  number in the subject.

The functions read the caller's case instance (just saved, so current): the relations the
service already holds cost nothing, the others load lazily, one small query each. One wide
select_related re-read was slower: PostgreSQL spends ~8 ms planning a nine-table join.
"""
import datetime

from django.conf import settings

from cases.choices import Actor, Priority, StateCategory
from cases.models import Case, CaseEvent, CaseRelatedParty, CaseTypeField, PartyType
from cases.selectors import lifecycle_state_labels_of
from core.choices import Channel
from notifications.choices import Audience
from notifications.services import Recipient, notification_fanout
from users.permissions import is_internal

__all__ = [
    "case_thread", "customer_case_context", "internal_case_context", "customer_side", "internal_side",
    "notify_case_created", "notify_case_assigned", "notify_case_comment", "notify_case_work_note",
    "notify_case_transition", "notify_auto_close_reminder", "party_recipient", "sla_case_context",
]
SYSTEM_AUTHOR = ""  # templates say "Support" / "The system" for it
TRANSITION_EVENTS = {
    StateCategory.AWAITING: "case.info_requested",
    StateCategory.RESOLVED: "case.solution_proposed",
    StateCategory.CLOSED: "case.closed",
    StateCategory.CANCELLED: "case.cancelled",
}


def case_thread(case: Case) -> str:
    return f"case-{case.number}"


def _when(value: datetime.datetime | None) -> str:
    return f"{value.astimezone(datetime.UTC):%Y-%m-%d %H:%M} UTC" if value else ""


def _name(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return SYSTEM_AUTHOR
    return user.get_full_name() or user.username




def _state_label(case: Case) -> str:
    """The label of the case's state in its lifecycle (read once per state per instance)."""
    cached = getattr(case, "_notify_state_label", None)
    if cached is not None and cached[0] == case.state:
        return cached[1]
    label = lifecycle_state_labels_of(case.lifecycle_id).get(case.state) or case.state.replace("_", " ").capitalize()
    case._notify_state_label = (case.state, label)
    return label


def _fields(case: Case, *, customer: bool) -> list[dict]:
    """The case type's extra fields with a value (customers: the customer-visible ones)."""
    if not case.case_type_id or not case.extra:
        return []
    cached = getattr(case, "_notify_fields", None)
    if cached is None or cached[0] != case.case_type_id:
        cached = case._notify_fields = (case.case_type_id, list(CaseTypeField.objects.filter(case_type_id=case.case_type_id)))
    return [
        {"label": f.label, "value": str(case.extra[f.name])}
        for f in cached[1]
        if f.name in case.extra and (f.customer_visible or not customer)
    ]


# --- contexts: plain data per audience ------------------------------------------------------------
def customer_case_context(case: Case) -> dict:
    """What a customer may read about the case: the fields the customer API shows, nothing more."""
    return {
        "number": case.number,
        "short_description": case.short_description,
        "description": case.description,
        "state": _state_label(case),
        "priority": Priority(case.priority).label,
        "product": case.product.name if case.product_id else "",
        "account": case.account.name if case.account_id else "",
        "contact": str(case.contact or case.consumer or ""),
        "opened_at": _when(case.opened_at),
        "resolution_code": _resolution_label(case.resolution_code),
        "close_notes": case.close_notes,
        "fields": _fields(case, customer=True),
        "url": settings.SITE_URL + settings.PORTAL_CASE_URL_PATH.format(number=case.number),
    }


def internal_case_context(case: Case) -> dict:
    return {
        **customer_case_context(case),
        "url": f"{settings.SITE_URL}/cases/{case.number}/",
        "contact": str(case.contact) if case.contact_id else "",
        "consumer": str(case.consumer) if case.consumer_id else "",
        "channel": Channel(case.channel).label if case.channel in Channel.values else case.channel,
        "assignment_group": case.assignment_group.name if case.assignment_group_id else "",
        "assigned_to": _name(case.assigned_to) if case.assigned_to_id else "",
        "needs_attention": case.needs_attention,
        "sla_due": _when(case.sla_due),
        "fields": _fields(case, customer=False),
    }


def sla_case_context(case: Case) -> dict:
    """The lean internal context of the SLA scan: only what its query already loaded."""
    return {
        "number": case.number,
        "short_description": case.short_description,
        "priority": Priority(case.priority).label,
        "assignment_group": case.assignment_group.name if case.assignment_group_id else "",
        "assigned_to": _name(case.assigned_to) if case.assigned_to_id else "",
        "url": f"{settings.SITE_URL}/cases/{case.number}/",
    }


def _resolution_label(code: str) -> str:
    from cases.choices import ResolutionCode

    return ResolutionCode(code).label if code in ResolutionCode.values else code


# --- recipients -----------------------------------------------------------------------------------
def party_recipient(party) -> Recipient | None:
    """A contact or consumer: through their login when they have an active one, else their address."""
    if party is None or not party.active:
        return None
    user = party.user
    if user is not None and user.is_active:
        return Recipient(Audience.CUSTOMER, user=user, address=user.email or party.email)
    return Recipient(Audience.CUSTOMER, address=party.email) if party.email else None


def _watchers(case: Case) -> list:
    """Active watch-list users with their role groups (one query, plus one when there are any;
    none when the caller's read of the case found it has no watchers: `has_watchers`)."""
    if getattr(case, "has_watchers", True) is False:
        return []
    return list(case.watch_list.filter(is_active=True).prefetch_related("groups"))


def _parties(case: Case) -> list[CaseRelatedParty]:
    if getattr(case, "has_parties", True) is False:  # the caller's read found none (see _watchers)
        return []
    return list(CaseRelatedParty.objects.filter(case=case).select_related("contact__user", "consumer__user", "user"))


def customer_side(case: Case, watchers: list | None = None, parties: list | None = None) -> list[Recipient]:
    people = [party_recipient(case.contact or case.consumer)]
    parties = _parties(case) if parties is None else parties
    people += [party_recipient(p.contact or p.consumer) for p in parties if p.party_type != PartyType.CONTRIBUTOR]
    watchers = _watchers(case) if watchers is None else watchers
    people += [Recipient(Audience.CUSTOMER, user=u) for u in watchers if not is_internal(u)]
    return [p for p in people if p is not None]


def internal_side(case: Case, watchers: list | None = None, parties: list | None = None) -> list[Recipient]:
    people = []
    if case.assigned_to_id and case.assigned_to.is_active:
        people.append(Recipient(Audience.INTERNAL, user=case.assigned_to))
    watchers = _watchers(case) if watchers is None else watchers
    people += [Recipient(Audience.INTERNAL, user=u) for u in watchers if is_internal(u)]
    parties = _parties(case) if parties is None else parties
    people += [
        Recipient(Audience.INTERNAL, user=p.user)
        for p in parties
        if p.party_type == PartyType.CONTRIBUTOR and p.user.is_active
    ]
    return people


def _everyone(case: Case) -> list[Recipient]:
    watchers, parties = _watchers(case), _parties(case)
    return customer_side(case, watchers, parties) + internal_side(case, watchers, parties)


def _send(event: str, case: Case, recipients: list[Recipient], *, author, dedupe: str,
          customer: dict | None = None, internal: dict | None = None, author_address: str = "") -> list:
    """`customer` / `internal`: the event's own variables for each audience (None: that audience
    gets nothing). The customer's must be customer-visible data."""
    contexts = {}
    if customer is not None:
        contexts[Audience.CUSTOMER] = lambda: {"case": customer_case_context(case), **customer}
    if internal is not None:
        contexts[Audience.INTERNAL] = lambda: {"case": internal_case_context(case), **internal}
    return notification_fanout(
        event=event, recipients=recipients, contexts=contexts, dedupe=dedupe, author=author, related=case,
        thread=case_thread(case), subject_tag=case.number, author_address=author_address,
    )


# --- one function per change ----------------------------------------------------------------------
def notify_case_created(case: Case, actor) -> list:
    """The customer side learns of a case someone else opened for them."""
    # A case this young has no related parties or watchers yet: its contact or consumer only.
    recipients = customer_side(case, watchers=[], parties=[])
    return _send("case.created", case, recipients, author=actor, dedupe=f"case:{case.pk}:created",
                 customer={"author": _name(actor)})


def notify_case_assigned(case: Case, actor) -> list:
    """The new assignee, unless they assigned it to themselves."""
    if not case.assigned_to_id or not case.assigned_to.is_active:
        return []
    return _send("case.assigned", case, [Recipient(Audience.INTERNAL, user=case.assigned_to)], author=actor,
                 dedupe=f"case:{case.pk}:v{case.version}:assigned", internal={"author": _name(actor)})


def notify_case_comment(case: Case, entry: CaseEvent, actor, sender=None) -> list:
    """A customer-visible comment: the customer side and the internal side, not its author (a
    `sender` who wrote by mail is left out by login and by address: no echo of their own mail)."""
    shared = {"author": str(sender) if sender is not None else _name(actor), "comment": entry.body}
    return _send("case.commented", case, _everyone(case), author=actor, dedupe=f"case-event:{entry.pk}",
                 customer=shared, internal=shared, author_address=getattr(sender, "email", "") or "")


def notify_case_work_note(case: Case, entry: CaseEvent, actor) -> list:
    """A work note: the internal side only. Never a customer."""
    return _send("case.work_noted", case, internal_side(case), author=actor, dedupe=f"case-event:{entry.pk}",
                 internal={"author": _name(actor), "work_note": entry.body})


def notify_case_transition(case: Case, actor, *, kind: str, old_category: str, state_event: CaseEvent,
                           comment: str = "", work_note: str = "") -> list:
    """A lifecycle action. Awaiting info, resolved, closed and cancelled have their own message;
    leaving resolved for work again is "reopened"; any other action that carried a comment is
    sent as a comment. The customer's answer to a request for info sends nothing more here (its
    comment was sent already), nor does an agent taking or accepting a case."""
    target = case.state_category
    if old_category == StateCategory.RESOLVED and target in (StateCategory.NEW, StateCategory.OPEN):
        event = "case.reopened"
    else:
        event = TRANSITION_EVENTS.get(target) if target != old_category else None
    if event is None:
        if not comment:
            return []
        event = "case.commented"
    customer = {"author": _name(actor), "comment": comment}
    if event == "case.solution_proposed":
        customer["auto_close_days"] = settings.AUTO_CLOSE_DAYS if settings.AUTO_CLOSE_ENABLED else 0
    internal = {"author": _name(actor), "comment": comment, "work_note": work_note if kind == Actor.AGENT else ""}
    return _send(event, case, _everyone(case), author=actor, dedupe=f"case-event:{state_event.pk}",
                 customer=customer, internal=internal)


def notify_auto_close_reminder(case: Case, *, reminder: str) -> list:
    """Auto-close day 5: the customer side (mandatory), once per resolution."""
    days = max(0, settings.AUTO_CLOSE_DAYS - settings.AUTO_CLOSE_REMINDER_DAYS)
    return _send(
        "case.auto_close_reminder", case, customer_side(case), author=None,
        dedupe=f"case-auto-close-reminder:{case.pk}:{case.resolved_at.isoformat()}",
        customer={"days_left": days, "reminder": reminder},
    )
