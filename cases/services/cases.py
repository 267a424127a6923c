"""Opening a case from any channel, editing it, and assigning it."""
import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases import events, hooks, permissions, permissions_escalations
from cases.services import followups, limits, notify
from cases.choices import AUDITED_FIELDS, PRIORITY_MATRIX, EventKind, StateCategory
from cases.models import Case, CaseType, CaseTypeField, Lifecycle, LifecycleState
from core.exceptions import Conflict, InvalidTransition
from core.numbers import number_for_insert
from core.refcache import Reference
from customers.models import Contact
from users.permissions import is_internal

__all__ = [
    "case_create", "case_update", "case_assign", "case_lock_for_change", "case_extra_clean", "case_parent_check",
]
MAX_PARENT_DEPTH = 50


def case_parent_check(case: Case, parent: Case | None) -> None:
    """Refuse making `case` its own parent or an ancestor of itself (no cycles)."""
    if parent is None:
        return
    if parent.pk == case.pk:
        raise ValidationError({"parent": "A case cannot be its own parent."})
    ancestor_id, depth = parent.pk, 0
    while ancestor_id is not None and depth < MAX_PARENT_DEPTH:
        if ancestor_id == case.pk:
            raise ValidationError({"parent": f"{parent.number} is below {case.number}; that would make a cycle."})
        ancestor_id = Case.objects.filter(pk=ancestor_id).values_list("parent_id", flat=True).first()
        depth += 1
    if ancestor_id is not None:
        raise ValidationError({"parent": f"The case hierarchy is deeper than {MAX_PARENT_DEPTH} levels."})

# Not re-validated by full_clean: the number and the FSM state are the services' own; related
# records arrive as instances already resolved through the caller's selectors, so checking that
# each still exists would be one more query per relation (the database's FK constraint holds).
_NOT_CLEANED = ["number", "state"] + [f.name for f in Case._meta.fields if f.is_relation]

AGENT_FIELDS = (
    "short_description", "description", "category", "channel", "priority", "impact", "urgency", "case_type",
    "account", "contact", "consumer", "partner", "product", "asset", "sold_product", "install_base_item",
    "contract", "entitlement", "service_definition", "assignment_group", "assigned_to", "needs_attention",
    "parent", "extra", "resolution_code", "close_notes", "entitlement_override_reason", "auto_close",
)
# What the customer side may give when opening a case: the one map in cases.permissions, which the
# API's answers and filters follow too (never a field hidden from customers).
CUSTOMER_CREATE_FIELDS = tuple(sorted(permissions.CASE_FIELDS_CUSTOMERS_SET))


def _lifecycle_for(case_type: CaseType | None) -> Lifecycle:
    if case_type is not None and case_type.lifecycle_id:
        return case_type.lifecycle
    lifecycle = Lifecycle.objects.filter(is_default=True).first()
    if lifecycle is None:
        raise ValidationError({"case_type": "No default lifecycle is installed (migrate the cases app)."})
    return lifecycle


def _load_initial_states() -> dict:
    """Each lifecycle's initial state (with its lifecycle), keyed by lifecycle id; None: the default's."""
    states = {}
    for state in LifecycleState.objects.select_related("lifecycle").filter(is_initial=True).order_by("-pk"):
        states[state.lifecycle_id] = state  # the first by pk wins, as `.first()` did
        if state.lifecycle.is_default:
            states[None] = state
    return states


INITIAL_STATES = Reference("cases.initial_states", _load_initial_states, models=("cases.LifecycleState", "cases.Lifecycle"))


def _initial_state_for(case_type: CaseType | None) -> LifecycleState:
    """The state a new case starts in, with its lifecycle (cached: core.refcache)."""
    key = case_type.lifecycle_id if case_type is not None and case_type.lifecycle_id else None
    state = INITIAL_STATES.get().get(key)
    if state is None:
        raise ValidationError({"case_type": "No lifecycle with an initial state is installed (migrate the cases app)."})
    return state


def case_extra_clean(case_type: CaseType | None, extra: dict | None, *, actor=None) -> dict:
    """Validate and type the case type's extra fields; unknown names are refused. For the customer
    side (`actor` given and not internal) the type's internal fields do not exist: naming one is
    refused like an unknown name, and they are not required of it (an agent fills them)."""
    if extra is not None and not isinstance(extra, dict):
        raise ValidationError({"extra": "Give the extra fields as an object."})
    extra = dict(extra or {})
    fields = {f.name: f for f in permissions.case_type_fields_for(actor, case_type)}
    errors, cleaned = {}, {}
    for name in sorted(set(extra) - set(fields)):
        errors[f"extra.{name}"] = "This case type has no such field."
    for name, field in fields.items():
        value = extra.get(name)
        if value in (None, ""):
            if field.required:
                errors[f"extra.{name}"] = f"'{field.label}' is required."
            continue
        try:
            cleaned[name] = _extra_value(field, value)
        except ValidationError as exc:
            errors[f"extra.{name}"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _extra_value(field: CaseTypeField, value):
    kind = field.kind
    if kind == CaseTypeField.Kind.TEXT:
        return str(value)
    if kind == CaseTypeField.Kind.NUMBER:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(f"'{value}' is not a number.") from None
        if not number.is_finite():
            raise ValidationError(f"'{value}' is not a number.")
        return str(number)
    if kind == CaseTypeField.Kind.DATE:
        try:
            return datetime.date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationError(f"'{value}' is not a date (YYYY-MM-DD).") from None
    if kind == CaseTypeField.Kind.BOOLEAN:
        if not isinstance(value, bool):
            raise ValidationError("Give true or false.")
        return value
    if value not in field.choices:
        raise ValidationError(f"'{value}' is not one of {', '.join(field.choices)}.")
    return value


def _derive_and_check(case: Case, *, explicit_priority: bool) -> None:
    """The reference's derivations and consistency rules, for create and update alike."""
    errors = {}
    if case.contact_id:
        account_id = case.contact.account_id
        if case.account_id and case.account_id != account_id:
            errors["contact"] = f"{case.contact} is not a contact of {case.account.number}."
        elif case.account_id != account_id:
            if Contact.account.is_cached(case.contact):  # already read with the contact: reuse it
                case.account = case.contact.account
            else:
                case.account_id = account_id  # the id is enough: the account row is not read
    if case.consumer_id and (case.account_id or case.contact_id):
        errors["consumer"] = "A case is for an account (and contact) or for a consumer, not both."
    if not case.account_id and not case.consumer_id:
        errors["account"] = "Say whom the case is for: a contact, an account or a consumer."
    if case.asset_id:
        if case.product_id and case.product_id != case.asset.product_id:
            errors["product"] = f"The asset {case.asset.asset_tag} is a {case.asset.product}, not a {case.product}."
        case.product = case.asset.product
        owner_ok = (case.asset.account_id and case.asset.account_id == case.account_id) or (
            case.asset.consumer_id and case.asset.consumer_id == case.consumer_id
        )
        if not owner_ok:
            errors["asset"] = "The asset belongs to another customer."
    for name in ("sold_product", "install_base_item", "contract", "entitlement"):
        obj = getattr(case, name)
        if obj is not None and (obj.account_id, obj.consumer_id) != (case.account_id, case.consumer_id):
            errors[name] = "It belongs to another customer."
    if case.entitlement_id and not case.entitlement.active:
        errors["entitlement"] = "The entitlement is not active."
    if case.assigned_to_id:
        if not is_internal(case.assigned_to):
            errors["assigned_to"] = f"{case.assigned_to.username} is not an agent."
        elif case.assignment_group_id and not case.assignment_group.members.filter(pk=case.assigned_to_id).exists():
            errors["assigned_to"] = f"{case.assigned_to.username} is not a member of {case.assignment_group}."
    if case.partner_id and not case.partner.is_partner:
        errors["partner"] = f"{case.partner.number} is not a partner account."
    if not explicit_priority:
        case.priority = PRIORITY_MATRIX[(case.impact, case.urgency)]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def case_create(*, actor, short_description: str, channel: str = "web", **fields) -> Case:
    """Open a case from any interface: agent workspace, portal, API, email, chat or phone."""
    now = timezone.now()
    if actor is not None and not permissions.can_create_case(actor):
        raise PermissionDenied("You cannot open cases.")
    limits.limit_check_new_case(actor)
    customer = actor is not None and not is_internal(actor)
    allowed = CUSTOMER_CREATE_FIELDS if customer else AGENT_FIELDS
    refused = sorted(set(fields) - set(allowed))
    if refused:
        raise ValidationError({name: "You cannot set this field." for name in refused})
    if customer and channel != permissions.CUSTOMER_CHANNEL:
        raise ValidationError({"channel": "Cases you open yourself come in through the web channel; you cannot set it."})
    if customer:
        fields = _customer_party(actor, fields)
    case_type = fields.get("case_type")
    initial = _initial_state_for(case_type)
    lifecycle = initial.lifecycle
    extra = case_extra_clean(case_type, fields.pop("extra", None), actor=actor)
    case = Case(
        short_description=short_description,
        channel=channel,
        lifecycle=lifecycle,
        state_category=initial.category,
        opened_at=now,
        opened_by=actor,
        extra=extra,
        state=initial.code,  # a protected FSM field may be set once, when the row is built
        **fields,
    )
    _derive_and_check(case, explicit_priority="priority" in fields)
    if case.assigned_to_id:
        case.assigned_at = now
    assigned_by_creator = case.assigned_to_id is not None
    case.entitlement = hooks.entitlement_for(case)
    case.full_clean(exclude=_NOT_CLEANED)
    hooks.case_creating(case)  # the SLAs that attach, so the row is inserted with its due time
    case.number = number_for_insert("CS")  # on PostgreSQL made by the INSERT, which returns it
    case.save()
    hooks.case_changed(case)
    # The customer's "case opened" mail is nobody's answer: it follows after commit (followups).
    followup = followups.case_followup_needed(case, actor)
    created = events.case_event_record(
        case=case, kind=EventKind.CREATED, actor=actor, body=f"Opened via {case.get_channel_display()}.", followup=followup,
    )
    hooks.case_created(case)
    if followup:
        followups.case_followup_queue(created)
    if assigned_by_creator:  # routing's own assignment (case_update) told the assignee already
        notify.notify_case_assigned(case, actor)
    return case


def _customer_party(actor, fields: dict) -> dict:
    """Customers open cases for themselves; customer admins and partners may name a contact of an
    account they manage."""
    contact = fields.get("contact")
    own_contact = Contact.objects.filter(user=actor).select_related("account").first()
    consumer = getattr(actor, "consumer", None) if own_contact is None else None
    if contact is None:
        if own_contact is not None:
            return {**fields, "contact": own_contact}
        if consumer is not None:
            return {**fields, "consumer": consumer}
        raise ValidationError({"contact": "Your login is not linked to a contact or consumer."})
    if own_contact is not None and contact.pk == own_contact.pk:
        return fields
    from customers.selectors import contact_list_for_user

    if not contact_list_for_user(user=actor).filter(pk=contact.pk).exists() or contact.user_id == actor.pk:
        raise ValidationError({"contact": "You cannot open cases for this contact."})
    return fields


def case_lock_for_change(case: Case, *, action: str = "update") -> Case:
    """Lock the row for this transaction and refuse changes to closed or cancelled cases."""
    # of=("self",): lock the case row only. Without it PostgreSQL also locks the joined lifecycle
    # row, which every case shares, and all case changes would queue behind one another.
    locked = Case.objects.select_for_update(of=("self",)).select_related("lifecycle").get(pk=case.pk)
    if locked.is_read_only:
        raise InvalidTransition(action=action, state=locked.state, allowed=[])
    _keep_loaded_relations(case, locked)
    return locked


def _keep_loaded_relations(read: Case, locked: Case) -> None:
    """The related rows the caller's instance already holds (the record page reads the case with
    its account, contact, group and assignee) stay on the locked one where it still points at
    them, so the service and its notifications do not read them again, one query each. The case
    row itself is the locked, fresh one."""
    if read is locked:
        return
    for field in Case._meta.concrete_fields:
        if field.is_relation and field.is_cached(read) and not field.is_cached(locked):
            related = field.get_cached_value(read)
            if getattr(locked, field.attname) == (related.pk if related is not None else None):
                field.set_cached_value(locked, related)
    # Whether the case has related parties and watchers, probed with the record page's read
    # (`has_parties`, `has_watchers`): the notifications skip reading an empty list. A party
    # added in the few milliseconds between that read and this lock is not told of this change,
    # exactly as if the change had committed a moment before it was added.
    for flag in NOTIFY_FLAGS:
        if isinstance(read.__dict__.get(flag), bool):
            setattr(locked, flag, read.__dict__[flag])


NOTIFY_FLAGS = ("has_parties", "has_watchers")


@transaction.atomic
def case_update(*, actor, instance: Case, version: int | None = None, **fields) -> Case:
    """Edit a case's fields (agents). `version`, when given, must match: a concurrent edit won."""
    case = case_lock_for_change(instance)
    if actor is not None:
        permissions.require_can_work_case(actor)
    if version is not None and version != case.version:
        raise Conflict(f"{case.number} was changed by someone else (version {case.version}, yours {version}); reload it.")
    refused = sorted(set(fields) - set(AGENT_FIELDS))
    if refused:
        raise ValidationError({name: "This field cannot be changed here." for name in refused})
    if "case_type" in fields and fields["case_type"] != case.case_type:
        if _lifecycle_for(fields["case_type"]).pk != case.lifecycle_id:
            raise ValidationError({"case_type": "That case type follows another lifecycle; open a new case instead."})
    before = {name: getattr(case, name) for name in AUDITED_FIELDS}
    old_assignee, old_group = case.assigned_to_id, case.assignment_group_id
    if case.needs_attention and fields.get("needs_attention") is False and actor is not None:
        permissions_escalations.require_can_clear_attention(actor, case)  # reference 2.3
    if fields.get("auto_close") and case.state_category != StateCategory.RESOLVED:
        raise ValidationError({"auto_close": "Auto close applies to resolved cases (it is set when one is resolved)."})
    if "extra" in fields:
        fields["extra"] = case_extra_clean(fields.get("case_type", case.case_type), fields["extra"], actor=actor)
    if "parent" in fields:
        case_parent_check(case, fields["parent"])
    for name, value in fields.items():
        setattr(case, name, value)
    _derive_and_check(case, explicit_priority="priority" in fields)
    if {"entitlement", "entitlement_override_reason"} & set(fields) and case.entitlement_id:
        case.entitlement = hooks.entitlement_for(case)  # an agent's choice is checked like at creation
    _assignment_bookkeeping(case, old_assignee, old_group)
    case.full_clean(exclude=_NOT_CLEANED)
    case.version += 1
    case.save()
    hooks.case_changed(case)
    _record_field_changes(case, actor, before)
    if case.assigned_to_id and case.assigned_to_id != old_assignee:
        notify.notify_case_assigned(case, actor)
    return case


def _assignment_bookkeeping(case: Case, old_assignee, old_group) -> None:
    if case.assigned_to_id != old_assignee:
        case.assigned_at = timezone.now() if case.assigned_to_id else None
        if old_assignee is not None:
            case.reassignment_count += 1
    elif case.assignment_group_id != old_group and old_group is not None:
        case.reassignment_count += 1


def _record_field_changes(case: Case, actor, before: dict) -> None:
    for name, old in before.items():
        new = getattr(case, name)
        if old != new:
            events.case_event_record(
                case=case, kind=EventKind.FIELD_CHANGED, actor=actor, field=name,
                old="" if old is None else str(old), new="" if new is None else str(new),
            )


@transaction.atomic
def case_assign(*, actor, case: Case, assignment_group=None, assigned_to=None) -> Case:
    """Assign to a group and/or an agent of it (API.md `assign`)."""
    if assignment_group is None and assigned_to is None:
        raise ValidationError({"assigned_to": "Give an assignment group, an assignee, or both."})
    fields = {"assignment_group": assignment_group} if assignment_group is not None else {}
    fields["assigned_to"] = assigned_to
    return case_update(actor=actor, instance=case, **fields)
