"""Who else is on a case: related parties (with their grants), the watch list, the parent/child
link, follow-up cases, and merging a duplicate into its master case."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases import events, hooks, permissions
from cases.choices import EventKind, ResolutionCode
from cases.models import Case, CaseMerge, CaseRelatedParty, PartyType
from cases.models.parties import AUTHORIZED_TYPES, CONSUMER_TYPES, CONTACT_TYPES
from cases.services.cases import case_create, case_parent_check, case_lock_for_change
from core.exceptions import InvalidTransition
from users.permissions import is_internal

__all__ = [
    "case_party_add", "case_party_remove", "case_watch_add", "case_watch_remove", "case_set_parent", "case_merge",
    "case_follow_up_create",
]


# --- related parties -----------------------------------------------------------------------------
def _party_check(case: Case, *, party_type: str, contact=None, consumer=None, user=None) -> None:
    """The rules of reference 10.1, as field errors (400)."""
    if party_type not in PartyType.values:
        raise ValidationError({"party_type": f"Use one of: {', '.join(PartyType.values)}."})
    given = {name for name, value in (("contact", contact), ("consumer", consumer), ("user", user)) if value}
    wanted = "contact" if party_type in CONTACT_TYPES else "consumer" if party_type in CONSUMER_TYPES else "user"
    if given != {wanted}:
        raise ValidationError({wanted: f"A {PartyType(party_type).label.lower()} names a {wanted} (and nothing else)."})
    if contact is not None:
        if not case.account_id:
            raise ValidationError({"contact": f"{case.number} is a consumer case; add consumers to it."})
        own, theirs = case.account.path, contact.account.path
        if not (theirs.startswith(own) or own.startswith(theirs)):
            raise ValidationError({"contact": f"{contact} is not a contact of {case.account.number} or its hierarchy."})
        if contact.pk == case.contact_id:
            raise ValidationError({"contact": f"{contact} is the case's own contact."})
        if not contact.active:
            raise ValidationError({"contact": f"{contact} is inactive."})
    if consumer is not None:
        if not case.consumer_id:
            raise ValidationError({"consumer": f"{case.number} is an account case; add contacts to it."})
        if consumer.pk == case.consumer_id:
            raise ValidationError({"consumer": f"{consumer} is the case's own consumer."})
    if user is not None and (not is_internal(user) or not user.is_active):
        raise ValidationError({"user": f"{user.username} is not an active internal user; contributors are staff."})
    person = {wanted: contact or consumer or user}
    if CaseRelatedParty.objects.filter(case=case, **person).exists():
        raise ValidationError({wanted: f"{person[wanted]} is already a related party of {case.number}."})


def _party_create(case: Case, actor, *, party_type: str, contact=None, consumer=None, user=None) -> CaseRelatedParty:
    """Create the row and its grant; the caller locked the case and checked the actor."""
    _party_check(case, party_type=party_type, contact=contact, consumer=consumer, user=user)
    party = CaseRelatedParty.objects.create(
        case=case, party_type=party_type, contact=contact, consumer=consumer, user=user,
        added_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if party.is_authorized and party.login is not None:
        permissions.grant_case_party(party.login, case)
    return party


def case_parties_login_moved(person, old_user, new_user) -> None:
    """A contact's or consumer's login changed: the case grants their authorized party rows gave
    the old login move to the new one (registered with customers.hooks)."""
    field = "contact" if person._meta.model_name == "contact" else "consumer"
    parties = CaseRelatedParty.objects.filter(
        **{field: person}, party_type__in=AUTHORIZED_TYPES
    ).select_related("case")
    for party in parties:
        if old_user is not None:
            permissions.revoke_case_party(old_user, party.case)
        if new_user is not None:
            permissions.grant_case_party(new_user, party.case)


@transaction.atomic
def case_party_add(*, actor, case: Case, party_type: str, contact=None, consumer=None, user=None) -> CaseRelatedParty:
    """Relate a contact, consumer or internal contributor to a case. Authorized contacts and
    consumers get a grant on the case (they see it and act on the customer side); listed ones are
    only notified. Agents and the account's customer admin manage parties; only agents add
    contributors."""
    case = case_lock_for_change(case, action="add-related-party")
    if actor is not None:
        permissions.require_can_manage_case_parties(actor, case)
        if party_type == PartyType.CONTRIBUTOR:
            permissions.require_can_work_case(actor)
    party = _party_create(case, actor, party_type=party_type, contact=contact, consumer=consumer, user=user)
    events.case_event_record(
        case=case, kind=EventKind.WORK_NOTE, actor=actor,
        body=f"Added {party.person} as {party.get_party_type_display().lower()}.",
    )
    case.version += 1
    case.save()
    hooks.case_changed(case)
    return party


@transaction.atomic
def case_party_remove(*, actor, party: CaseRelatedParty) -> None:
    """Remove a related party; an authorized one loses the grant at once."""
    case = case_lock_for_change(party.case, action="remove-related-party")
    party = CaseRelatedParty.objects.select_related("contact__user", "consumer__user", "user").get(pk=party.pk)
    if actor is not None:
        permissions.require_can_manage_case_parties(actor, case)
        if party.party_type == PartyType.CONTRIBUTOR:
            permissions.require_can_work_case(actor)
    if party.is_authorized and party.login is not None:
        permissions.revoke_case_party(party.login, case)
    label = f"{party.person} ({party.get_party_type_display().lower()})"
    party.delete()
    events.case_event_record(case=case, kind=EventKind.WORK_NOTE, actor=actor, body=f"Removed related party {label}.")
    case.version += 1
    case.save()
    hooks.case_changed(case)


# --- watch list ----------------------------------------------------------------------------------
def _watch_target(actor, case: Case, user):
    """Who is added or removed: the caller themself, or (agents only) an internal user."""
    if user is None or user.pk == actor.pk:
        if not (actor.has_perm("cases.view_all_cases") or permissions.is_customer_side(actor, case)):
            raise PermissionDenied("You cannot watch this case.")
        return actor
    permissions.require_can_work_case(actor)
    if not is_internal(user) or not user.is_active:
        raise ValidationError({"user": f"{user.username} is not an active internal user; customers add themselves."})
    return user


@transaction.atomic
def case_watch_add(*, actor, case: Case, user=None) -> Case:
    case = case_lock_for_change(case, action="watch")
    target = _watch_target(actor, case, user)
    if not case.watch_list.filter(pk=target.pk).exists():
        case.watch_list.add(target)
        events.case_event_record(case=case, kind=EventKind.FIELD_CHANGED, actor=actor, field="watch_list", new=target.username)
    return case


@transaction.atomic
def case_watch_remove(*, actor, case: Case, user=None) -> Case:
    case = case_lock_for_change(case, action="unwatch")
    target = _watch_target(actor, case, user) if user is None or user.pk == actor.pk else None
    if target is None:
        permissions.require_can_work_case(actor)
        target = user
    if case.watch_list.filter(pk=target.pk).exists():
        case.watch_list.remove(target)
        events.case_event_record(case=case, kind=EventKind.FIELD_CHANGED, actor=actor, field="watch_list", old=target.username)
    return case


# --- parent / child ------------------------------------------------------------------------------


@transaction.atomic
def case_set_parent(*, actor, case: Case, parent: Case | None) -> Case:
    """Make `case` a child of `parent` (None: detach). Refuses itself and cycles."""
    case = case_lock_for_change(case, action="set-parent")
    if actor is not None:
        permissions.require_can_work_case(actor)
    case_parent_check(case, parent)
    old = case.parent
    if (old.pk if old else None) == (parent.pk if parent else None):
        return case
    case.parent = parent
    case.version += 1
    case.save()
    hooks.case_changed(case)
    events.case_event_record(
        case=case, kind=EventKind.FIELD_CHANGED, actor=actor, field="parent",
        old=old.number if old else "", new=parent.number if parent else "",
    )
    return case


# --- follow-up -----------------------------------------------------------------------------------
@transaction.atomic
def case_follow_up_create(*, actor, original: Case, via: str, short_description: str, **fields) -> Case:
    """A new case that follows up a closed (or cancelled) one, e.g. a customer's reply by email
    to a closed case (reference 13.2: "a new case linked to the old one"). The only link between
    cases is parent/child (decision: no "related case" model for this alone), so the new case is
    the old one's child, and both timelines name the other, customer-visible, so whoever reads
    either case finds its sibling: "Follow-up of CS…" on the new one, "Follow-up CS… opened by …"
    on the old one. An entry on a closed case is an audit line, not a change: the old case is not
    unlocked, its version not bumped. `via` says what opened it ("a reply by email")."""
    case = case_create(actor=actor, short_description=short_description, parent=original, **fields)
    events.case_event_record(
        case=case, kind=EventKind.FOLLOW_UP, actor=actor, customer_visible=True,
        body=f"Follow-up of {original.number} ({original.short_description}), opened by {via}.",
    )
    events.case_event_record(
        case=original, kind=EventKind.FOLLOW_UP, actor=actor, customer_visible=True,
        body=f"Follow-up {case.number} opened by {via}.",
    )
    return case


# --- merge ---------------------------------------------------------------------------------------
@transaction.atomic
def case_merge(*, actor, duplicate: Case, master: Case) -> CaseMerge:
    """Merge `duplicate` into `master`: the duplicate is closed as a duplicate through its
    lifecycle, its comments and work notes are copied to the master's timeline, its watch list and
    related parties join the master, and both get a work note. Nothing is deleted."""
    from cases.services.lifecycle import case_act

    if actor is not None:
        permissions.require_can_work_case(actor)
    if duplicate.pk == master.pk:
        raise ValidationError({"into": "A case cannot be merged into itself."})
    rows = {c.pk: c for c in Case.objects.select_for_update().filter(pk__in=[duplicate.pk, master.pk]).order_by("pk")}
    duplicate, master = rows[duplicate.pk], rows[master.pk]
    existing = CaseMerge.objects.filter(duplicate=duplicate).select_related("master").first()
    if existing is not None:
        raise InvalidTransition(action="merge", state=f"{duplicate.state} (already merged into {existing.master.number})", allowed=[])
    if master.is_read_only:
        raise ValidationError({"into": f"{master.number} is {master.state}; merge into an active case."})
    if duplicate.is_read_only:
        raise InvalidTransition(action="merge", state=duplicate.state, allowed=[])
    if (duplicate.account_id, duplicate.consumer_id) != (master.account_id, master.consumer_id):
        raise ValidationError({"into": f"{master.number} is another customer's case; merge only cases of one customer."})

    case_act(
        actor=actor, case=duplicate, action="close",
        resolution_code=ResolutionCode.DUPLICATE, close_notes=f"Merged into {master.number}",
    )
    merge = CaseMerge.objects.create(duplicate=duplicate, master=master, merged_at=timezone.now(), merged_by=actor)

    journal = duplicate.events.filter(kind__in=[EventKind.COMMENT, EventKind.WORK_NOTE]).select_related("author")
    for entry in journal.order_by("created_at", "id"):
        events.case_event_record(
            case=master, kind=entry.kind, actor=entry.author, body=f"From {duplicate.number}: {entry.body}",
            customer_visible=entry.customer_visible,
        )
    master.watch_list.add(*duplicate.watch_list.all())
    skipped = []
    for party in duplicate.related_parties.select_related("contact__account", "contact__user", "consumer__user", "user"):
        try:
            with transaction.atomic():
                _party_create(
                    master, actor, party_type=party.party_type, contact=party.contact, consumer=party.consumer,
                    user=party.user,
                )
        except ValidationError:
            skipped.append(str(party.person))  # already on the master, or its own contact
    events.case_event_record(
        case=duplicate, kind=EventKind.WORK_NOTE, actor=actor,
        body=f"Merged into {master.number}; its journal, watch list and related parties were copied there.",
    )
    note = f"Merged {duplicate.number} into this case."
    if skipped:
        note += f" Already related here, not copied: {', '.join(skipped)}."
    events.case_event_record(case=master, kind=EventKind.WORK_NOTE, actor=actor, body=note)
    master.version += 1
    master.save()
    return merge
