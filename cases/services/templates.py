"""Task plan templates (reference 5.5): define in Draft, publish (read-only afterwards), clone to
a new Draft, apply a published one to a case (one case task per item whose conditions hold)."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from cases import events, hooks, permissions
from cases.choices import EventKind
from cases.models import Case, TaskTemplate, TaskTemplateApplication, TaskTemplateItem, TemplateState
from cases.models.templates import CONDITION_FIELDS, CONDITION_OPS
from cases.services.cases import case_lock_for_change
from core.exceptions import InvalidTransition
from core.numbers import number_next
from core.services import model_apply

__all__ = [
    "task_template_create", "task_template_update", "task_template_publish", "task_template_clone",
    "task_template_apply", "task_template_item_create", "task_template_item_update", "task_template_item_delete",
    "task_template_conditions_clean", "task_template_item_applies",
]

TEMPLATE_FIELDS = ("name", "short_description", "active")
ITEM_FIELDS = ("short_description", "description", "order", "assignment_group", "priority", "visible_to_customer", "conditions")


def _allowed(template: TaskTemplate) -> list[str]:
    if template.state == TemplateState.DRAFT:
        return ["update", "publish", "clone", "add-item"]
    return ["clone", "apply", "deactivate"] if template.active else ["clone", "activate"]


def _require_draft(template: TaskTemplate, action: str) -> None:
    if template.state != TemplateState.DRAFT:
        raise InvalidTransition(action=action, state=template.state, allowed=_allowed(template))


# --- conditions ------------------------------------------------------------------------------------
def task_template_conditions_clean(conditions) -> list[dict]:
    """[{field, op, value}] with known fields and ops; 'in' takes a list."""
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": "Give a list of {field, op, value} conditions."})
    cleaned = []
    for n, cond in enumerate(conditions, start=1):
        if not isinstance(cond, dict) or set(cond) != {"field", "op", "value"}:
            raise ValidationError({"conditions": f"Condition {n}: give exactly field, op and value."})
        if cond["field"] not in CONDITION_FIELDS:
            raise ValidationError({"conditions": f"Condition {n}: field must be one of {', '.join(CONDITION_FIELDS)}."})
        if cond["op"] not in CONDITION_OPS:
            raise ValidationError({"conditions": f"Condition {n}: op must be one of {', '.join(CONDITION_OPS)}."})
        if cond["op"] == "in" and not isinstance(cond["value"], list):
            raise ValidationError({"conditions": f"Condition {n}: 'in' takes a list of values."})
        if cond["op"] != "in" and isinstance(cond["value"], (list, dict)):
            raise ValidationError({"conditions": f"Condition {n}: '{cond['op']}' takes one value."})
        cleaned.append({"field": cond["field"], "op": cond["op"], "value": cond["value"]})
    return cleaned


def _case_value(case: Case, field: str) -> str:
    if field == "case_type":
        value = case.case_type.code if case.case_type_id else None
    elif field in ("product", "account"):
        value = getattr(case, f"{field}_id")
    else:
        value = getattr(case, field)
    return "" if value is None else str(value)


def _norm(value) -> str:
    return "" if value is None else str(value)


def task_template_item_applies(item: TaskTemplateItem, case: Case) -> bool:
    """All conditions hold (values compared as text, so 2 and "2" are equal)."""
    for cond in item.conditions or []:
        actual = _case_value(case, cond["field"])
        if cond["op"] == "eq" and actual != _norm(cond["value"]):
            return False
        if cond["op"] == "ne" and actual == _norm(cond["value"]):
            return False
        if cond["op"] == "in" and actual not in {_norm(v) for v in cond["value"]}:
            return False
    return True


# --- templates -------------------------------------------------------------------------------------
@transaction.atomic
def task_template_create(*, actor, name: str, **fields) -> TaskTemplate:
    if actor is not None and not actor.has_perm("cases.add_tasktemplate"):
        raise PermissionDenied("Only admins define task templates.")
    refused = sorted(set(fields) - set(TEMPLATE_FIELDS))
    if refused:
        raise ValidationError({n: "This field cannot be set here." for n in refused})
    template = TaskTemplate(name=name, number=number_next("TPLT"))
    model_apply(template, fields, exclude_clean=("state",))
    template.save()
    return template


@transaction.atomic
def task_template_update(*, actor, instance: TaskTemplate, **fields) -> TaskTemplate:
    """Drafts are editable; a published template only (de)activates (anything else: 409)."""
    if actor is not None:
        permissions.require_can_manage_task_templates(actor)
    template = TaskTemplate.objects.select_for_update().get(pk=instance.pk)
    refused = sorted(set(fields) - set(TEMPLATE_FIELDS))
    if refused:
        raise ValidationError({n: "This field cannot be changed here." for n in refused})
    changing = {n for n, v in fields.items() if getattr(template, n) != v}
    if changing - {"active"}:
        _require_draft(template, "update")
    model_apply(template, fields, exclude_clean=("state",))
    template.save()
    return template


@transaction.atomic
def task_template_publish(*, actor, template: TaskTemplate) -> TaskTemplate:
    if actor is not None:
        permissions.require_can_manage_task_templates(actor)
    template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
    _require_draft(template, "publish")
    if not template.items.exists():
        raise ValidationError({"items": "Add at least one item before publishing."})
    try:
        template.publish(by=actor if getattr(actor, "is_authenticated", False) else None, at=timezone.now())
    except TransitionNotAllowed:
        raise InvalidTransition(action="publish", state=template.state, allowed=_allowed(template)) from None
    template.save()
    return template


@transaction.atomic
def task_template_clone(*, actor, template: TaskTemplate, name: str = "") -> TaskTemplate:
    """A new Draft with copies of the items (from a draft or a published template)."""
    if actor is not None and not actor.has_perm("cases.add_tasktemplate"):
        raise PermissionDenied("Only admins define task templates.")
    source = TaskTemplate.objects.get(pk=template.pk)
    copy = task_template_create(
        actor=None, name=(name or f"Copy of {source.name}")[:100], short_description=source.short_description,
        active=source.active,
    )
    TaskTemplateItem.objects.bulk_create(
        TaskTemplateItem(template=copy, **{n: getattr(item, n) for n in ITEM_FIELDS})
        for item in source.items.all()
    )
    return copy


# --- items -----------------------------------------------------------------------------------------
def _item_apply(item: TaskTemplateItem, fields: dict) -> None:
    refused = sorted(set(fields) - set(ITEM_FIELDS))
    if refused:
        raise ValidationError({n: "This field cannot be set here." for n in refused})
    if "conditions" in fields:
        fields = {**fields, "conditions": task_template_conditions_clean(fields["conditions"])}
    model_apply(item, fields)


@transaction.atomic
def task_template_item_create(*, actor, template: TaskTemplate, short_description: str, **fields) -> TaskTemplateItem:
    if actor is not None:
        permissions.require_can_manage_task_templates(actor)
    template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
    _require_draft(template, "add-item")
    item = TaskTemplateItem(template=template, short_description=short_description)
    _item_apply(item, fields)
    item.save()
    return item


@transaction.atomic
def task_template_item_update(*, actor, instance: TaskTemplateItem, **fields) -> TaskTemplateItem:
    if actor is not None:
        permissions.require_can_manage_task_templates(actor)
    moved_to = fields.pop("template", None)
    if moved_to is not None and moved_to.pk != instance.template_id:
        raise ValidationError({"template": "An item stays in its template."})
    template = TaskTemplate.objects.select_for_update().get(pk=instance.template_id)
    _require_draft(template, "update-item")
    item = TaskTemplateItem.objects.get(pk=instance.pk)
    _item_apply(item, fields)
    item.save()
    return item


@transaction.atomic
def task_template_item_delete(*, actor, instance: TaskTemplateItem) -> None:
    if actor is not None:
        permissions.require_can_manage_task_templates(actor)
    template = TaskTemplate.objects.select_for_update().get(pk=instance.template_id)
    _require_draft(template, "delete-item")
    TaskTemplateItem.objects.filter(pk=instance.pk).delete()


# --- apply -----------------------------------------------------------------------------------------
def _create_task(actor, case: Case, item: TaskTemplateItem):
    """Create one case task through the case-task service, looked up at call time: case tasks are
    built in another branch, and until it is merged applying a template that yields tasks is
    refused with a clear 400 instead of failing half-way."""
    import cases.services as case_services

    create = getattr(case_services, "case_task_create", None)
    if create is None:
        raise ValidationError({"template": "Case tasks are not available in this installation yet (no case_task_create)."})
    return create(
        actor=actor, case=case, short_description=item.short_description, description=item.description,
        assignment_group=item.assignment_group, visible_to_customer=item.visible_to_customer,
        priority=item.priority or case.priority,
    )


@transaction.atomic
def task_template_apply(*, actor, template: TaskTemplate, case: Case) -> TaskTemplateApplication:
    """Apply a published, active template: one case task per item whose conditions all hold. The
    application row and a work note record it, also when no item applied."""
    if actor is not None:
        permissions.require_can_work_case(actor)
    template = TaskTemplate.objects.select_for_update().get(pk=template.pk)
    if template.state != TemplateState.PUBLISHED:
        raise InvalidTransition(action="apply", state=template.state, allowed=_allowed(template))
    if not template.active:
        raise ValidationError({"template": f"{template} is inactive."})
    case = case_lock_for_change(case, action="apply-template")
    items = list(template.items.select_related("assignment_group").order_by("order", "id"))
    applicable = [item for item in items if task_template_item_applies(item, case)]
    for item in applicable:
        _create_task(actor, case, item)
    application = TaskTemplateApplication.objects.create(
        template=template, case=case, actor=actor if getattr(actor, "is_authenticated", False) else None,
        applied_at=timezone.now(), created=len(applicable), skipped=len(items) - len(applicable),
    )
    events.case_event_record(
        case=case, kind=EventKind.WORK_NOTE, actor=actor,
        body=f"Applied task template {template}: {len(applicable)} task(s) created, "
        f"{len(items) - len(applicable)} item(s) skipped by their conditions.",
    )
    case.version += 1
    case.save()
    hooks.case_changed(case)
    return application
