"""Escalations (reference 3.3): the only writers of Escalation and EscalationTemplate.

- Request: a case escalation (agents, or the customer side of the case: request source customer)
  or an account escalation (agents). One open (requested or escalated) escalation per case and
  per account: a second request is refused with 409, and a unique constraint backs it up.
- Approval: the template named, or the default template of the kind, decides the approvers, fixed
  at request time: the members of its approval group, plus the manager of the case's assignment
  group when it says so. Skip approval, no template or no approvers: escalated at once.
- Commands: approve and decline (approvers only, 403 otherwise), de-escalate (close), update
  trend; a command not allowed from the state is 409 naming the state and the caller's allowed
  actions, checked before the caller's right (as case_act does).
- Every change of a case escalation is copied to the case as a work note (never customer
  visible); watch-list users are mailed on every change; the customer is told when it is
  escalated (dedupe key per escalation: exactly once).
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from cases import events, permissions_escalations
from cases.choices import EventKind
from cases.models import Case, Escalation, EscalationTemplate
from cases.models.escalations import (
    OPEN_ESCALATION_STATES,
    EscalationRequestSource,
    EscalationSeverity,
    EscalationSource,
    EscalationState,
    EscalationTrend,
)
from cases.services.cases import case_lock_for_change
from cases.services import notify
from core.exceptions import Conflict, InvalidTransition
from core.numbers import number_next
from core.services import model_apply
from notifications.choices import Audience
from notifications.services import Recipient, notification_fanout
from users.permissions import is_internal

__all__ = [
    "escalation_request", "escalation_approve", "escalation_decline", "escalation_deescalate",
    "escalation_update_trend", "escalation_update", "escalation_allowed_actions", "escalation_admin_create",
    "escalation_template_create", "escalation_template_update",
]

CUSTOMER_INPUTS = ("reason", "severity", "justification")
ACCOUNT_ONLY = ("assignment_group", "assigned_to")
UPDATE_FIELDS = ("severity", "justification", "watch_list", *ACCOUNT_ONLY)
COMMANDS = ("approve", "decline", "de-escalate", "update-trend")


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _who(actor) -> str:
    return actor.get_full_name() or actor.username if _actor_or_none(actor) else "the system"


# --- allowed actions -----------------------------------------------------------------------------
def escalation_allowed_actions(escalation: Escalation, user) -> list[str]:
    """The commands `user` may run on the escalation now."""
    allowed = []
    if escalation.state == EscalationState.REQUESTED and permissions_escalations.is_escalation_approver(user, escalation):
        allowed += ["approve", "decline"]
    if permissions_escalations.can_change_escalation(user):
        if escalation.state != EscalationState.CLOSED:
            allowed.append("de-escalate")
        if escalation.state in OPEN_ESCALATION_STATES:
            allowed.append("update-trend")
    return sorted(allowed)


def _refuse_unless(escalation: Escalation, action: str, actor, ok: bool) -> None:
    if not ok:
        raise InvalidTransition(
            action=action, state=escalation.state, allowed=escalation_allowed_actions(escalation, actor)
        )


def _lock(escalation: Escalation) -> Escalation:
    return Escalation.objects.select_for_update(of=("self",)).select_related("case", "account").get(pk=escalation.pk)


def _save(escalation: Escalation) -> None:
    try:
        escalation.save()
    except ConcurrentTransition:
        raise Conflict(f"{escalation.number} changed state meanwhile; reload it.") from None


# --- the case's timeline and the messages --------------------------------------------------------
def _work_note(escalation: Escalation, actor, body: str) -> None:
    """Reference 1.2/3.3: escalation updates reach the case as work notes (internal only)."""
    if escalation.case_id:
        events.case_event_record(
            case=escalation.case, kind=EventKind.WORK_NOTE, actor=actor, body=f"Escalation {escalation.number}: {body}"
        )


def _source_label(escalation: Escalation) -> str:
    if escalation.case_id:
        return f"case {escalation.case.number}"
    return f"account {escalation.account.name}"


def _escalation_context(escalation: Escalation) -> dict:
    """Internal: the escalation and (for a case escalation) the case."""
    context = {
        "escalation": {
            "number": escalation.number, "state": escalation.get_state_display(),
            "severity": escalation.get_severity_display(), "trend": escalation.get_trend_display(),
            "reason": escalation.get_reason_display(), "justification": escalation.justification,
            "source": _source_label(escalation),
        },
    }
    if escalation.case_id:
        context["case"] = notify.sla_case_context(escalation.case)
    return context


def _fanout(escalation: Escalation, event: str, recipients: list, *, dedupe: str, author=None, **contexts) -> None:
    threading = {}
    if escalation.case_id:  # a case escalation's mail threads with the case's
        threading = {"thread": notify.case_thread(escalation.case), "subject_tag": escalation.case.number}
    notification_fanout(event=event, recipients=recipients, contexts=contexts, dedupe=dedupe, author=author,
                        related=escalation, **threading)


def _tell_watchers(escalation: Escalation, actor, what: str, key: str) -> None:
    watchers = [Recipient(Audience.INTERNAL, user=u) for u in escalation.watch_list.filter(is_active=True)]
    _fanout(escalation, "escalation.updated", watchers, dedupe=f"escalation:{escalation.pk}:{key}", author=actor,
            internal={**_escalation_context(escalation), "what": what})


def _tell_customer_escalated(escalation: Escalation) -> None:
    """Reference 3.3: the customer is notified on approval (once per escalation): the customer
    side of the case, or the account's primary contact. Customer-visible data only."""
    if escalation.case_id:
        case = escalation.case
        recipients = notify.customer_side(case)
        context = {"case": notify.customer_case_context(case), "account": case.account.name if case.account_id else ""}
    else:
        recipient = notify.party_recipient(escalation.account.primary_contact)
        recipients = [recipient] if recipient else []
        context = {"account": escalation.account.name}
    context["escalation"] = {"number": escalation.number}
    _fanout(escalation, "escalation.approved", recipients, dedupe=f"escalation-approved:{escalation.pk}",
            customer=context)


def _tell_approvers(escalation: Escalation) -> None:
    approvers = [Recipient(Audience.INTERNAL, user=u) for u in escalation.approvers.filter(is_active=True)]
    _fanout(escalation, "escalation.approval_requested", approvers, dedupe=f"escalation-approval:{escalation.pk}",
            internal=_escalation_context(escalation))


# --- request -------------------------------------------------------------------------------------
def _template_for(kind: str, template: EscalationTemplate | None) -> EscalationTemplate | None:
    if template is not None:
        if not template.active:
            raise ValidationError({"template": f"The template '{template}' is not active."})
        if template.applies_to != kind:
            raise ValidationError({"template": f"The template '{template}' is for {template.get_applies_to_display().lower()} escalations."})
        return template
    return EscalationTemplate.objects.filter(applies_to=kind, active=True, is_default=True).first()


def _approvers(template: EscalationTemplate | None, case: Case | None) -> list:
    if template is None or template.skip_approval:
        return []
    approvers = {}
    if template.approval_group_id:
        for user in template.approval_group.members.filter(is_active=True):
            approvers[user.pk] = user
    if template.add_case_group_manager and case is not None and case.assignment_group_id:
        manager = case.assignment_group.manager
        if manager is not None and manager.is_active:
            approvers[manager.pk] = manager
    return list(approvers.values())


def _assignment_errors(escalation: Escalation) -> dict:
    errors = {}
    if escalation.assigned_to_id:
        if not is_internal(escalation.assigned_to):
            errors["assigned_to"] = f"{escalation.assigned_to.username} is not an agent."
        elif escalation.assignment_group_id and not escalation.assignment_group.members.filter(
            pk=escalation.assigned_to_id
        ).exists():
            errors["assigned_to"] = f"{escalation.assigned_to.username} is not a member of {escalation.assignment_group}."
    return errors


def _open_escalation(*, case: Case | None = None, account=None) -> Escalation | None:
    qs = Escalation.objects.filter(state__in=OPEN_ESCALATION_STATES)
    if case is not None:
        return qs.filter(source=EscalationSource.CASE, case=case).first()
    return qs.filter(source=EscalationSource.ACCOUNT, account=account).first()


@transaction.atomic
def escalation_request(
    *,
    actor,
    reason: str,
    case: Case | None = None,
    account=None,
    severity: str = EscalationSeverity.MEDIUM,
    justification: str = "",
    template: EscalationTemplate | None = None,
    watch_list=None,
    assignment_group=None,
    assigned_to=None,
) -> Escalation:
    """Escalate a case (`case`) or an account (`account`)."""
    if (case is None) == (account is None):
        raise ValidationError({"case": "Escalate either a case or an account."})
    customer = actor is not None and not is_internal(actor)
    given = {
        "template": template, "watch_list": watch_list, "assignment_group": assignment_group, "assigned_to": assigned_to
    }
    if case is not None:
        case = case_lock_for_change(case, action="escalate")
        if actor is not None and not permissions_escalations.can_request_case_escalation(actor, case):
            raise PermissionDenied("You cannot escalate this case.")
        refused = [name for name in ACCOUNT_ONLY if given[name] is not None]
        if refused:
            raise ValidationError({name: "Only account escalations are assigned." for name in refused})
        source, account = EscalationSource.CASE, case.account
    else:
        if actor is not None and not permissions_escalations.can_request_account_escalation(actor):
            raise PermissionDenied("Only agents escalate accounts.")
        source = EscalationSource.ACCOUNT
    if customer:
        refused = [name for name, value in given.items() if value]
        if refused:
            raise ValidationError({name: "You cannot set this." for name in refused})
    existing = _open_escalation(case=case) if case is not None else _open_escalation(account=account)
    if existing is not None:
        raise InvalidTransition(action="escalate", state=existing.state, allowed=[])
    template = _template_for(source, template)
    now = timezone.now()
    escalation = Escalation(
        source=source, case=case, account=account, reason=reason, severity=severity or EscalationSeverity.MEDIUM,
        justification=(justification or "").strip(), template=template, assignment_group=assignment_group,
        assigned_to=assigned_to,
        request_source=EscalationRequestSource.CUSTOMER if customer else EscalationRequestSource.INTERNAL,
        requested_by=_actor_or_none(actor), requested_at=now,
    )
    errors = _assignment_errors(escalation)
    try:
        escalation.full_clean(exclude=["number", "state", "case", "account", "template"])
    except ValidationError as exc:
        errors = {**exc.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    escalation.number = number_next("ESC")
    try:
        with transaction.atomic():
            escalation.save()
    except IntegrityError:  # a concurrent request won the "one open escalation" constraint
        raise Conflict(f"{_source_label(escalation)} was escalated meanwhile; reload it.") from None
    if case is not None and not case.has_escalation:
        Case.objects.filter(pk=case.pk).update(has_escalation=True)  # the case API's summary reads it
        case.has_escalation = True
    approvers = _approvers(template, case)
    escalation.approvers.set(approvers)
    if watch_list:
        escalation.watch_list.set(watch_list)
    side = "the customer" if customer else _who(actor)
    body = (
        f"requested by {side}: {escalation.get_reason_display()}, severity {escalation.get_severity_display()}."
        + (f"\n{escalation.justification}" if escalation.justification else "")
    )
    _work_note(escalation, actor, body)
    if approvers:
        _tell_approvers(escalation)
    else:
        escalation.approve(by=None, at=now)
        _save(escalation)
        _work_note(escalation, actor, "escalated at once (no approval needed).")
        _tell_customer_escalated(escalation)
    _tell_watchers(escalation, actor, f"requested ({escalation.get_state_display().lower()})", "requested")
    return escalation


@transaction.atomic
def escalation_admin_create(*, actor, **fields) -> Escalation:
    """The admin's add form: the same request, with the form's field names."""
    fields.pop("source", None)
    return escalation_request(actor=actor, **fields)


# --- commands ------------------------------------------------------------------------------------
@transaction.atomic
def escalation_approve(*, actor, escalation: Escalation, comment: str = "") -> Escalation:
    escalation = _lock(escalation)
    _refuse_unless(escalation, "approve", actor, can_proceed(escalation.approve))
    permissions_escalations.require_escalation_approver(actor, escalation)
    escalation.approve(by=_actor_or_none(actor), at=timezone.now())
    _save(escalation)
    comment = (comment or "").strip()
    _work_note(escalation, actor, f"approved by {_who(actor)}." + (f"\n{comment}" if comment else ""))
    _tell_customer_escalated(escalation)
    _tell_watchers(escalation, actor, "approved: escalated", "approved")
    return escalation


@transaction.atomic
def escalation_decline(*, actor, escalation: Escalation, reason: str = "") -> Escalation:
    escalation = _lock(escalation)
    _refuse_unless(escalation, "decline", actor, can_proceed(escalation.decline))
    permissions_escalations.require_escalation_approver(actor, escalation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the escalation is declined."})
    escalation.decline(by=_actor_or_none(actor), at=timezone.now(), reason=reason)
    _save(escalation)
    _work_note(escalation, actor, f"declined by {_who(actor)}: {reason}")
    _tell_watchers(escalation, actor, "declined", "declined")
    return escalation


@transaction.atomic
def escalation_deescalate(*, actor, escalation: Escalation, reason: str = "") -> Escalation:
    """Close the escalation (de-escalate an escalated one, withdraw a request, file a declined one)."""
    escalation = _lock(escalation)
    _refuse_unless(escalation, "de-escalate", actor, can_proceed(escalation.close))
    if actor is not None:
        permissions_escalations.require_can_change_escalation(actor)
    reason = (reason or "").strip()
    was = escalation.get_state_display().lower()
    escalation.close(by=_actor_or_none(actor), at=timezone.now(), reason=reason)
    _save(escalation)
    _work_note(escalation, actor, f"closed ({was} before) by {_who(actor)}." + (f"\n{reason}" if reason else ""))
    _tell_watchers(escalation, actor, "de-escalated (closed)", "closed")
    return escalation


@transaction.atomic
def escalation_update_trend(*, actor, escalation: Escalation, trend: str, comment: str = "") -> Escalation:
    escalation = _lock(escalation)
    _refuse_unless(escalation, "update-trend", actor, escalation.is_open)
    if actor is not None:
        permissions_escalations.require_can_change_escalation(actor)
    if trend not in EscalationTrend.values:
        raise ValidationError({"trend": f"Use one of: {', '.join(EscalationTrend.values)}."})
    old = escalation.get_trend_display().lower()
    Escalation.objects.filter(pk=escalation.pk).update(trend=trend, updated_at=timezone.now())
    escalation.trend = trend
    comment = (comment or "").strip()
    _work_note(
        escalation, actor, f"trend {old} → {escalation.get_trend_display().lower()}." + (f"\n{comment}" if comment else "")
    )
    _tell_watchers(escalation, actor, f"trend: {escalation.get_trend_display().lower()}", f"trend:{timezone.now().isoformat()}")
    return escalation


@transaction.atomic
def escalation_update(*, actor, instance: Escalation, **fields) -> Escalation:
    """Edit an open escalation: severity, justification, watch list; account escalations also
    their assignment group and assignee. The source and the template do not change."""
    escalation = _lock(instance)
    if actor is not None:
        permissions_escalations.require_can_change_escalation(actor)
    for name in ("case", "account", "template"):  # the admin form repeats them unchanged
        value = fields.pop(name, None)
        if value is not None and getattr(value, "pk", value) != getattr(escalation, f"{name}_id"):
            raise ValidationError({name: "It stays as requested; close this escalation and request another."})
    refused = sorted(set(fields) - set(UPDATE_FIELDS))
    if refused:
        raise ValidationError({name: "This field cannot be changed here." for name in refused})
    if escalation.source == EscalationSource.CASE:
        refused = [n for n in ACCOUNT_ONLY if fields.get(n) is not None]
        if refused:
            raise ValidationError({name: "Only account escalations are assigned." for name in refused})
    watch_list = fields.pop("watch_list", None)
    if watch_list is not None and {u.pk for u in watch_list} == set(escalation.watch_list.values_list("pk", flat=True)):
        watch_list = None  # unchanged (the admin form repeats it)
    before = {name: getattr(escalation, name) for name in ("severity", "justification", *ACCOUNT_ONLY)}
    moved = watch_list is not None or any(before[name] != value for name, value in fields.items())
    if moved and not escalation.is_open:
        raise InvalidTransition(action="update", state=escalation.state, allowed=escalation_allowed_actions(escalation, actor))
    model_apply(escalation, fields, exclude_clean=("state", "number"))  # state: FSM-only
    errors = _assignment_errors(escalation)
    if errors:
        raise ValidationError(errors)
    _save(escalation)
    if watch_list is not None:
        escalation.watch_list.set(watch_list)
    changed = [
        f"{name.replace('_', ' ')}: {old or '—'} → {getattr(escalation, name) or '—'}"
        for name, old in before.items()
        if old != getattr(escalation, name)
    ]
    if changed:
        _work_note(escalation, actor, "updated: " + "; ".join(changed))
        _tell_watchers(escalation, actor, "updated", f"update:{timezone.now().isoformat()}")
    return escalation


# --- templates -----------------------------------------------------------------------------------
def _template_save(actor, template: EscalationTemplate, fields: dict) -> EscalationTemplate:
    if actor is not None:
        permissions_escalations.require_can_manage_escalation_templates(actor)
    if fields.get("is_default", template.is_default):  # the new default replaces the old one
        kind = fields.get("applies_to", template.applies_to)
        EscalationTemplate.objects.filter(applies_to=kind, is_default=True).exclude(pk=template.pk).update(
            is_default=False
        )
    model_apply(template, fields)
    template.save()
    return template


@transaction.atomic
def escalation_template_create(*, actor, **fields) -> EscalationTemplate:
    return _template_save(actor, EscalationTemplate(), fields)


@transaction.atomic
def escalation_template_update(*, actor, instance: EscalationTemplate, **fields) -> EscalationTemplate:
    return _template_save(actor, EscalationTemplate.objects.select_for_update().get(pk=instance.pk), fields)
