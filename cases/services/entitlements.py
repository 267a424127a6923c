"""Entitlements on cases (reference 3.5): which entitlement a case gets, and the units it uses.

Candidates for a case are the entitlements that are active, in date (start <= today <= end, an
open end allowed), list the case's channel, belong to the case's account or consumer, and whose
every other set field (product, asset, sold product, install base item, contract) is the case's
own (a contract also covers the sold products, and their assets, sold under it). A per-unit
entitlement with no units left is not a candidate. Each candidate scores the
weights of what it matches: account/consumer 1, product 2, asset / sold product / install base
item 3 each, contract 4; the highest score wins. Ties: the one that ends first (open-ended last),
then the oldest (lowest id), so the choice never depends on row order.

An entitlement given explicitly must be a candidate, unless an agent gives
`entitlement_override_reason` (customers cannot set an entitlement at all). The reason stays on
the case (agents see it, customers never do) and a work note records the override.

Units (per-unit entitlements): Cases — one unit when a case with the entitlement closes, once per
case (a ledger row, `EntitlementUsage`, unique per closed case: reopen and close again charge
nothing). Hours — each time entry charges its time; charges are rounded on the running total of
minutes, so twenty-minute entries add up to whole hours. Remaining units never go below zero:
what cannot be charged is recorded as overage on the ledger row and flagged in a work note.
"""
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from cases import events, hooks, permissions_escalations
from cases.choices import EventKind, StateCategory
from cases.models import Case, CaseTimeEntry, EntitlementUsage
from cases.models.escalations import UsageKind
from cases.services.cases import case_lock_for_change
from catalog import services as catalog_services
from catalog.choices import EntitlementUnit
from catalog.models import Entitlement

__all__ = [
    "entitlement_candidates", "entitlement_choose", "entitlement_resolve", "entitlement_warning",
    "case_entitlement_on_case_change", "case_entitlement_on_case_created", "case_time_entry_add",
]

WEIGHTS = {"product": 2, "asset": 3, "sold_product": 3, "install_base_item": 3, "contract": 4}
OWNER_WEIGHT = 1
HOUR = Decimal(60)
CENT = Decimal("0.01")


def _today() -> datetime.date:
    return timezone.localdate()


def _case_contracts(case: Case) -> set[int]:
    """The case's contract, and the contract its sold product (or its asset's sold product) was
    sold under: a contract entitlement covers what was sold under the contract (reference 3.5)."""
    contracts = {case.contract_id}
    if case.sold_product_id:
        contracts.add(case.sold_product.contract_id)
    if case.asset_id and case.asset.sold_product_id:
        contracts.add(case.asset.sold_product.contract_id)
    return contracts - {None}


def entitlement_candidates(case: Case, *, on: datetime.date | None = None) -> list[tuple[int, Entitlement]]:
    """(score, entitlement) for every candidate of the case, best first."""
    on = on or _today()
    if case.account_id:
        owner, owner_id = "account_id", case.account_id
    elif case.consumer_id:
        owner, owner_id = "consumer_id", case.consumer_id
    else:
        return []
    rows = _in_force(owner, owner_id, on)
    contracts = _case_contracts(case)
    scored = []
    for entitlement in rows:
        if case.channel not in (entitlement.channels or []):  # a JSON list: checked here, portable
            continue
        if entitlement.per_unit and entitlement.remaining_units is not None and entitlement.remaining_units <= 0:
            continue
        score, fits = OWNER_WEIGHT, True
        for name, weight in WEIGHTS.items():
            wanted = getattr(entitlement, f"{name}_id")
            if wanted is None:
                continue
            if wanted not in (contracts if name == "contract" else {getattr(case, f"{name}_id")}):
                fits = False
                break
            score += weight
        if fits:
            scored.append((score, entitlement))
    scored.sort(key=lambda se: (-se[0], se[1].ends_on or datetime.date.max, se[1].pk))
    return scored


def _in_force(owner: str, owner_id: int, on: datetime.date):
    """The owner's active entitlements in force on `on`, by id. Plain SQL (`QuerySet.raw`): this
    runs for every case opened, and building it through the ORM cost more than running it."""
    ops = connection.ops
    table = ops.quote_name(Entitlement._meta.db_table)
    day = ops.adapt_datefield_value(on)
    sql = (
        f"SELECT * FROM {table} WHERE {ops.quote_name(owner)} = %s AND active = %s AND starts_on <= %s "
        f"AND (ends_on IS NULL OR ends_on >= %s) ORDER BY id"
    )
    return Entitlement.objects.raw(sql, [owner_id, True, day, day])


def entitlement_choose(case: Case) -> Entitlement | None:
    candidates = entitlement_candidates(case)
    return candidates[0][1] if candidates else None


def entitlement_resolve(case: Case) -> Entitlement | None:
    """The entitlement resolver registered with `cases.hooks`: called by case_create (and by
    case_update when an agent sets one) before the case is saved."""
    reason = (case.entitlement_override_reason or "").strip()
    case.entitlement_override_reason = reason
    if case.entitlement_id is None:
        if reason:
            raise ValidationError(
                {"entitlement_override_reason": "Give the entitlement you set by override, or no reason."}
            )
        return entitlement_choose(case)
    if any(e.pk == case.entitlement_id for _, e in entitlement_candidates(case)):
        case.entitlement_override_reason = ""  # a candidate needs no override
        return case.entitlement
    if reason:
        return case.entitlement
    raise ValidationError(
        {
            "entitlement": (
                f"'{case.entitlement}' does not cover this case (it must be active, in date, list the "
                f"{case.get_channel_display()} channel and match the case's customer, product, asset, "
                "sold product, install base item and contract where it names them). Give "
                "entitlement_override_reason to set it anyway."
            )
        }
    )


def entitlement_warning(case: Case) -> str | None:
    """What agents are told about the case's entitlement (never shown to customers)."""
    if case.entitlement_id is None:
        return "No entitlement covers this case (active, in date, on its channel, for its customer)."
    if case.entitlement_override_reason:
        return f"Entitlement set by an agent's override: {case.entitlement_override_reason}"
    return None


def case_entitlement_on_case_created(case: Case) -> None:
    """register_case_created callback: the timeline records an override."""
    if case.entitlement_id and case.entitlement_override_reason:
        events.case_event_record(
            case=case, kind=EventKind.WORK_NOTE, actor=case.opened_by,
            body=f"Entitlement '{case.entitlement}' set by override: {case.entitlement_override_reason}",
        )


def _usage_note(case: Case, entitlement: Entitlement, usage: EntitlementUsage, what: str, actor=None) -> None:
    unit = entitlement.get_unit_display().lower()
    body = (
        f"Entitlement '{entitlement}': {usage.charged} {unit} used for {what}; "
        f"{entitlement.remaining_units} {unit} left."
    )
    if usage.overage:
        body += f" No units left for {usage.overage} {unit}: recorded as overage."
    events.case_event_record(case=case, kind=EventKind.WORK_NOTE, actor=actor, body=body)


def case_entitlement_on_case_change(case: Case) -> None:
    """register_case_changed callback: a case with a Cases entitlement uses one unit when it
    closes, once (the ledger's unique row makes a second close, after a reopen, charge nothing)."""
    if case.state_category != StateCategory.CLOSED or case.entitlement_id is None:
        return
    entitlement = case.entitlement
    if not entitlement.per_unit or entitlement.unit != EntitlementUnit.CASES:
        return
    if EntitlementUsage.objects.filter(case_id=case.pk, kind=UsageKind.CASE_CLOSED).exists():
        return
    charged, overage = catalog_services.entitlement_units_consume(entitlement=entitlement, units=Decimal(1))
    usage = EntitlementUsage.objects.create(
        entitlement=entitlement, case=case, kind=UsageKind.CASE_CLOSED, units=Decimal(1), charged=charged,
        overage=overage, created_at=timezone.now(),
    )
    _usage_note(case, entitlement, usage, f"closing {case.number}")


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / HOUR).quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def case_time_entry_add(
    *, actor, case: Case, minutes: int, note: str = "", worked_on: datetime.date | None = None
) -> CaseTimeEntry:
    """Log time an agent worked on a case; an Hours entitlement on the case is charged for it."""
    case = case_lock_for_change(case, action="log-time")
    permissions_escalations.require_can_log_time(actor)
    entry = CaseTimeEntry(
        case=case, agent=actor, minutes=minutes, note=(note or "").strip(), worked_on=worked_on or _today()
    )
    entry.full_clean(exclude=["case", "agent", "entitlement"])
    if entry.worked_on > _today():
        raise ValidationError({"worked_on": "Time cannot be logged for a day still to come."})
    entitlement = case.entitlement
    charge = entitlement is not None and entitlement.per_unit and entitlement.unit == EntitlementUnit.HOURS
    if charge:
        entitlement = catalog_services.entitlement_lock(entitlement)
        entry.entitlement = entitlement
    entry.save()
    body = f"Time worked: {entry.minutes} min" + (f" — {entry.note}" if entry.note else "")
    events.case_event_record(case=case, kind=EventKind.WORK_NOTE, actor=actor, body=body)
    if charge:
        before = (
            CaseTimeEntry.objects.filter(entitlement_id=entitlement.pk).exclude(pk=entry.pk).aggregate(m=Sum("minutes"))
        )["m"] or 0
        units = _hours(before + entry.minutes) - _hours(before)
        charged, overage = catalog_services.entitlement_units_consume(entitlement=entitlement, units=units)
        usage = EntitlementUsage.objects.create(
            entitlement=entitlement, case=case, time_entry=entry, kind=UsageKind.TIME_WORKED, units=units,
            charged=charged, overage=overage, created_at=timezone.now(),
        )
        _usage_note(case, entitlement, usage, f"{entry.minutes} min of work", actor)
    return entry


hooks.register_entitlement_resolver(entitlement_resolve)
hooks.register_case_created(case_entitlement_on_case_created)
hooks.register_case_changed(case_entitlement_on_case_change)
