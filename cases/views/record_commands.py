"""Commands of the case record page, each a small form (a panel swapped in by htmx, or a page of
its own without JavaScript) or a one-click POST, and each one service call: lifecycle actions
(`case_act`), assignment, escalation, new tasks, lines and tasks from a template, the watch list
and "needs attention". A refusal shows in the service's words: 409 names the state and the
actions allowed now, 403 who may act, 400 (here 422, on the form) the field."""
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.views.decorators.http import require_http_methods, require_POST

from cases import selectors_record, services
from cases.services import attention, escalations, lifecycle, parties, templates as template_services
from cases.views import record_forms as f
from cases.views.common import INVALID, REFUSALS, done, form_page, refusal, refused, refused_message
from cases.views.record import _require_editable, _url
from core.exceptions import InvalidTransition
from users.views import workspace_view


def _form_command(request, case, form, run: Callable[[dict], str], **context):
    """GET: the form. POST: validate, run the service (`run(cleaned_data)` returns the success
    message), put its refusal on the form, or go back to the case with the message."""
    page = _url("case-detail", case)
    context = {"case": case, "form": form, "cancel_url": page, **context}
    if request.method == "GET":
        return form_page(request, context)
    if not form.is_valid():
        return form_page(request, context, status=INVALID)
    try:
        message = run(form.cleaned_data)
    except ValidationError as exc:
        f.service_errors_to_form(form, exc)
        return form_page(request, context, status=INVALID)
    except REFUSALS as exc:
        status, text = refusal(exc)
        return form_page(request, {**context, "refusal": text}, status=status)
    return done(request, page, message)


def _one_click(request, case, run: Callable[[], str]):
    page = _url("case-detail", case)
    try:
        message = run()
    except ValidationError as exc:
        return refused_message(request, page, "; ".join(exc.messages))
    except REFUSALS as exc:
        return refused(request, page, exc)
    return done(request, page, message)


def _case(request, number):
    return selectors_record.case_record_get(user=request.user, number=number)


# --- lifecycle actions --------------------------------------------------------------------------------
def _transition(request, case, action: str):
    return next((t for t in lifecycle.case_transitions_for(case, request.user) if t.action == action), None)


@require_http_methods(["GET", "POST"])
@workspace_view
def case_act(request, number: str, action: str):
    """A lifecycle action: GET its small form (the inputs the action needs), POST case_act. An
    action not open now answers with the service's message: the state and what is allowed."""
    case = _case(request, number)
    transition = _transition(request, case, action)
    if transition is None:
        if request.method == "GET":  # say why, in the service's words, without acting
            exc = InvalidTransition(action=action, state=case.state,
                                    allowed=lifecycle.case_allowed_actions(case, request.user))
            status, text = refusal(exc)
            return form_page(request, {"case": case, "title": action.replace("-", " ").capitalize(), "refusal": text,
                                       "cancel_url": _url("case-detail", case)}, status=status)

        def act_unlisted() -> str:  # the service decides: 409 (state, allowed actions) or 403
            lifecycle.case_act(actor=request.user, case=case, action=action)
            return f"{case.number}: {action.replace('-', ' ')} done."

        return _one_click(request, case, act_unlisted)

    def act(data) -> str:
        form_inputs = {name: value for name, value in data.items() if value not in ("", None, False)}
        lifecycle.case_act(actor=request.user, case=case, action=action, **form_inputs)
        return f"{case.number}: {transition.label} — now {transition.target.label}."

    return _form_command(
        request, case, f.CaseActionForm(request.POST or None, transition=transition), act,
        title=transition.label, submit=transition.label, url=_url("case-act", case, action),
        intro=f"{case.number} moves from {transition.source.label} to {transition.target.label}.",
    )


# --- assignment -----------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@workspace_view
def case_assign(request, number: str):
    """Assign to a group and/or one of its members (case_assign)."""
    case = _case(request, number)
    _require_editable(request, case)

    def assign(data) -> str:
        saved = services.case_assign(actor=request.user, case=case, assignment_group=data["assignment_group"],
                                     assigned_to=data["assigned_to"])
        who = (saved.assigned_to.get_full_name() or saved.assigned_to.username) if saved.assigned_to_id else "the queue"
        return f"{saved.number} assigned to {who}."

    return _form_command(request, case, f.CaseAssignForm(request.POST or None, user=request.user, case=case), assign,
                         title="Assign", submit="Assign", url=_url("case-assign", case))


@require_POST
@workspace_view
def case_assign_to_me(request, number: str):
    """Assign to me (key a): the lifecycle's "assign-to-me" where the state has it (a new case
    opens), otherwise a plain reassignment to me within the case's group."""
    case = _case(request, number)

    def take() -> str:
        if "assign-to-me" in lifecycle.case_allowed_actions(case, request.user):
            lifecycle.case_act(actor=request.user, case=case, action="assign-to-me")
        else:
            services.case_assign(actor=request.user, case=case, assigned_to=request.user)
        return f"{case.number} is assigned to you."

    return _one_click(request, case, take)


# --- escalation, tasks, lines ----------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@workspace_view
def case_escalate(request, number: str):
    case = _case(request, number)

    def escalate(data) -> str:
        escalation = escalations.escalation_request(actor=request.user, case=case, **data)
        return f"{escalation.number} {escalation.get_state_display().lower()}."

    return _form_command(
        request, case, f.EscalateForm(request.POST or None), escalate, title="Escalate", submit="Request escalation",
        url=_url("case-escalate", case),
        intro="Approvers are asked when the escalation template needs approval; otherwise it is escalated at once.",
    )


@require_http_methods(["GET", "POST"])
@workspace_view
def case_task_add(request, number: str):
    case = _case(request, number)

    def create(data) -> str:
        return f"{services.case_task_create(actor=request.user, case=case, **data).number} created."

    return _form_command(request, case, f.CaseTaskCreateForm(request.POST or None, user=request.user), create,
                         title="New case task", submit="Create task", url=_url("case-task-add", case))


@require_http_methods(["GET", "POST"])
@workspace_view
def case_template_apply(request, number: str):
    case = _case(request, number)
    form = f.TemplateApplyForm(request.POST or None, user=request.user)
    intro = "One case task per item of the template whose conditions hold for this case."
    if request.method == "GET" and not form.fields["template"].queryset.exists():
        intro = "No published, active task template yet (admins define them in the admin console)."

    def apply(data) -> str:
        applied = template_services.task_template_apply(actor=request.user, case=case, **data)
        return f"{applied.template}: {applied.created} task(s) created, {applied.skipped} skipped."

    return _form_command(request, case, form, apply, title="Add tasks from a template", submit="Apply template",
                         url=_url("case-template-apply", case), intro=intro)


@require_http_methods(["GET", "POST"])
@workspace_view
def case_line_add(request, number: str):
    case = _case(request, number)

    def create(data) -> str:
        return f"{services.case_line_create(actor=request.user, case=case, **data).number} added."

    return _form_command(request, case, f.CaseLineCreateForm(request.POST or None, user=request.user), create,
                         title="New case line", submit="Add line", url=_url("case-line-add", case))


# --- watch list and attention -------------------------------------------------------------------------------
@require_POST
@workspace_view
def case_watch(request, number: str):
    """Watch or stop watching the case myself."""
    case = _case(request, number)
    stop = request.POST.get("op") == "remove"

    def watch() -> str:
        (parties.case_watch_remove if stop else parties.case_watch_add)(actor=request.user, case=case)
        return "You no longer watch this case." if stop else "You watch this case."

    return _one_click(request, case, watch)


@require_POST
@workspace_view
def case_attention_clear(request, number: str):
    case = _case(request, number)

    def clear() -> str:
        attention.case_attention_clear(actor=request.user, case=case)
        return "'Needs attention' cleared."

    return _one_click(request, case, clear)
