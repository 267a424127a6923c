"""Every write to interactions (reference 4). Each service locks the interaction row, checks the
state before the caller's right (an action not allowed now is 409 naming the allowed ones, as
cases do), transitions, saves and writes the transcript's system line.

Channel intake (chat and telephony systems, `interactions.intake_interaction`):
- `interaction_open`: idempotent per (source, external id); the caller is identified by the
  contact or consumer id, or by a unique match of the email address or phone number given.
  With an agent named it opens in progress (the call is connected); with a group it waits in the
  group's queue (on hold); otherwise it is new.
- `interaction_message_append`: idempotent per message id. A customer message to a closed
  interaction opens a follow-up interaction linked to the closed one (its parent), or goes to
  the follow-up already open (reference 4: a reply to a closed interaction).
- `interaction_end`: complete (in progress -> wrap up; waiting -> closed complete) or abandoned
  (-> closed abandoned). Ending an interaction that has already ended changes nothing.

Agents: accept, hold (back to a queue), wrap up, close, work notes, create a case from it (the
case is opened through `cases.services.case_create`, the transcript copied as a work note, the
interaction linked and closed complete), link it to an existing case (an email interaction must
be closed complete first; `close=True` closes it in the same step).
"""
import datetime
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from cases import services as case_services
from cases.models import Case
from core.exceptions import Conflict, InvalidTransition
from core.numbers import number_next
from customers.models import Consumer, Contact
from interactions import permissions
from interactions.choices import (
    CASE_CHANNEL,
    OPEN_STATES,
    WAITING_STATES,
    EndOutcome,
    EntryKind,
    InteractionState,
    InteractionType,
    WrapUpCode,
)
from interactions.models import Interaction, InteractionEntry, InteractionRelatedRecord
from users.models import AssignmentGroup

__all__ = [
    "interaction_allowed_actions", "interaction_open", "interaction_message_append", "interaction_end",
    "interaction_accept", "interaction_hold", "interaction_wrap_up", "interaction_close",
    "interaction_work_note_add", "interaction_create_case", "interaction_link_case",
    "interaction_inactivity_close_scan", "identify_caller",
]
S = InteractionState
TRANSCRIPT_COPY_LIMIT = 500  # messages copied into a new case's work note
CASE_FIELDS = (
    "description", "category", "priority", "impact", "urgency", "case_type", "product", "asset",
    "assignment_group", "assigned_to", "account", "contact", "consumer", "channel",
)


def _who(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "the system"
    return actor.get_full_name() or actor.username


def _lock(interaction: Interaction) -> Interaction:
    return (
        Interaction.objects.select_for_update(of=("self",))
        .select_related("assigned_to", "assignment_group").get(pk=interaction.pk)
    )


def _save(interaction: Interaction) -> None:
    try:
        interaction.save()
    except ConcurrentTransition:
        raise Conflict(f"{interaction.number} changed meanwhile; reload it.") from None


def _entry(interaction: Interaction, kind: str, body: str, *, author=None, author_name: str = "",
           at: datetime.datetime | None = None, external_id: str = "") -> InteractionEntry:
    return InteractionEntry.objects.create(
        interaction=interaction, kind=kind, body=body, author=author if getattr(author, "pk", None) else None,
        author_name=author_name[:200], created_at=at or timezone.now(), external_id=external_id[:200],
    )


def _touch(interaction: Interaction, at: datetime.datetime) -> None:
    """Activity without a transition (a message, a note): a queryset update, so a concurrent
    transition on another connection is never overwritten by a stale save."""
    Interaction.objects.filter(pk=interaction.pk).update(last_activity_at=at, updated_at=at)
    interaction.last_activity_at = at


# --- what the caller may do now ------------------------------------------------------------------
def interaction_allowed_actions(interaction: Interaction, user) -> list[str]:
    state = interaction.state
    waiting, is_open = state in WAITING_STATES, state in OPEN_STATES
    take, handle = permissions.can_take(user, interaction), permissions.can_handle(user, interaction)
    works = take if waiting else handle
    allowed = []
    if waiting and take:
        allowed += ["accept", "close"]
    if state == S.NEW and take:
        allowed.append("hold")
    if state == S.WORK_IN_PROGRESS and handle:
        allowed += ["hold", "wrap-up", "close"]
    if state == S.WRAP_UP and handle:
        allowed.append("close")
    if is_open and works and user.has_perm("cases.add_case"):
        allowed.append("create-case")
    if is_open and works:
        allowed.append("link-case")
    elif not is_open and permissions.can_work_interactions(user):
        if interaction.type != InteractionType.EMAIL or state == S.CLOSED_COMPLETE:
            allowed.append("link-case")
    if take or handle:
        allowed.append("work-note")
    return sorted(set(allowed))


def _refuse_unless(interaction: Interaction, action: str, actor, ok: bool) -> None:
    if not ok:
        raise InvalidTransition(
            action=action, state=interaction.state, allowed=interaction_allowed_actions(interaction, actor)
        )


def _require_works(actor, interaction: Interaction) -> None:
    if actor is None:
        return
    if interaction.state in WAITING_STATES:
        permissions.require_can_take(actor, interaction)
    else:
        permissions.require_can_handle(actor, interaction)


# --- intake --------------------------------------------------------------------------------------
_DIGITS = re.compile(r"\D+")


def _phone_variants(phone: str) -> list[str]:
    """How a number may be stored: as given, digits only, with a leading + (no phone index:
    contacts are few next to cases, and this runs once per call)."""
    phone = (phone or "").strip()
    digits = _DIGITS.sub("", phone)
    return sorted({v for v in (phone, digits, f"+{digits}" if digits else "") if v})


def identify_caller(*, email: str = "", phone: str = "") -> dict:
    """{"contact": ...} or {"consumer": ...} when exactly one active person matches the email
    address (first) or the phone number; {} when none or several do (ambiguous: an agent decides)."""
    email = (email or "").strip()
    tries = []
    if email:
        tries.append(Q(email__iexact=email))
    variants = _phone_variants(phone)
    if variants:
        tries.append(Q(phone__in=variants))
    for condition in tries:
        contacts = list(Contact.objects.filter(condition, active=True).select_related("account", "user")[:2])
        consumers = list(Consumer.objects.filter(condition, active=True).select_related("user")[:2])
        if len(contacts) + len(consumers) == 1:
            return {"contact": contacts[0]} if contacts else {"consumer": consumers[0]}
        if contacts or consumers:
            return {}
    return {}


def _party(contact, consumer, account, identified: dict) -> tuple:
    contact = contact or identified.get("contact")
    consumer = consumer or identified.get("consumer")
    if contact is not None and consumer is not None:
        raise ValidationError({"consumer": "An interaction is with a contact or a consumer, not both."})
    if contact is not None:
        if account is not None and account.pk != contact.account_id:
            raise ValidationError({"contact": f"{contact} is not a contact of {account.number}."})
        account = contact.account
    if consumer is not None and account is not None:
        raise ValidationError({"account": "A consumer has no account."})
    return contact, consumer, account


def _default_subject(kind: str, message: str, name: str, address: str) -> str:
    first_line = next((line.strip() for line in (message or "").splitlines() if line.strip()), "")
    if first_line:
        return first_line[:160]
    who = name or address
    label = InteractionType(kind).label
    return f"{label} with {who}"[:160] if who else label


def _check_agent(agent, field: str = "assigned_to") -> None:
    if agent is not None and not permissions.can_work_interactions(agent):
        raise ValidationError({field: f"{agent.username} does not work interactions."})


@transaction.atomic
def interaction_open(
    *,
    actor,
    type: str,
    short_description: str = "",
    source: str = "",
    external_id: str = "",
    email: str = "",
    phone: str = "",
    name: str = "",
    contact: Contact | None = None,
    consumer: Consumer | None = None,
    account=None,
    assignment_group: AssignmentGroup | None = None,
    assigned_to=None,
    message: str = "",
    message_id: str = "",
) -> tuple[Interaction, bool]:
    """Open an interaction from a channel (or an agent logging one). Returns (interaction,
    created): a second open with the same source and external id returns the first one."""
    if actor is not None:
        permissions.require_can_intake(actor)
    if type not in InteractionType.values:
        raise ValidationError({"type": f"One of {', '.join(InteractionType.values)}."})
    source, external_id = (source or "").strip()[:50], (external_id or "").strip()[:200]
    if external_id and not source:
        raise ValidationError({"source": "Name the channel system that owns the external id."})
    if external_id:
        existing = Interaction.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing, False
    if assignment_group is not None and not assignment_group.active:
        raise ValidationError({"assignment_group": f"{assignment_group} is not active."})
    _check_agent(assigned_to)
    identified = {} if (contact or consumer) else identify_caller(email=email, phone=phone)
    contact, consumer, account = _party(contact, consumer, account, identified)
    now = timezone.now()
    person = contact or consumer
    interaction = Interaction(
        type=type,
        short_description=(short_description or "").strip()[:160] or _default_subject(type, message, name, email or phone),
        source=source, external_id=external_id, contact=contact, consumer=consumer, account=account,
        opened_for=getattr(person, "user", None) if person is not None else None,
        caller_name=(name or (str(person) if person else ""))[:200], caller_address=(email or phone or "").strip()[:254],
        assignment_group=assignment_group, opened_at=now, queued_at=now, last_activity_at=now,
        opened_by=actor if getattr(actor, "pk", None) else None,
        state=S.NEW,  # a protected FSM field may be set once, when the row is built
    )
    interaction.number = number_next("IMS")
    try:
        with transaction.atomic():
            interaction.save()
    except IntegrityError:
        if not external_id:
            raise
        existing = Interaction.objects.filter(source=source, external_id=external_id).first()
        if existing is None:
            raise
        return existing, False  # a concurrent open of the same conversation won
    channel = f"{interaction.get_type_display().lower()}" + (f" ({source})" if source else "")
    who = str(person) if person else (name or email or phone or "an unidentified caller")
    _entry(interaction, EntryKind.SYSTEM, f"Opened: {channel} with {who}.", at=now)
    if (message or "").strip():
        _entry(interaction, EntryKind.CUSTOMER, message.strip(), author=getattr(person, "user", None),
               author_name=who, at=now, external_id=message_id or "")
    if assigned_to is not None:
        interaction.accept(by=assigned_to, at=now)
        _save(interaction)
        _entry(interaction, EntryKind.SYSTEM, f"Connected to {_who(assigned_to)}.", at=now)
    elif assignment_group is not None:
        interaction.hold(at=now)
        _save(interaction)
        _entry(interaction, EntryKind.SYSTEM, f"Waiting in the {assignment_group} queue.", at=now)
    return interaction, True


def _open_follow_up(parent: Interaction) -> Interaction | None:
    return parent.follow_ups.filter(state__in=OPEN_STATES).order_by("-opened_at", "-id").first()


def _follow_up(parent: Interaction, actor, now) -> Interaction:
    """A reply after the interaction closed: a new interaction continuing it (same channel, person
    and queue). It joins the case its parent was about when exactly one of those is still open."""
    child = Interaction(
        type=parent.type, short_description=parent.short_description, source=parent.source,
        contact=parent.contact, consumer=parent.consumer, account=parent.account, opened_for=parent.opened_for,
        caller_name=parent.caller_name, caller_address=parent.caller_address, assignment_group=parent.assignment_group,
        parent=parent, opened_at=now, queued_at=now, last_activity_at=now,
        opened_by=actor if getattr(actor, "pk", None) else None, state=S.NEW,
    )
    child.number = number_next("IMS")
    child.save()
    _entry(child, EntryKind.SYSTEM, f"Opened: a reply after {parent.number} was closed.", at=now)
    open_cases = [
        record.case for record in parent.related_records.select_related("case")
        if not record.case.is_read_only
    ]
    if len(open_cases) == 1:
        InteractionRelatedRecord.objects.create(interaction=child, case=open_cases[0], created_at=now)
        _entry(child, EntryKind.SYSTEM, f"Linked to case {open_cases[0].number}, which {parent.number} was about.", at=now)
    if parent.assignment_group_id:
        child.hold(at=now)
        _save(child)
    return child


@transaction.atomic
def interaction_message_append(
    *,
    actor,
    interaction: Interaction,
    body: str,
    kind: str = EntryKind.CUSTOMER,
    author=None,
    author_name: str = "",
    external_id: str = "",
) -> tuple[InteractionEntry, Interaction, bool]:
    """Append a message of the conversation. Returns (entry, the interaction it went to, whether
    it was recorded now: False for a message id already recorded)."""
    if actor is not None:
        permissions.require_can_intake(actor)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "The message is empty."})
    if kind not in (EntryKind.CUSTOMER, EntryKind.AGENT, EntryKind.SYSTEM):
        raise ValidationError({"kind": "One of customer, agent, system."})
    if author is not None and kind == EntryKind.AGENT:
        _check_agent(author, "author")
    external_id = (external_id or "").strip()[:200]
    interaction = _lock(interaction)
    now = timezone.now()
    target = interaction
    if interaction.is_closed:
        follow_up = _open_follow_up(interaction)
        if follow_up is not None:
            follow_up = _lock(follow_up)
        if external_id:  # a channel's retry of a message already recorded here or on the follow-up
            for candidate in (interaction, follow_up):
                seen = candidate.entries.filter(external_id=external_id).first() if candidate else None
                if seen is not None:
                    return seen, candidate, False
        if kind != EntryKind.CUSTOMER:
            raise InvalidTransition(action="append", state=interaction.state, allowed=[])
        target = follow_up if follow_up is not None else _follow_up(interaction, actor, now)
    elif external_id:
        seen = interaction.entries.filter(external_id=external_id).first()
        if seen is not None:
            return seen, interaction, False
    if kind == EntryKind.CUSTOMER and not author_name:
        person = target.contact or target.consumer
        author_name = str(person) if person else target.caller_name
    entry = _entry(target, kind, body, author=author, author_name=author_name, at=now, external_id=external_id)
    _touch(target, now)
    return entry, target, True


@transaction.atomic
def interaction_end(*, actor, interaction: Interaction, outcome: str, reason: str = "") -> Interaction:
    """The channel says the conversation is over. Complete: in progress -> wrap up (the agent
    finishes the after-contact work and closes), waiting -> closed complete. Abandoned: ->
    closed abandoned. An interaction already ended is returned unchanged (channels retry)."""
    if actor is not None:
        permissions.require_can_intake(actor)
    if outcome not in EndOutcome.values:
        raise ValidationError({"outcome": f"One of {', '.join(EndOutcome.values)}."})
    interaction = _lock(interaction)
    now = timezone.now()
    reason = (reason or "").strip()[:200]
    if outcome == EndOutcome.ABANDONED and can_proceed(interaction.abandon):
        interaction.abandon(by=None, at=now, reason=reason or "The customer disconnected.")
        text = "Abandoned: " + (reason or "the customer disconnected or stopped answering.")
    elif outcome == EndOutcome.COMPLETE and interaction.state == S.WORK_IN_PROGRESS:
        interaction.start_wrap_up(at=now)
        text = "The conversation ended; wrap up." + (f" {reason}" if reason else "")
    elif outcome == EndOutcome.COMPLETE and interaction.state in WAITING_STATES:
        interaction.close(by=None, at=now, reason=reason or "Ended by the channel before an agent took it.")
        text = "Closed complete: the conversation ended before an agent took it." + (f" {reason}" if reason else "")
    else:
        return interaction  # already ended
    interaction.last_activity_at = now
    _save(interaction)
    _entry(interaction, EntryKind.SYSTEM, text, at=now)
    return interaction


# --- agents --------------------------------------------------------------------------------------
@transaction.atomic
def interaction_accept(*, actor, interaction: Interaction) -> Interaction:
    interaction = _lock(interaction)
    _refuse_unless(interaction, "accept", actor, can_proceed(interaction.accept))
    permissions.require_can_take(actor, interaction)
    now = timezone.now()
    interaction.accept(by=actor, at=now)
    interaction.last_activity_at = now
    _save(interaction)
    _entry(interaction, EntryKind.SYSTEM, f"Accepted by {_who(actor)}.", at=now)
    return interaction


@transaction.atomic
def interaction_hold(
    *, actor, interaction: Interaction, assignment_group: AssignmentGroup | None = None, reason: str = ""
) -> Interaction:
    """Put it in a queue to wait for an agent: a new one into its (or the given) group's queue,
    one in progress back from its agent (a transfer, when another group is given)."""
    interaction = _lock(interaction)
    _refuse_unless(interaction, "hold", actor, can_proceed(interaction.hold))
    _require_works(actor, interaction)
    if assignment_group is not None and not assignment_group.active:
        raise ValidationError({"assignment_group": f"{assignment_group} is not active."})
    now = timezone.now()
    released = interaction.assigned_to
    interaction.hold(at=now, assignment_group=assignment_group)
    interaction.last_activity_at = now
    _save(interaction)
    queue = f"the {interaction.assignment_group} queue" if interaction.assignment_group_id else "the queue"
    text = f"Returned to {queue} by {_who(actor)}." if released else f"Put in {queue} by {_who(actor)}."
    reason = (reason or "").strip()
    _entry(interaction, EntryKind.SYSTEM, text + (f" {reason}" if reason else ""), at=now)
    return interaction


def _code(code: str) -> str:
    code = (code or "").strip()
    if code and code not in WrapUpCode.values:
        raise ValidationError({"wrap_up_code": f"One of {', '.join(WrapUpCode.values)}."})
    return code


@transaction.atomic
def interaction_wrap_up(*, actor, interaction: Interaction, wrap_up_code: str = "", notes: str = "") -> Interaction:
    interaction = _lock(interaction)
    _refuse_unless(interaction, "wrap-up", actor, can_proceed(interaction.start_wrap_up))
    permissions.require_can_handle(actor, interaction)
    now = timezone.now()
    interaction.start_wrap_up(at=now, code=_code(wrap_up_code), notes=(notes or "").strip())
    interaction.last_activity_at = now
    _save(interaction)
    _entry(interaction, EntryKind.SYSTEM, f"Wrap up started by {_who(actor)}.", at=now)
    return interaction


def _close(interaction: Interaction, actor, now, *, code: str, notes: str = "", reason: str = "") -> None:
    if interaction.state in WAITING_STATES:
        interaction.accept(by=actor, at=now)  # whoever closes it unanswered handled it
    interaction.close(by=actor, at=now, code=code, notes=notes, reason=reason)
    interaction.last_activity_at = now


@transaction.atomic
def interaction_close(*, actor, interaction: Interaction, wrap_up_code: str = "", notes: str = "") -> Interaction:
    """Closed complete. From wrap up a wrap-up code is required (given now or when wrap up began)."""
    interaction = _lock(interaction)
    _refuse_unless(interaction, "close", actor, can_proceed(interaction.close))
    _require_works(actor, interaction)
    code = _code(wrap_up_code)
    if interaction.state == S.WRAP_UP and not (code or interaction.wrap_up_code):
        raise ValidationError({"wrap_up_code": "Choose a wrap-up code to close the wrap up."})
    now = timezone.now()
    _close(interaction, actor, now, code=code, notes=(notes or "").strip())
    _save(interaction)
    _entry(interaction, EntryKind.SYSTEM, f"Closed complete by {_who(actor)}.", at=now)
    return interaction


@transaction.atomic
def interaction_work_note_add(*, actor, interaction: Interaction, body: str) -> InteractionEntry:
    """An internal note on the interaction (never part of the conversation)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    interaction = _lock(interaction)
    permissions.require_can_note(actor, interaction)
    now = timezone.now()
    entry = _entry(interaction, EntryKind.WORK_NOTE, body, author=actor, at=now)
    _touch(interaction, now)
    return entry


def _transcript_text(interaction: Interaction) -> str:
    from interactions.selectors import interaction_transcript

    rows = list(interaction_transcript(interaction)[: TRANSCRIPT_COPY_LIMIT + 1])
    lines = []
    for entry in rows[:TRANSCRIPT_COPY_LIMIT]:
        who = entry.get_kind_display() if entry.kind == EntryKind.SYSTEM else (
            entry.author_name or (entry.author.get_full_name() if entry.author else "") or entry.get_kind_display()
        )
        lines.append(f"[{entry.created_at:%Y-%m-%d %H:%M:%S}] {who}: {entry.body}")
    if len(rows) > TRANSCRIPT_COPY_LIMIT:
        lines.append(f"… the transcript continues on {interaction.number}.")
    return "\n".join(lines)


@transaction.atomic
def interaction_create_case(*, actor, interaction: Interaction, short_description: str = "", **fields) -> Case:
    """Open a case from the interaction: prefilled with its person (contact or consumer, and
    account), the channel of its type and its subject; the conversation is copied to the case as
    a work note, the files of its inbound emails are attached (a refused one is named in a work
    note), the interaction linked to the case and closed complete."""
    refused = sorted(set(fields) - set(CASE_FIELDS))
    if refused:
        raise ValidationError({name: "Not a field of a case created from an interaction." for name in refused})
    interaction = _lock(interaction)
    _refuse_unless(interaction, "create-case", actor, interaction.state in OPEN_STATES)
    _require_works(actor, interaction)
    party = {k: v for k in ("account", "contact", "consumer") if (v := fields.pop(k, None)) is not None}
    if not party:
        party = {
            name: getattr(interaction, name)
            for name in ("contact", "consumer", "account")
            if getattr(interaction, f"{name}_id") is not None and not (name == "account" and interaction.contact_id)
        }
    group_given = "assignment_group" in fields  # None given: no group (routing decides)
    fields = {k: v for k, v in fields.items() if v not in (None, "")}
    if not group_given and interaction.assignment_group_id:
        fields["assignment_group"] = interaction.assignment_group  # the queue it came through
    channel = fields.pop("channel", None) or CASE_CHANNEL[interaction.type]
    case = case_services.case_create(
        actor=actor, short_description=(short_description or "").strip() or interaction.short_description or "(no subject)",
        channel=channel, **party, **fields,
    )
    now = timezone.now()
    transcript = _transcript_text(interaction)
    if transcript:
        case_services.case_work_note_add(
            actor=actor, case=case, body=f"Conversation of {interaction.number} ({interaction.get_type_display()}):\n{transcript}"
        )
    if interaction.type == InteractionType.EMAIL:  # its files, kept in the stored messages until now
        from interactions.services_mail import inbound_attachments_to_case

        inbound_attachments_to_case(actor=actor, interaction=interaction, case=case)
    InteractionRelatedRecord.objects.create(interaction=interaction, case=case, created_at=now, created_by=actor)
    for name in ("contact", "consumer", "account"):  # the person the agent identified, if it had none
        if getattr(interaction, f"{name}_id") is None and getattr(case, f"{name}_id") is not None:
            if not (name == "account" and interaction.consumer_id) and not (name == "consumer" and interaction.contact_id):
                setattr(interaction, name, getattr(case, name))
    if interaction.opened_for_id is None:
        person = case.contact or case.consumer
        interaction.opened_for = getattr(person, "user", None) if person else None
    _close(interaction, actor, now, code=interaction.wrap_up_code or WrapUpCode.CASE_CREATED,
           reason=f"Case {case.number} created.")
    _save(interaction)
    _entry(interaction, EntryKind.SYSTEM, f"Case {case.number} created by {_who(actor)}; the interaction is closed.", at=now)
    return case


@transaction.atomic
def interaction_link_case(*, actor, interaction: Interaction, case: Case, close: bool = False) -> InteractionRelatedRecord:
    """Link the interaction to an existing case (reference 4, "Associate Record"). An email
    interaction must be closed complete first, so one email never feeds two cases; with `close`
    an open one is closed complete (wrap-up code "linked") in the same step. Linking twice
    returns the existing link."""
    interaction = _lock(interaction)
    existing = interaction.related_records.filter(case=case).first()
    if existing is not None:
        return existing
    now = timezone.now()
    email = interaction.type == InteractionType.EMAIL
    if interaction.state in OPEN_STATES:
        if email and not close:
            exc = InvalidTransition(
                action="link-case", state=interaction.state, allowed=interaction_allowed_actions(interaction, actor)
            )
            exc.detail = (
                "An email interaction must be closed complete before it is linked to a case: close it first, "
                "or link and close it in one step."
            )
            raise exc
        _require_works(actor, interaction)
        if email:
            _close(interaction, actor, now, code=interaction.wrap_up_code or WrapUpCode.CASE_LINKED,
                   reason=f"Linked to case {case.number}.")
            _save(interaction)
            _entry(interaction, EntryKind.SYSTEM, f"Closed complete by {_who(actor)} to link it to a case.", at=now)
    else:
        if email and interaction.state != S.CLOSED_COMPLETE:
            exc = InvalidTransition(action="link-case", state=interaction.state, allowed=[])
            exc.detail = "Only a closed complete email interaction can be linked to a case; this one was abandoned."
            raise exc
        if actor is not None and not permissions.can_work_interactions(actor):
            raise PermissionDenied("Only agents link interactions to cases.")
    record = InteractionRelatedRecord.objects.create(interaction=interaction, case=case, created_at=now, created_by=actor)
    _entry(interaction, EntryKind.SYSTEM, f"Linked to case {case.number} by {_who(actor)}.", at=now)
    _touch(interaction, now)
    return record


# --- the beat: email inactivity ------------------------------------------------------------------
def _inactivity_days() -> int:
    return settings.INTERACTION_EMAIL_INACTIVITY_DAYS


def _close_inactive(pk: int, cutoff: datetime.datetime, now: datetime.datetime) -> bool:
    with transaction.atomic():
        interaction = (
            Interaction.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=pk, type=InteractionType.EMAIL, state__in=OPEN_STATES, last_activity_at__lte=cutoff).first()
        )
        if interaction is None:  # answered meanwhile, closed, or another worker holds it
            return False
        days = _inactivity_days()
        reason = f"No activity for {days} day{'s' if days != 1 else ''}."
        interaction.close(by=None, at=now, reason=reason)
        interaction.last_activity_at = now
        _save(interaction)
        _entry(interaction, EntryKind.SYSTEM, f"Closed complete: {reason[0].lower()}{reason[1:]}", at=now)
        return True


def interaction_inactivity_close_scan(*, now: datetime.datetime | None = None, batch: int = 200, max_batches: int = 50) -> int:
    """Close complete the email interactions with no activity for INTERACTION_EMAIL_INACTIVITY_DAYS
    (reference 4: 5 days). Reads only due rows through the partial index on open email
    interactions; each closes in its own transaction (a re-run or a second worker repeats the
    checks, never a close). Returns how many it closed."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=_inactivity_days())
    closed, seen = 0, set()
    for _ in range(max_batches):
        due = list(
            Interaction.objects.filter(type=InteractionType.EMAIL, state__in=OPEN_STATES, last_activity_at__lte=cutoff)
            .exclude(pk__in=seen).order_by("last_activity_at").values_list("pk", flat=True)[:batch]
        )
        if not due:
            break
        for pk in due:
            seen.add(pk)
            closed += _close_inactive(pk, cutoff, now)
    return closed
