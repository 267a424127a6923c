"""The record pages of case tasks (`/case-tasks/<number>/`) and case lines
(`/case-lines/<number>/`): header, details edited in place, the actions open now, their journal
(the entries they left on the case's timeline) and the link to the parent case. Reads through
`cases.selectors_record` (the task and line selectors: the back office sees the tasks routed to
it), writes through `cases.services.work`."""
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases import permissions_work, selectors_record, services
from cases.models.work import LINE_TERMINAL, TaskState
from cases.views import record_forms as f
from cases.views.common import INVALID, REFUSALS, done, form_page, fragment_context, is_htmx, refusal, refused, refused_message
from core.exceptions import InvalidTransition
from users.views import workspace_view

TASK_FORMS = {"close": f.TaskCloseForm, "cancel": f.TaskCancelForm, "comment": f.TaskCommentForm}
TASK_SERVICES = {"close": services.case_task_close, "cancel": services.case_task_cancel, "comment": services.case_task_comment}
TASK_LABELS = {"close": "Close task", "cancel": "Cancel task", "comment": "Reply"}
TASK_KEYS = {"close": "x", "cancel": ""}

LINE_FORMS = {"accept": f.LineAcceptForm, "deny": f.LineDenyForm, "cancel": f.LineCancelForm}
LINE_SERVICES = {
    "submit": services.case_line_submit, "start": services.case_line_start,
    "request-info": services.case_line_request_info, "info-received": services.case_line_info_received,
    "accept": services.case_line_accept, "deny": services.case_line_deny, "cancel": services.case_line_cancel,
}
LINE_LABELS = {
    "submit": "Submit", "start": "Start work", "request-info": "Request info", "info-received": "Info received",
    "accept": "Resolve - accept", "deny": "Resolve - deny", "cancel": "Cancel line",
}
LINE_ORDER = ("submit", "start", "request-info", "info-received", "accept", "deny", "cancel")
LINE_KEYS = {"start": "s", "request-info": "i", "info-received": "o", "accept": "r"}
STATE_BADGE = {
    "open": "info", "closed": "ok", "cancelled": "", "draft": "", "new": "info", "work_in_progress": "info",
    "awaiting_info": "warn", "resolved_accepted": "ok", "resolved_denied": "bad",
}


def _journal_rows(request, record) -> list:
    return selectors_record.work_journal_for_user(user=request.user, record=record)


def _parent_link(request, record) -> str:
    if selectors_record.case_visible_to(user=request.user, case_id=record.case_id):
        return reverse("cases:case-detail", args=[record.case.number])
    return ""


# --- case tasks ---------------------------------------------------------------------------------------
def _task_url(name: str, task, *args) -> str:
    return reverse(f"cases:{name}", args=[task.number, *args])


def _task_context(request, task) -> dict:
    allowed = services.case_task_allowed_actions(task, request.user)
    can_edit = permissions_work.can_change_task(request.user, task) and task.state == TaskState.OPEN \
        and not task.case.is_read_only
    buttons = [
        {"action": a, "label": TASK_LABELS[a], "key": TASK_KEYS.get(a, ""), "url": _task_url("task-act", task, a),
         "danger": a == "cancel"}
        for a in sorted(allowed, key=lambda a: a != "close") if a != "comment"
    ]
    return {
        "task": task, "allowed": allowed, "buttons": buttons, "can_edit": can_edit,
        "can_reply": "comment" in allowed, "reply_form": f.TaskCommentForm(),
        "journal": _journal_rows(request, task), "parent_url": _parent_link(request, task),
        "state_badge": STATE_BADGE.get(task.state, ""),
    }


@require_GET
@workspace_view
def task_detail(request, number: str):
    task = selectors_record.case_task_record_get(user=request.user, number=number)
    return render(request, "cases/record/task.html", _task_context(request, task))


@require_http_methods(["GET", "POST"])
@workspace_view
def task_edit(request, number: str):
    """The task's details in place (htmx swaps the card) or as a page of its own."""
    task = selectors_record.case_task_record_get(user=request.user, number=number)
    if not _task_context(request, task)["can_edit"]:
        raise Http404("This task is not open for you to edit.")
    form = f.CaseTaskDetailsForm(request.POST or None, user=request.user, task=task)
    context = {"task": task, "form": form, "url": _task_url("task-edit", task),
               "cancel_url": _task_url("task-detail", task),
               **fragment_context(request)}
    if request.method == "GET":
        return render(request, "cases/record/work_edit.html", context)
    if not form.is_valid():
        return render(request, "cases/record/work_edit.html", context, status=INVALID)
    try:
        services.case_task_update(actor=request.user, instance=task, **form.service_fields())
    except ValidationError as exc:
        f.service_errors_to_form(form, exc)
        return render(request, "cases/record/work_edit.html", context, status=INVALID)
    except REFUSALS as exc:
        status, text = refusal(exc)
        return render(request, "cases/record/work_edit.html", {**context, "refusal": text}, status=status)
    return done(request, _task_url("task-detail", task), f"{task.number} saved.")


@require_http_methods(["GET", "POST"])
@workspace_view
def task_act(request, number: str, action: str):
    """close (close notes), cancel (reason), comment (reply): a small form, then the service."""
    task = selectors_record.case_task_record_get(user=request.user, number=number)
    page = _task_url("task-detail", task)
    if action not in TASK_FORMS:
        raise Http404("No such task action.")
    allowed = services.case_task_allowed_actions(task, request.user)
    form = TASK_FORMS[action](request.POST or None)
    context = {"case": task.case, "record": task, "form": form, "title": f"{TASK_LABELS[action]}: {task.number}",
               "submit": TASK_LABELS[action], "url": _task_url("task-act", task, action), "cancel_url": page}
    if action not in allowed:
        exc = InvalidTransition(action=action, state=task.state, allowed=allowed)
        if request.method == "POST":
            return refused(request, page, exc)
        status, text = refusal(exc)
        return form_page(request, {**context, "form": None, "refusal": text}, status=status)
    if request.method == "GET":
        return form_page(request, context)
    if not form.is_valid():
        return form_page(request, context, status=INVALID)
    kwargs = {"body" if action == "comment" else k: v for k, v in form.cleaned_data.items()}
    try:
        TASK_SERVICES[action](actor=request.user, task=task, **kwargs)
    except ValidationError as exc:
        f.service_errors_to_form(form, exc)
        return form_page(request, context, status=INVALID)
    except REFUSALS as exc:
        status, text = refusal(exc)
        return form_page(request, {**context, "refusal": text}, status=status)
    if action == "comment" and is_htmx(request):
        task = selectors_record.case_task_record_get(user=request.user, number=number)
        body = render_to_string("cases/record/_work_journal.html", {"journal": _journal_rows(request, task),
                                "oob": True}, request=request)
        reply = render_to_string("cases/record/_task_reply.html", {"task": task, "reply_form": f.TaskCommentForm(),
                                 "posted": True}, request=request)
        return HttpResponse(reply + body)
    return done(request, page, {"close": f"{task.number} closed.", "cancel": f"{task.number} cancelled.",
                                "comment": "Reply added."}[action])


# --- case lines ---------------------------------------------------------------------------------------
def _line_url(name: str, line, *args) -> str:
    return reverse(f"cases:{name}", args=[line.number, *args])


def _line_context(request, line) -> dict:
    allowed = services.case_line_allowed_actions(line, request.user)
    can_edit = permissions_work.can_change_line(request.user, line) and line.state not in LINE_TERMINAL \
        and not line.case.is_read_only
    buttons = [
        {"action": a, "label": LINE_LABELS.get(a, a), "key": LINE_KEYS.get(a, ""), "url": _line_url("line-act", line, a),
         "one_click": a not in LINE_FORMS, "danger": a in ("cancel", "deny")}
        for a in sorted(allowed, key=lambda a: LINE_ORDER.index(a) if a in LINE_ORDER else len(LINE_ORDER))
    ]
    return {
        "line": line, "allowed": allowed, "buttons": buttons, "can_edit": can_edit,
        "journal": _journal_rows(request, line), "parent_url": _parent_link(request, line),
        "state_badge": STATE_BADGE.get(line.state, ""),
    }


@require_GET
@workspace_view
def line_detail(request, number: str):
    line = selectors_record.case_line_record_get(user=request.user, number=number)
    return render(request, "cases/record/line.html", _line_context(request, line))


@require_http_methods(["GET", "POST"])
@workspace_view
def line_edit(request, number: str):
    line = selectors_record.case_line_record_get(user=request.user, number=number)
    if not _line_context(request, line)["can_edit"]:
        raise Http404("This line is not open for you to edit.")
    form = f.CaseLineDetailsForm(request.POST or None, user=request.user, line=line)
    context = {"line": line, "form": form, "url": _line_url("line-edit", line),
               "cancel_url": _line_url("line-detail", line),
               **fragment_context(request)}
    if request.method == "GET":
        return render(request, "cases/record/work_edit.html", context)
    if not form.is_valid():
        return render(request, "cases/record/work_edit.html", context, status=INVALID)
    try:
        services.case_line_update(actor=request.user, instance=line, **form.service_fields())
    except ValidationError as exc:
        f.service_errors_to_form(form, exc)
        return render(request, "cases/record/work_edit.html", context, status=INVALID)
    except REFUSALS as exc:
        status, text = refusal(exc)
        return render(request, "cases/record/work_edit.html", {**context, "refusal": text}, status=status)
    return done(request, _line_url("line-detail", line), f"{line.number} saved.")


@require_http_methods(["GET", "POST"])
@workspace_view
def line_act(request, number: str, action: str):
    line = selectors_record.case_line_record_get(user=request.user, number=number)
    page = _line_url("line-detail", line)
    if action not in LINE_SERVICES:
        raise Http404("No such line action.")
    allowed = services.case_line_allowed_actions(line, request.user)
    form_class = LINE_FORMS.get(action)
    form = form_class(request.POST or None) if form_class else None
    context = {"case": line.case, "record": line, "form": form, "title": f"{LINE_LABELS[action]}: {line.number}",
               "submit": LINE_LABELS[action], "url": _line_url("line-act", line, action), "cancel_url": page}
    if action not in allowed:
        exc = InvalidTransition(action=action, state=line.state, allowed=allowed)
        if request.method == "POST":
            return refused(request, page, exc)
        status, text = refusal(exc)
        return form_page(request, {**context, "form": None, "refusal": text}, status=status)
    if request.method == "GET":
        return form_page(request, context)
    if form is not None and not form.is_valid():
        return form_page(request, context, status=INVALID)
    kwargs = dict(form.cleaned_data) if form is not None else {}
    try:
        LINE_SERVICES[action](actor=request.user, line=line, **kwargs)
    except ValidationError as exc:
        if form is None:
            return refused_message(request, page, "; ".join(exc.messages))
        f.service_errors_to_form(form, exc)
        return form_page(request, context, status=INVALID)
    except REFUSALS as exc:
        if form is None:
            return refused(request, page, exc)
        status, text = refusal(exc)
        return form_page(request, {**context, "refusal": text}, status=status)
    return done(request, page, f"{line.number}: {LINE_LABELS[action].lower()} done.")
