"""Case tasks and case lines: the only writers of CaseTask, CaseBlocker and CaseLine.

Every service locks the parent case first (`case_lock_for_change`: closed or cancelled cases are
read-only, 409), then the row, checks the actor (403), validates (400 naming the field),
transitions through django-fsm (409 naming the state and the allowed actions), saves, and
writes the parent case's timeline. `actor=None` is for trusted internal callers only.

Roll-up rules of reference 5.3 that belong to the case lifecycle are exposed for `case_act`:
`case_lines_on_case_transition` (after the state change) and `case_lines_block_close` (before
close / propose-solution)."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed

from cases import events, hooks, permissions_work
from cases.choices import EventKind, StateCategory
from cases.models import Case, CaseBlocker, CaseLine, CaseTask
from cases.models.work import LINE_TERMINAL, LineResolutionCode, LineState, TaskState
from cases.services.attention import case_blocked_sync
from cases.services.cases import case_lock_for_change
from core.exceptions import Conflict, InvalidTransition
from core.numbers import number_next
from users.permissions import is_internal

__all__ = [
    "case_task_create", "case_task_update", "case_task_comment", "case_task_close", "case_task_cancel", "case_task_allowed_actions",
    "case_line_create", "case_line_update", "case_line_submit", "case_line_start", "case_line_request_info",
    "case_line_info_received", "case_line_accept", "case_line_deny", "case_line_cancel",
    "case_line_allowed_actions", "case_lines_on_case_transition", "case_lines_block_close",
    "case_lines_allow_close",
]

TASK_FIELDS = (
    "short_description", "description", "service_definition", "priority", "assignment_group", "assigned_to",
    "visible_to_customer", "close_notes",
)
LINE_FIELDS = (
    "parent_line", "product", "sold_product", "install_base_item", "asset", "short_description", "priority",
    "request_reason", "assigned_to",
)
_NOT_CLEANED = ["number", "state", "opened_by", "opened_at", "case"]


def _actor_or_none(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _refuse_unknown(fields: dict, allowed: tuple) -> None:
    refused = sorted(set(fields) - set(allowed))
    if refused:
        raise ValidationError({name: "This field cannot be set here." for name in refused})


def _same_case(obj, fields: dict) -> None:
    """The admin form and PATCH may repeat the parent case; moving to another case is refused."""
    case = fields.pop("case", None)
    if case is not None and case.pk != obj.case_id:
        raise ValidationError({"case": "It stays on its case; cancel it and create one on the other case."})


def _assignee_errors(obj, errors: dict) -> None:
    if not obj.assigned_to_id:
        return
    if not is_internal(obj.assigned_to):
        errors["assigned_to"] = f"{obj.assigned_to.username} is not an internal user."
    elif getattr(obj, "assignment_group_id", None) and not obj.assignment_group.members.filter(
        pk=obj.assigned_to_id
    ).exists():
        errors["assigned_to"] = f"{obj.assigned_to.username} is not a member of {obj.assignment_group}."


def _actions(obj) -> list[str]:
    return sorted(t.name.replace("_", "-") for t in obj.get_available_state_transitions())


def _transition(obj, method_name: str, **kwargs) -> None:
    method = getattr(obj, method_name)
    if not can_proceed(method):
        raise InvalidTransition(action=method_name.replace("_", "-"), state=obj.state, allowed=_actions(obj))
    method(**kwargs)


def _save(obj) -> None:
    try:
        obj.save()
    except ConcurrentTransition:
        raise Conflict(f"{obj.number} changed state meanwhile; reload it.") from None


def _note(case: Case, actor, body: str, *, visible: bool = False) -> None:
    """A task or line change on the parent case's timeline: its own kind, so an entry shown to the
    customer (a task visible to them) is never a work note."""
    events.case_event_record(case=case, kind=EventKind.TASK, actor=actor, body=body, customer_visible=visible)


def _changes(before: dict, obj) -> str:
    parts = []
    for name, old in before.items():
        new = getattr(obj, name)
        if old != new:
            parts.append(f"{name.replace('_', ' ')}: {'' if old is None else old} → {'' if new is None else new}")
    return "; ".join(parts)


# --- case tasks ----------------------------------------------------------------------------------
CUSTOMER_TASK_ACTIONS = ("close", "comment")


def case_task_allowed_actions(task: CaseTask, user=None, *, in_scope: bool = False) -> list[str]:
    """The commands `user` may run on the task now. `in_scope`: the task came from the user's
    own selector, so the change permission (or, for the customer side, visibility) alone decides
    (no query per row on lists)."""
    customer = False
    if user is not None:
        allowed = user.has_perm("cases.change_casetask") if in_scope else permissions_work.can_change_task(user, task)
        if not allowed:
            customer = task.visible_to_customer and (
                not is_internal(user) if in_scope else permissions_work.is_task_customer(user, task)
            )
            if not customer:
                return []
    if task.case.is_read_only or task.state != TaskState.OPEN:
        return []
    actions = sorted({*_actions(task), "comment"})
    return [a for a in actions if a in CUSTOMER_TASK_ACTIONS] if customer else actions


def _require_task_actor(actor, task: CaseTask, action: str) -> str:
    """'agent' (works the task) or 'customer' (the customer side of a visible task, for the
    actions customers take); anything else is refused."""
    if permissions_work.can_change_task(actor, task):
        return "agent"
    if action in CUSTOMER_TASK_ACTIONS and permissions_work.is_task_customer(actor, task):
        return "customer"
    permissions_work.require_can_change_task(actor, task)
    return "agent"


def _task_check(task: CaseTask, case: Case) -> None:
    task.account_id, task.contact_id, task.consumer_id = case.account_id, case.contact_id, case.consumer_id
    errors = {}
    _assignee_errors(task, errors)
    if errors:
        raise ValidationError(errors)
    task.full_clean(exclude=_NOT_CLEANED)


@transaction.atomic
def case_task_create(*, actor, case: Case, short_description: str, **fields) -> CaseTask:
    """Open a task on a case; the case gets a "blocked by" record until the task ends."""
    _refuse_unknown(fields, TASK_FIELDS)
    if actor is not None:
        permissions_work.require_can_create_task(actor)
    case = case_lock_for_change(case, action="add-task")
    now = timezone.now()
    task = CaseTask(
        case=case, short_description=short_description, opened_at=now, opened_by=_actor_or_none(actor), **fields
    )
    _task_check(task, case)
    task.number = number_next("CSTASK")
    task.save()
    CaseBlocker.objects.create(case=case, task=task, created_at=now)
    case_blocked_sync(case)
    _note(case, actor, f"Case task {task.number} opened: {task.short_description}", visible=task.visible_to_customer)
    return task


@transaction.atomic
def case_task_update(*, actor, instance: CaseTask, **fields) -> CaseTask:
    if actor is not None:
        permissions_work.require_can_change_task(actor, instance)
    case = case_lock_for_change(instance.case, action="update")
    task = CaseTask.objects.select_for_update().get(pk=instance.pk)
    _same_case(task, fields)
    _refuse_unknown(fields, TASK_FIELDS)
    if task.state != TaskState.OPEN:
        raise InvalidTransition(action="update", state=task.state, allowed=_actions(task))
    before = {name: getattr(task, name) for name in TASK_FIELDS}
    for name, value in fields.items():
        setattr(task, name, value)
    _task_check(task, case)
    task.save()
    changed = _changes(before, task)
    if changed:
        visible = task.visible_to_customer or before["visible_to_customer"]
        _note(case, actor, f"Case task {task.number} updated: {changed}", visible=visible)
    return task


def _task_end(actor, task: CaseTask, action: str, notes: str) -> CaseTask:
    side = _require_task_actor(actor, task, action) if actor is not None else "agent"
    case = case_lock_for_change(task.case, action=action)
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    notes = (notes or "").strip()
    method = getattr(task, action)
    if not can_proceed(method):
        raise InvalidTransition(action=action, state=task.state, allowed=_actions(task))
    if action == "close" and not notes:
        raise ValidationError({"close_notes": "Say what was done to close the task."})
    now = timezone.now()
    method(at=now, by=_actor_or_none(actor), notes=notes)
    _save(task)
    resolved = CaseBlocker.objects.filter(task=task, resolved_at__isnull=True).update(resolved_at=now)
    case_blocked_sync(case)
    if resolved or side == "customer":  # reference 2.3: a blocking task that resolves flags the case
        case.needs_attention = True
        case.version += 1
        case.save(update_fields=["needs_attention", "version", "updated_at"])
        hooks.case_changed(case)
    verb = "closed" if action == "close" else "cancelled"
    body = f"Case task {task.number} {verb}" + (f": {notes}" if notes else ".")
    _note(case, actor, body, visible=task.visible_to_customer)
    return task


@transaction.atomic
def case_task_comment(*, actor, task: CaseTask, body: str) -> CaseTask:
    """A reply on an open task, on the parent case's timeline. The customer side replies on the
    tasks visible to it, which flags the case for its owner (reference 2.3); on a task hidden from
    the customer an agent's reply stays internal."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    side = _require_task_actor(actor, task, "comment")
    case = case_lock_for_change(task.case, action="comment")
    task = CaseTask.objects.select_for_update().get(pk=task.pk)
    if task.state != TaskState.OPEN:
        raise InvalidTransition(action="comment", state=task.state, allowed=[])
    _note(case, actor, f"{task.number}: {body}", visible=task.visible_to_customer)
    if side == "customer" or case.assigned_to_id not in (None, actor.pk):
        case.needs_attention = True
    case.version += 1
    case.save(update_fields=["needs_attention", "version", "updated_at"])
    hooks.case_changed(case)
    CaseTask.objects.filter(pk=task.pk).update(updated_at=timezone.now())
    return task


@transaction.atomic
def case_task_close(*, actor, task: CaseTask, close_notes: str = "") -> CaseTask:
    return _task_end(actor, task, "close", close_notes)


@transaction.atomic
def case_task_cancel(*, actor, task: CaseTask, reason: str = "") -> CaseTask:
    return _task_end(actor, task, "cancel", reason)


# --- case lines ----------------------------------------------------------------------------------
def case_line_allowed_actions(line: CaseLine, user=None) -> list[str]:
    if user is not None and not permissions_work.can_change_line(user, line):
        return []
    if line.case.is_read_only:
        return []
    return _actions(line)


def _line_check(line: CaseLine, case: Case) -> None:
    line.account_id, line.contact_id = case.account_id, case.contact_id
    errors = {}
    if line.parent_line_id:
        parent, seen = line.parent_line, {line.pk}
        if parent.case_id != case.pk:
            errors["parent_line"] = f"{parent.number} is a line of another case."
        while parent is not None and "parent_line" not in errors:
            if parent.pk in seen:
                errors["parent_line"] = "A line cannot be below itself."
            seen.add(parent.pk)
            parent = parent.parent_line
    owner = (case.account_id, case.consumer_id)
    if line.asset_id:
        if line.product_id and line.product_id != line.asset.product_id:
            errors["product"] = f"The asset {line.asset.asset_tag} is a {line.asset.product}, not a {line.product}."
        line.product = line.asset.product
        if (line.asset.account_id, line.asset.consumer_id) != owner:
            errors["asset"] = "The asset belongs to another customer."
    for name in ("sold_product", "install_base_item"):
        obj = getattr(line, name)
        if obj is not None and (obj.account_id, obj.consumer_id) != owner:
            errors[name] = "It belongs to another customer."
    _assignee_errors(line, errors)
    if errors:
        raise ValidationError(errors)
    line.full_clean(exclude=_NOT_CLEANED)


@transaction.atomic
def case_line_create(*, actor, case: Case, short_description: str, draft: bool = False, **fields) -> CaseLine:
    """Add a line to a case, in state new (or draft, for a case still being put together)."""
    _refuse_unknown(fields, LINE_FIELDS)
    if actor is not None:
        permissions_work.require_can_create_line(actor)
    case = case_lock_for_change(case, action="add-line")
    line = CaseLine(
        case=case,
        short_description=short_description,
        state=LineState.DRAFT if draft else LineState.NEW,  # a protected FSM field is set once, at build
        opened_at=timezone.now(),
        opened_by=_actor_or_none(actor),
        **fields,
    )
    _line_check(line, case)
    line.number = number_next("CSL")
    line.save()
    _note(case, actor, f"Case line {line.number} added: {line.short_description}")
    return line


@transaction.atomic
def case_line_update(*, actor, instance: CaseLine, **fields) -> CaseLine:
    if actor is not None:
        permissions_work.require_can_change_line(actor, instance)
    case = case_lock_for_change(instance.case, action="update")
    line = CaseLine.objects.select_for_update().get(pk=instance.pk)
    _same_case(line, fields)
    _refuse_unknown(fields, LINE_FIELDS)
    if line.is_terminal:
        raise InvalidTransition(action="update", state=line.state, allowed=[])
    before = {name: getattr(line, name) for name in LINE_FIELDS}
    for name, value in fields.items():
        setattr(line, name, value)
    _line_check(line, case)
    line.save()
    changed = _changes(before, line)
    if changed:
        _note(case, actor, f"Case line {line.number} updated: {changed}")
    return line


def _line_act(actor, line: CaseLine, method_name: str, inputs=None, **kwargs) -> tuple[Case, CaseLine]:
    """Lock, check, transition, save, record. `inputs()` validates the action's inputs and
    returns more transition kwargs; it runs after the state check, so a refused transition
    answers 409 before the inputs are judged."""
    if actor is not None:
        permissions_work.require_can_change_line(actor, line)
    action = method_name.replace("_", "-")
    case = case_lock_for_change(line.case, action=action)
    line = CaseLine.objects.select_for_update().get(pk=line.pk)
    method = getattr(line, method_name)
    if not can_proceed(method):
        raise InvalidTransition(action=action, state=line.state, allowed=_actions(line))
    if inputs is not None:
        kwargs.update(inputs())
    old = line.get_state_display()
    method(**kwargs)
    _save(line)
    _note(case, actor, f"Case line {line.number}: {old} → {line.get_state_display()}")
    if line.is_terminal and not case_lines_block_close(case):
        _note(case, actor, "Every case line is resolved or cancelled: the case can be resolved.")
    return case, line


@transaction.atomic
def case_line_submit(*, actor, line: CaseLine) -> CaseLine:
    return _line_act(actor, line, "submit")[1]


@transaction.atomic
def case_line_start(*, actor, line: CaseLine) -> CaseLine:
    """New -> work in progress. Reference 5.3: a line in progress puts a new case to work."""
    case, line = _line_act(actor, line, "start")
    if case.state_category == StateCategory.NEW and actor is not None:
        _case_start_work(case, actor)
    return line


def _case_start_work(case: Case, actor) -> None:
    """Take the case's own lifecycle action to Open ("accept" for its assignee, else
    "assign-to-me"); when the actor may not take it, the case stays as it is."""
    from cases.services.lifecycle import case_act, case_allowed_actions

    allowed = case_allowed_actions(case, actor)
    action = next((a for a in ("accept", "assign-to-me") if a in allowed), None)
    if action is None:
        return
    try:
        case_act(actor=actor, case=case, action=action)
    except (ValidationError, PermissionDenied, Conflict):
        pass  # e.g. not a member of the case's group: the line is in progress, the case waits


@transaction.atomic
def case_line_request_info(*, actor, line: CaseLine) -> CaseLine:
    return _line_act(actor, line, "request_info")[1]


@transaction.atomic
def case_line_info_received(*, actor, line: CaseLine) -> CaseLine:
    return _line_act(actor, line, "info_received")[1]


def _resolution(code: str, notes: str, *, code_required: bool) -> dict:
    errors = {}
    code, notes = (code or "").strip(), (notes or "").strip()
    if code_required and code not in LineResolutionCode.values:
        errors["resolution_code"] = f"Use one of: {', '.join(LineResolutionCode.values)}."
    if not notes:
        errors["resolution_notes"] = "Say how the line was resolved."
    if errors:
        raise ValidationError(errors)
    return {"code": code, "notes": notes} if code_required else {"notes": notes}


@transaction.atomic
def case_line_accept(*, actor, line: CaseLine, resolution_code: str = "", resolution_notes: str = "") -> CaseLine:
    def inputs():
        return _resolution(resolution_code, resolution_notes, code_required=True)

    return _line_act(actor, line, "accept", inputs, at=timezone.now(), by=_actor_or_none(actor))[1]


@transaction.atomic
def case_line_deny(*, actor, line: CaseLine, resolution_notes: str = "") -> CaseLine:
    def inputs():
        return _resolution("", resolution_notes, code_required=False)

    return _line_act(actor, line, "deny", inputs, at=timezone.now(), by=_actor_or_none(actor))[1]


@transaction.atomic
def case_line_cancel(*, actor, line: CaseLine, reason: str = "") -> CaseLine:
    return _line_act(actor, line, "cancel", notes=(reason or "").strip())[1]


# --- roll-up with the case lifecycle (reference 5.3) ----------------------------------------------
def case_lines_block_close(case: Case) -> list[str]:
    """Numbers of the case's lines that are not terminal yet; a case may close (or be proposed
    resolved) only when this is empty."""
    return list(
        CaseLine.objects.filter(case_id=case.pk).exclude(state__in=LINE_TERMINAL).order_by("number")
        .values_list("number", flat=True)
    )


def case_lines_allow_close(case: Case) -> bool:
    return not case_lines_block_close(case)


@transaction.atomic
def case_lines_on_case_transition(case: Case, old_category: str, new_category: str, actor=None) -> list[CaseLine]:
    """Move the case's lines along with the case (call after the case's state changed):
    - new -> open ("Assign to me" / "Accept"): New lines go to Work in progress;
    - -> cancelled: Draft and New lines are cancelled.
    Returns the lines moved."""
    if old_category == StateCategory.NEW and new_category == StateCategory.OPEN:
        sources, method_name, kwargs = [LineState.NEW], "start", {}
    elif new_category == StateCategory.CANCELLED and old_category != StateCategory.CANCELLED:
        sources, method_name, kwargs = [LineState.DRAFT, LineState.NEW], "cancel", {"notes": "The case was cancelled."}
    else:
        return []
    moved = []
    for line in CaseLine.objects.select_for_update().filter(case_id=case.pk, state__in=sources).order_by("number"):
        old = line.get_state_display()
        getattr(line, method_name)(**kwargs)
        _save(line)
        _note(case, actor, f"Case line {line.number}: {old} → {line.get_state_display()} (with the case)")
        moved.append(line)
    return moved
