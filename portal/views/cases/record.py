"""The case page `/portal/cases/<number>/` (the URL outgoing mail links to: PORTAL_CASE_URL_PATH)
and its actions. Everything is read through the customer-side selectors: the case (out of scope:
404), its timeline (customer-visible entries only: never a work note, never an internal field),
its customer-visible attachments and its tasks marked visible to the customer. Actions are the
ones the case's lifecycle allows this person now (`case_allowed_actions`), each one service call;
a refusal is shown as a message with the API's status (409 with the allowed actions, 400 naming
the missing input, 429 past a consumer limit). Forms post and redirect without JavaScript;
htmx (hx-boost) swaps the page in place where it is available."""
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import selectors, selectors_attachments, selectors_work, services
from cases.choices import EventKind
from cases.models import Case
from portal.access import portal_view
from portal.forms import ActionForm, AttachForm, CommentForm, SurveyForm
from portal.views.cases.common import ACTION_LABELS, SERVICE_ERRORS, refusal

TIMELINE_CAP = 200
CUSTOMER_ACTIONS = ("accept-solution", "reject-solution", "close")  # with their own buttons, in this order


def case_for(request, number: str) -> Case:
    case = selectors.case_get_for_user(
        user=request.user, number=number.upper(),
        related=("product", "asset", "case_type", "service_definition", "contact"),  # what the page shows
    )
    if case is None:
        raise Http404("No such case, or not yours to see.")
    return case


def _timeline(request, case: Case, labels: dict) -> tuple[list, bool]:
    rows = list(selectors.case_events_for_user(user=request.user, case=case).order_by("-created_at", "-id")[
        : TIMELINE_CAP + 1
    ])
    more = len(rows) > TIMELINE_CAP
    rows = rows[:TIMELINE_CAP][::-1]
    for event in rows:
        author = event.author
        event.who = (author.get_full_name() or author.username) if author else "System"
        if event.kind == EventKind.STATE_CHANGED:
            event.old_label, event.new_label = labels.get(event.old, event.old), labels.get(event.new, event.new)
        elif event.kind == EventKind.FIELD_CHANGED:
            event.field_label = event.field.replace("_", " ")
    return rows, more


def _visible_extra(case: Case) -> list[tuple[str, object]]:
    if not case.case_type_id:
        return []
    return [(f.label, case.extra[f.name]) for f in case.case_type.fields.all()
            if f.customer_visible and f.name in (case.extra or {})]


def case_page_context(request, case: Case, **forms) -> dict:
    labels = selectors.lifecycle_state_labels_of(case.lifecycle_id)
    timeline, more = _timeline(request, case, labels)
    allowed = services.case_allowed_actions(case, request.user)
    others = [a for a in allowed if a not in CUSTOMER_ACTIONS]
    survey = selectors.case_survey_for_user(user=request.user, case=case)
    return {
        "case": case,
        "state_label": labels.get(case.state, case.state),
        "extra": _visible_extra(case),
        "timeline": timeline,
        "timeline_more": more,
        "attachments": list(selectors_attachments.attachment_list_for_user(user=request.user, case=case)),
        "tasks": list(selectors_work.case_task_list_for_case(user=request.user, case=case).order_by("number")),
        "catalog_request": selectors.case_catalog_request_for_user(user=request.user, case=case),
        "survey": survey,
        "survey_offered": services.case_survey_offered(case, request.user, answered=survey is not None),
        "allowed": allowed,
        "customer_actions": [a for a in CUSTOMER_ACTIONS if a in allowed],
        "other_actions": [(a, ACTION_LABELS.get(a, a.replace("-", " ").capitalize())) for a in others],
        "comment_form": forms.get("comment_form") or CommentForm(),
        "attach_form": forms.get("attach_form") or AttachForm(),
        "action_form": forms.get("action_form") or ActionForm(),
        "survey_form": forms.get("survey_form") or SurveyForm(),
        "read_only": case.is_read_only,
    }


@portal_view
def case_detail(request, number: str):
    case = case_for(request, number)
    return render(request, "portal/cases/case_detail.html", case_page_context(request, case))


def _done(request, case: Case, text: str):
    messages.success(request, text)
    return redirect(reverse("portal:case-detail", args=[case.number]))


def _refused(request, case: Case, exc: Exception, **forms):
    status = refusal(request, exc)
    case = case_for(request, case.number)  # re-read: the refused service may have changed nothing
    return render(request, "portal/cases/case_detail.html", case_page_context(request, case, **forms), status=status)


@require_POST
@portal_view
def case_comment(request, number: str):
    case = case_for(request, number)
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        services.case_comment_add(actor=request.user, case=case, body=form.cleaned_data.get("body", ""))
    except SERVICE_ERRORS as exc:
        return _refused(request, case, exc, comment_form=form)
    return _done(request, case, "Your comment was added.")


@require_POST
@portal_view
def case_attach(request, number: str):
    case = case_for(request, number)
    form = AttachForm(request.POST, request.FILES)
    form.is_valid()
    try:
        attachment = services.attachment_add(actor=request.user, case=case, uploaded_file=form.cleaned_data.get("file"))
    except SERVICE_ERRORS as exc:
        return _refused(request, case, exc)
    return _done(request, case, f"{attachment.original_name} was attached.")


@require_POST
@portal_view
def case_action(request, number: str, action: str):
    case = case_for(request, number)
    form = ActionForm(request.POST)
    form.is_valid()
    inputs = {k: v for k, v in form.cleaned_data.items() if v}
    try:
        case = services.case_act(actor=request.user, case=case, action=action, **inputs)
    except SERVICE_ERRORS as exc:
        return _refused(request, case, exc, action_form=form)
    text = {
        "accept-solution": "Thank you: the solution is accepted and the case is closed.",
        "reject-solution": "The case is open again; we will look at it.",
        "close": "The case is closed.",
    }.get(action, "Done.")
    return _done(request, case, text)


@require_POST
@portal_view
def case_survey(request, number: str):
    case = case_for(request, number)
    form = SurveyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a rating from 1 to 5.")
        context = case_page_context(request, case, survey_form=form)
        return render(request, "portal/cases/case_detail.html", context, status=400)
    try:
        services.case_survey_submit(actor=request.user, case=case, **form.cleaned_data)
    except SERVICE_ERRORS as exc:
        return _refused(request, case, exc, survey_form=form)
    return _done(request, case, "Thank you for your feedback.")
