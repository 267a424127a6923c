"""Routing writes (reference 3.2): assignment rules, routing a case, and its offers.

A new unassigned case is routed inside its creating transaction (`hooks.register_case_created`):
the first active matching rule gives it a group and either a fixed agent (through `case_update`,
so the usual checks and timeline apply) or an offer to the group's best eligible agent. An
offer is accepted (the case is assigned through `case_assign`), rejected with a reason or timed
out (the next agent gets it; nobody is offered the same case twice) or cancelled when someone
assigns, closes or moves the case (`hooks.register_case_changed`).

Locks: the case row first, then its offers, in every path (routing, accept, reject, timeout
and the case-changed hook), so two of them never wait on each other in opposite orders.
"""
import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from cases import events, hooks, permissions_routing, selectors_routing
from cases.choices import EventKind
from cases.models import AgentRoutingState, AssignmentRule, Case, CaseOffer, RoutingSkillRequirement
from cases.models.routing import OfferState, RoutingStrategy
from cases.services.cases import case_assign, case_update
from core.exceptions import Conflict, InvalidTransition
from core.services import model_apply
from users.permissions import is_internal

__all__ = [
    "RouteResult", "case_route", "case_offer_accept", "case_offer_reject", "case_offer_time_out",
    "case_offers_expire_due", "assignment_rule_create", "assignment_rule_update", "assignment_rule_delete",
    "routing_skill_requirement_create", "routing_skill_requirement_update", "routing_skill_requirement_delete",
]
logger = logging.getLogger(__name__)

MANUALLY_ASSIGNED = "Manually assigned"
_JUST_ASSIGNED = datetime.timedelta(seconds=5)
# What routing reads of the case it locks (the rule's conditions, state, assignment, channel);
# a case changed by the rule comes back whole from case_update.
_ROUTE_FIELDS = (
    "id", "number", "state", "state_category", "channel", "priority", "assigned_to", "assignment_group",
    "case_type", "product", "account", "service_definition",
)


@dataclass
class RouteResult:
    """What routing did: assigned (a rule's fixed agent), offered, queued (no eligible agent: the
    case waits in its group's queue), no_rule, already_assigned, already_offered."""

    outcome: str
    case: Case  # only routing's fields loaded, unless `changed`
    rule: AssignmentRule | None = None
    offer: CaseOffer | None = None
    detail: str = ""
    changed: bool = False  # the rule set the group (and agent) through case_update


def _timeout() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ROUTING_OFFER_TIMEOUT_SECONDS)


def _record(case: Case, body: str, actor=None) -> None:
    events.case_event_record(case=case, kind=EventKind.ROUTING, actor=actor, body=body)


def _touch_routing_state(user_id: int, at: datetime.datetime) -> None:
    """last_assigned_at = max(stored, at), in one statement (an upsert that never moves it back)."""
    table = connection.ops.quote_name(AgentRoutingState._meta.db_table)
    sql = (
        f"INSERT INTO {table} (user_id, last_assigned_at) VALUES (%s, %s) "
        f"ON CONFLICT (user_id) DO UPDATE SET last_assigned_at = excluded.last_assigned_at "
        f"WHERE {table}.last_assigned_at IS NULL OR {table}.last_assigned_at < excluded.last_assigned_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, connection.ops.adapt_datetimefield_value(at)])


# --- routing a case ------------------------------------------------------------------------------
@transaction.atomic
def case_route(*, case: Case, actor=None) -> RouteResult:
    """Route an unassigned case now. Rules apply only to unassigned cases; a case already in a
    group keeps it, and only that group's rules distribute it to an agent."""
    if actor is not None:
        permissions_routing.require_can_route_case(actor)
    case = (
        Case.objects.select_for_update(of=("self",)).only(*_ROUTE_FIELDS)
        .annotate(open_offer_id=selectors_routing.open_offer_id()).get(pk=case.pk)
    )
    if case.is_read_only:
        raise InvalidTransition(action="route", state=case.state, allowed=[])
    if case.assigned_to_id:
        return RouteResult("already_assigned", case, detail="The case is already assigned.")
    if case.open_offer_id is not None:
        offer = CaseOffer.objects.select_related("agent").get(pk=case.open_offer_id)
        return RouteResult("already_offered", case, offer=offer, detail=f"The case is offered to {offer.agent}.")
    rule = selectors_routing.rule_for_case(case, group_id=case.assignment_group_id)
    if rule is None:
        where = f" for {case.assignment_group}" if case.assignment_group_id else ""
        return RouteResult("no_rule", case, detail=f"No active assignment rule{where} matches the case.")
    if case.assignment_group_id != rule.assignment_group_id or rule.assigned_to_id:
        fields = {"assignment_group": rule.assignment_group}
        if rule.assigned_to_id:
            fields["assigned_to"] = rule.assigned_to
        case = case_update(actor=actor, instance=case, **fields)
        if rule.assigned_to_id:  # (an offer's or a queued case's entry names the rule itself)
            _record(case, f"Assignment rule '{rule.name}' assigned the case to {rule.assignment_group} / "
                          f"{rule.assigned_to.username}.", actor)
            return RouteResult(
                "assigned", case, rule=rule, detail=f"Assigned to {rule.assigned_to.username}.", changed=True
            )
        result = _offer_next(case, rule, actor=actor)
        result.changed = True
        return result
    return _offer_next(case, rule, actor=actor)


def _offer_next(case: Case, rule: AssignmentRule, *, actor=None) -> RouteResult:
    """Offer the case to the best eligible agent of the rule's group who has not declined it."""
    candidates = selectors_routing.eligible_candidates(
        group_id=rule.assignment_group_id, channel=case.channel, rule=rule, exclude_case_id=case.pk,
    )
    ordered = selectors_routing.order_candidates(candidates, strategy=rule.strategy)
    if not ordered:
        detail = f"Rule '{rule.name}': no eligible agent in {rule.assignment_group}; the case waits in the group's queue."
        _record(case, detail, actor)
        return RouteResult("queued", case, rule=rule, detail=detail)
    best = ordered[0]
    now = timezone.now()
    offer = CaseOffer.objects.create(
        case=case, agent_id=best.user_id, assignment_group_id=rule.assignment_group_id, rule=rule,
        offered_at=now, expires_at=now + _timeout(),
    )
    _touch_routing_state(best.user_id, now)
    how = RoutingStrategy(rule.strategy).label.split(" (")[0].lower() + (" with skills" if rule.use_skills else "")
    _record(
        case,
        f"Offered to {best.username} by rule '{rule.name}' ({how}); "
        f"expires at {offer.expires_at:%Y-%m-%d %H:%M:%S} UTC.",
        actor,
    )
    return RouteResult("offered", case, rule=rule, offer=offer, detail=f"Offered to {best.username}.")


def _route_again(case: Case, previous_rule_id: int | None) -> RouteResult:
    """After a reject or timeout: the next agent of the same group, by the same rule while it is
    active (else the group's first matching rule)."""
    rule = None
    if previous_rule_id is not None:
        rule = (
            AssignmentRule.objects.filter(
                pk=previous_rule_id, active=True, assignment_group_id=case.assignment_group_id
            ).select_related("assignment_group").first()
        )
    rule = rule or selectors_routing.rule_for_case(case, group_id=case.assignment_group_id)
    if rule is None:
        detail = "No active assignment rule matches the case any more; it waits in its group's queue."
        _record(case, detail)
        return RouteResult("no_rule", case, detail=detail)
    return _offer_next(case, rule)


def _route_new_case(case: Case) -> None:
    """case_created hook: route an unassigned new case; a routing failure never stops the case
    from being opened (it is recorded on the timeline and the case waits in its queue)."""
    if case.assigned_to_id:
        return
    # Cheap exit for the common case of no matching rule: one query, no savepoint. (The new row
    # is not committed yet, so nobody else can have locked it, offered it or routed it.)
    if selectors_routing.rule_for_case(case, group_id=case.assignment_group_id) is None:
        return
    try:
        with transaction.atomic():
            result = case_route(case=case)
    except (ValidationError, Conflict, PermissionDenied) as exc:
        reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        logger.warning("routing %s failed: %s", case.number, reason)
        _record(case, f"Routing failed: {reason}")
        return
    if result.changed:  # the rule changed the row: keep the creator's instance current
        for name in ("assignment_group_id", "assigned_to_id", "assigned_at", "reassignment_count", "version", "updated_at"):
            setattr(case, name, getattr(result.case, name))


def _on_case_changed(case: Case) -> None:
    """case_changed hook: an open offer ends when someone else assigns the case, when it is
    closed or cancelled, or when it moves to another group; and an assignment counts for round
    robin, whoever made it."""
    # Version 1 is the creation's own call (every later save bumps the version): routing has
    # not run yet, so there is no offer to look for.
    offers = (
        CaseOffer.objects.select_for_update().filter(case_id=case.pk, state=OfferState.OFFERED) if case.version > 1 else ()
    )
    for offer in offers:
        if case.assigned_to_id:
            reason = MANUALLY_ASSIGNED
        elif case.is_read_only:
            reason = f"The case was {case.state_category}."
        elif case.assignment_group_id != offer.assignment_group_id:
            reason = "The case moved to another group."
        else:
            continue
        offer.cancel(at=timezone.now(), reason=reason)
        offer.save()
        _record(case, f"Offer to {offer.agent.username} cancelled: {reason}")
    # The case services stamp `assigned_at` just before the save that stamps `updated_at`, so a
    # close pair means this save assigned it; a later save (a comment...) skips the upsert. A
    # save soon after an assignment repeats it, which changes nothing.
    if case.assigned_to_id and case.assigned_at and case.updated_at - case.assigned_at < _JUST_ASSIGNED:
        _touch_routing_state(case.assigned_to_id, case.assigned_at)


hooks.register_case_created(_route_new_case)
hooks.register_case_changed(_on_case_changed)


# --- answering offers ----------------------------------------------------------------------------
def _lock(offer: CaseOffer, *, skip_locked: bool = False) -> tuple[Case | None, CaseOffer | None]:
    """Lock the offer's case, then the offer (the one lock order of this module)."""
    case = Case.objects.select_for_update(skip_locked=skip_locked).filter(pk=offer.case_id).first()
    if case is None:
        return None, None
    locked = (
        CaseOffer.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related("agent")
        .filter(pk=offer.pk).first()
    )
    return case, locked


def _require_open(offer: CaseOffer, action: str) -> None:
    if not offer.is_open:
        raise InvalidTransition(action=action, state=offer.state, allowed=[])


@transaction.atomic
def case_offer_accept(*, actor, offer: CaseOffer) -> CaseOffer:
    """The offered agent takes the case: it is assigned to them in the offer's group."""
    case, offer = _lock(offer)
    permissions_routing.require_can_answer_offer(actor, offer)
    _require_open(offer, "accept")
    now = timezone.now()
    if offer.expires_at <= now:
        raise Conflict(
            f"The offer expired at {offer.expires_at:%Y-%m-%d %H:%M:%S} UTC; the case goes to the next agent."
        )
    offer.accept(at=now)
    offer.save()
    case_assign(actor=actor, case=case, assignment_group=offer.assignment_group, assigned_to=actor)
    _record(case, f"{actor.username} accepted the offer.", actor)
    return offer


@transaction.atomic
def case_offer_reject(*, actor, offer: CaseOffer, reason: str) -> CaseOffer:
    """The offered agent declines (a reason is required); the next eligible agent gets the offer."""
    reason = (reason or "").strip()
    case, offer = _lock(offer)
    permissions_routing.require_can_answer_offer(actor, offer)
    _require_open(offer, "reject")
    if not reason:
        raise ValidationError({"reason": "Say why you reject the offer."})
    offer.reject(at=timezone.now(), reason=reason)
    offer.save()
    _record(case, f"{actor.username} rejected the offer: {reason}", actor)
    _route_again(case, offer.rule_id)
    return offer


@transaction.atomic
def case_offer_time_out(*, offer_id: int, now: datetime.datetime | None = None) -> bool:
    """Time out one due offer and offer the case to the next agent. Idempotent and safe to run
    from several workers at once: rows another transaction holds are skipped (that one is doing
    the work), an offer no longer open or not yet due is left alone. True if it timed out here."""
    now = now or timezone.now()
    offer = CaseOffer.objects.filter(pk=offer_id).only("pk", "case_id").first()
    if offer is None:
        return False
    case, offer = _lock(offer, skip_locked=True)
    if case is None or offer is None or not offer.is_open or offer.expires_at > now:
        return False
    offer.time_out(at=now)
    offer.save()
    _record(case, f"The offer to {offer.agent.username} timed out.")
    _route_again(case, offer.rule_id)
    return True


def case_offers_expire_due(*, now: datetime.datetime | None = None, batch: int = 100, max_batches: int = 50) -> int:
    """The beat scan: time out the offers due by `now`, oldest first, each in its own transaction
    (a worker killed mid-scan loses at most the offer it was on, whose transaction rolls back and
    stays due for the next scan). Reads only due offers, through the (state, expires_at) index."""
    now = now or timezone.now()
    done, seen = 0, set()
    for _ in range(max_batches):
        due = [
            pk for pk in CaseOffer.objects.filter(state=OfferState.OFFERED, expires_at__lte=now)
            .exclude(pk__in=seen).order_by("expires_at", "id").values_list("pk", flat=True)[:batch]
        ]
        if not due:
            break
        seen.update(due)
        done += sum(1 for pk in due if case_offer_time_out(offer_id=pk, now=now))
    return done


# --- assignment rules ----------------------------------------------------------------------------
RULE_FIELDS = (
    "name", "order", "active", "case_type", "product", "account", "priority", "channel", "service_definition",
    "assignment_group", "assigned_to", "strategy", "use_skills",
)


def _rule_check(rule: AssignmentRule) -> None:
    errors = {}
    if rule.assigned_to_id:
        if not is_internal(rule.assigned_to):
            errors["assigned_to"] = f"{rule.assigned_to.username} is not an agent."
        elif rule.assignment_group_id and not rule.assignment_group.members.filter(pk=rule.assigned_to_id).exists():
            errors["assigned_to"] = f"{rule.assigned_to.username} is not a member of {rule.assignment_group}."
    if rule.assignment_group_id and not rule.assignment_group.active:
        errors["assignment_group"] = f"{rule.assignment_group} is not active."
    if errors:
        raise ValidationError(errors)


def _requirements_set(rule: AssignmentRule, requirements: list[dict]) -> None:
    seen = set()
    for item in requirements:
        if item["skill"].pk in seen:
            raise ValidationError({"skill_requirements": f"{item['skill']} is listed twice."})
        seen.add(item["skill"].pk)
    rule.skill_requirements.all().delete()
    for item in requirements:
        row = RoutingSkillRequirement(rule=rule, **item)
        row.full_clean(exclude=["rule"])
        row.save()


def _refused(fields: dict) -> None:
    refused = sorted(set(fields) - set(RULE_FIELDS))
    if refused:
        raise ValidationError({name: "This field cannot be set here." for name in refused})


@transaction.atomic
def assignment_rule_create(*, actor, skill_requirements: list[dict] | None = None, **fields) -> AssignmentRule:
    """Admins: a new rule. `skill_requirements`: [{"skill", "min_level", "mandatory"}]."""
    if actor is not None:
        permissions_routing.require_can_manage_assignment_rules(actor, "add")
    _refused(fields)
    rule = AssignmentRule()
    model_apply(rule, fields)
    _rule_check(rule)
    rule.save()
    if skill_requirements:
        _requirements_set(rule, skill_requirements)
    return rule


@transaction.atomic
def assignment_rule_update(
    *, actor, instance: AssignmentRule, skill_requirements: list[dict] | None = None, **fields
) -> AssignmentRule:
    """Admins: change a rule; `skill_requirements`, when given, replaces the rule's list."""
    if actor is not None:
        permissions_routing.require_can_manage_assignment_rules(actor, "change")
    _refused(fields)
    rule = AssignmentRule.objects.select_for_update().get(pk=instance.pk)
    model_apply(rule, fields)
    _rule_check(rule)
    rule.save()
    if skill_requirements is not None:
        _requirements_set(rule, skill_requirements)
    return rule


@transaction.atomic
def assignment_rule_delete(*, actor, instance: AssignmentRule) -> None:
    """Admins: delete a rule (its past offers keep their history, without the rule)."""
    if actor is not None:
        permissions_routing.require_can_manage_assignment_rules(actor, "delete")
    AssignmentRule.objects.filter(pk=instance.pk).delete()


# The admin's inline rows of a rule's skills.
@transaction.atomic
def routing_skill_requirement_create(*, actor, rule: AssignmentRule, **fields) -> RoutingSkillRequirement:
    if actor is not None:
        permissions_routing.require_can_manage_assignment_rules(actor, "change")
    row = RoutingSkillRequirement(rule=rule)
    model_apply(row, fields)
    row.save()
    return row


@transaction.atomic
def routing_skill_requirement_update(*, actor, instance: RoutingSkillRequirement, **fields) -> RoutingSkillRequirement:
    if actor is not None:
        permissions_routing.require_can_manage_assignment_rules(actor, "change")
    row = RoutingSkillRequirement.objects.select_for_update().get(pk=instance.pk)
    fields.pop("rule", None)
    model_apply(row, fields)
    row.save()
    return row


@transaction.atomic
def routing_skill_requirement_delete(*, actor, instance: RoutingSkillRequirement) -> None:
    if actor is not None:
        permissions_routing.require_can_manage_assignment_rules(actor, "change")
    RoutingSkillRequirement.objects.filter(pk=instance.pk).delete()
