"""Editing lifecycles (states and transitions as data) and case types' extra fields.

The rules that keep every case movable while admins change its lifecycle:
- a lifecycle with states has exactly one initial state: marking a state initial moves the flag
  from the previous one (same transaction); the initial state cannot be unmarked or deleted
  (mark another one instead);
- a state some case is in keeps its code and category and cannot be deleted;
- a transition joins two states of its own lifecycle and requires only LifecycleTransition.REQUIRABLE;
- one default lifecycle: making a lifecycle the default unsets the old one; the default cannot
  simply be unset (make another lifecycle the default instead).
Refusals are ValidationErrors naming the field.
"""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cases.models import Case, CaseType, CaseTypeField, Lifecycle, LifecycleState, LifecycleTransition
from core.services import model_apply

__all__ = [
    "lifecycle_create", "lifecycle_update",
    "lifecycle_state_create", "lifecycle_state_update", "lifecycle_state_delete",
    "lifecycle_transition_create", "lifecycle_transition_update", "lifecycle_transition_delete",
    "case_type_field_create", "case_type_field_update", "case_type_field_delete",
]


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied("Only admins change lifecycles and case types.")


# --- lifecycles -----------------------------------------------------------------------------------
def _take_default(lifecycle: Lifecycle) -> None:
    Lifecycle.objects.select_for_update().filter(is_default=True).exclude(pk=lifecycle.pk).update(is_default=False)


@transaction.atomic
def lifecycle_create(*, actor, name: str, code: str, is_default: bool = False, **fields) -> Lifecycle:
    _require(actor, "cases.add_lifecycle")
    lifecycle = Lifecycle(name=name, code=code, is_default=is_default)
    if is_default:
        _take_default(lifecycle)
    model_apply(lifecycle, fields)
    lifecycle.save()
    return lifecycle


@transaction.atomic
def lifecycle_update(*, actor, instance: Lifecycle, **fields) -> Lifecycle:
    _require(actor, "cases.change_lifecycle")
    lifecycle = Lifecycle.objects.select_for_update().get(pk=instance.pk)
    if "is_default" in fields and lifecycle.is_default and not fields["is_default"]:
        raise ValidationError({"is_default": "There is always one default lifecycle: make another one the default instead."})
    if fields.get("is_default") and not lifecycle.is_default:
        _take_default(lifecycle)
    model_apply(lifecycle, fields)
    lifecycle.save()
    return lifecycle


# --- states ---------------------------------------------------------------------------------------
def _cases_in(state: LifecycleState) -> int:
    return Case.objects.filter(lifecycle_id=state.lifecycle_id, state=state.code).count()


def _lifecycle_in_use(lifecycle_id: int) -> bool:
    return Case.objects.filter(lifecycle_id=lifecycle_id).exists()


def _lock_lifecycle(lifecycle: Lifecycle) -> Lifecycle:
    # Serializes concurrent edits of one lifecycle's states (initial flag, codes).
    return Lifecycle.objects.select_for_update().get(pk=lifecycle.pk)


@transaction.atomic
def lifecycle_state_create(
    *, actor, lifecycle: Lifecycle, code: str, label: str, category: str, is_initial: bool = False, **fields
) -> LifecycleState:
    _require(actor, "cases.change_lifecycle")
    lifecycle = _lock_lifecycle(lifecycle)
    current = lifecycle.states.filter(is_initial=True).first()
    if current is None and not is_initial:
        raise ValidationError({"is_initial": f"{lifecycle} has no initial state yet: make this state the initial one."})
    if is_initial and current is not None:
        current.is_initial = False
        current.save(update_fields=["is_initial"])
    state = LifecycleState(lifecycle=lifecycle, code=code, label=label, category=category, is_initial=is_initial)
    model_apply(state, fields)
    state.save()
    return state


@transaction.atomic
def lifecycle_state_update(*, actor, instance: LifecycleState, **fields) -> LifecycleState:
    _require(actor, "cases.change_lifecycle")
    _lock_lifecycle(instance.lifecycle)
    state = LifecycleState.objects.select_for_update().get(pk=instance.pk)
    fields.pop("lifecycle", None)  # a state stays in its lifecycle
    errors = {}
    in_use = _cases_in(state)
    for name in ("code", "category"):
        if name in fields and fields[name] != getattr(state, name) and in_use:
            errors[name] = f"{in_use} case(s) are in {state.code}; its {name} cannot change."
    if "is_initial" in fields and state.is_initial and not fields["is_initial"]:
        errors["is_initial"] = "A lifecycle has exactly one initial state: mark another state initial instead."
    if errors:
        raise ValidationError(errors)
    if fields.get("is_initial") and not state.is_initial:
        LifecycleState.objects.filter(lifecycle_id=state.lifecycle_id, is_initial=True).update(is_initial=False)
    model_apply(state, fields)
    state.save()
    return state


@transaction.atomic
def lifecycle_state_delete(*, actor, instance: LifecycleState) -> None:
    _require(actor, "cases.change_lifecycle")
    _lock_lifecycle(instance.lifecycle)
    state = LifecycleState.objects.select_for_update().get(pk=instance.pk)
    in_use = _cases_in(state)
    if in_use:
        raise ValidationError({"code": f"{in_use} case(s) are in {state.code}; it cannot be deleted."})
    if state.is_initial and (_lifecycle_in_use(state.lifecycle_id) or state.lifecycle.states.count() > 1):
        raise ValidationError(
            {"is_initial": f"{state.code} is the initial state: mark another state initial before deleting it."}
        )
    state.delete()  # its transitions go with it


# --- transitions ----------------------------------------------------------------------------------
@transaction.atomic
def lifecycle_transition_create(
    *, actor, lifecycle: Lifecycle, action: str, label: str, source: LifecycleState, target: LifecycleState,
    side: str = "agent", **fields
) -> LifecycleTransition:
    """`side` is the transition's `actor` field (agent, customer or any); `actor` is who edits."""
    _require(actor, "cases.change_lifecycle")
    transition = LifecycleTransition(
        lifecycle=lifecycle, action=action, label=label, source=source, target=target, actor=side
    )
    model_apply(transition, fields)
    transition.save()
    return transition


@transaction.atomic
def lifecycle_transition_update(*, actor, instance: LifecycleTransition, side: str | None = None, **fields):
    _require(actor, "cases.change_lifecycle")
    transition = LifecycleTransition.objects.select_for_update().get(pk=instance.pk)
    fields.pop("lifecycle", None)
    if side is not None:
        fields["actor"] = side
    model_apply(transition, fields)
    transition.save()
    return transition


@transaction.atomic
def lifecycle_transition_delete(*, actor, instance: LifecycleTransition) -> None:
    _require(actor, "cases.change_lifecycle")
    LifecycleTransition.objects.filter(pk=instance.pk).delete()


# --- case type fields -----------------------------------------------------------------------------
@transaction.atomic
def case_type_field_create(*, actor, case_type: CaseType, name: str, label: str, **fields) -> CaseTypeField:
    _require(actor, "cases.change_casetype")
    field = CaseTypeField(case_type=case_type, name=name, label=label)
    model_apply(field, fields)
    field.save()
    return field


@transaction.atomic
def case_type_field_update(*, actor, instance: CaseTypeField, **fields) -> CaseTypeField:
    _require(actor, "cases.change_casetype")
    field = CaseTypeField.objects.select_for_update().get(pk=instance.pk)
    fields.pop("case_type", None)
    model_apply(field, fields)
    field.save()
    return field


@transaction.atomic
def case_type_field_delete(*, actor, instance: CaseTypeField) -> None:
    """Values already stored in cases' `extra` stay; new edits no longer accept the name."""
    _require(actor, "cases.change_casetype")
    CaseTypeField.objects.filter(pk=instance.pk).delete()
