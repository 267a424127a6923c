"""The case record page of the agent workspace (`/cases/<number>/`) and its fragments.

Reads go through `cases.selectors_record` (scoped: a case outside the reader's scope is 404);
every write is one service call (`case_update`, `case_assign`, `case_act`, the journal,
attachments, escalations, tasks, lines, templates, watch list, attention). Each page and form
works without JavaScript (plain forms that post and redirect); htmx swaps the same fragments in
place: one detail field at a time, action forms in a panel, the composer and the timeline."""
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import hooks, permissions, permissions_escalations, permissions_work, selectors_record, services
from cases.choices import ACTIVE_CATEGORIES, EventKind, Impact, Priority
from cases.services import lifecycle
from cases.views import record_forms as f
from cases.views.common import INVALID, REFUSALS, done, form_page, fragment_context, is_htmx, refusal
from users.views import workspace_view

# Audited fields stored as codes, shown with their labels on the timeline.
CHOICE_LABELS = {
    "priority": {str(v): label for v, label in Priority.choices},
    "impact": {str(v): label for v, label in Impact.choices},
    "urgency": {str(v): label for v, label in Impact.choices},
}
# Lifecycle actions with a key of their own (beside c, w, e, a). Admin-added actions get none.
ACTION_KEYS = {"propose-solution": "r", "request-info": "i", "info-received": "o", "accept": "p", "close": "x"}


def _url(name: str, case, *args) -> str:
    return reverse(f"cases:{name}", args=[case.number, *args])


# --- the page's parts ------------------------------------------------------------------------------
def _header_context(user, case) -> dict:
    """What the header shows: state, SLA badges (running SLAs with time left or breached) and
    the escalation badge."""
    related = selectors_record.CaseRelated(
        slas=selectors_record.case_slas_for_record(user=user, case=case),
        escalations=selectors_record.case_escalations_for_record(user=user, case=case),
    )
    return {"related": related}


def _state_labels(case) -> dict:
    return selectors_record.lifecycle_state_labels(case)


def _detail_rows(case, can_edit: bool) -> list[dict]:
    """The details card: each field's label, shown value and whether it is edited in place."""
    display = {
        "short_description": case.short_description,
        "description": case.description,
        "category": case.get_category_display(),
        "channel": case.get_channel_display(),
        "impact": case.get_impact_display(),
        "urgency": case.get_urgency_display(),
        "priority": case.get_priority_display(),
        "contact": str(case.contact) if case.contact_id else "",
        "product": str(case.product) if case.product_id else "",
        "case_type": str(case.case_type) if case.case_type_id else "",
        "parent": case.parent.number if case.parent_id else "",
    }
    base = _url("case-details", case)  # /cases/<number>/details/: the field URLs hang below it

    def row(name, label, shown, **more):
        return {"name": name, "label": label, "display": shown, "editable": can_edit,
                "edit_url": f"{base}{name}/edit/", "page_url": f"{base}edit/#id_{name}", **more}

    rows = [
        row(name, f.DETAIL_LABELS[name], display[name],
            link=f"/cases/{case.parent.number}/" if name == "parent" and case.parent_id else "")
        for name in f.detail_field_names(case)
    ]
    if case.case_type_id:
        for spec in case.case_type.fields.all():
            value = (case.extra or {}).get(spec.name)
            if isinstance(value, bool):
                value = "Yes" if value else "No"
            rows.append(row(f"{f.EXTRA_PREFIX}{spec.name}", spec.label, "" if value is None else str(value),
                            internal=not spec.customer_visible))
    return rows


def _field_row(case, name: str, can_edit: bool) -> dict:
    for row in _detail_rows(case, can_edit):
        if row["name"] == name:
            return row
    raise Http404("No such field on this case.")


def _timeline_context(request, case, *, before=None, show="all", labels: dict | None = None) -> dict:
    show = show if show in selectors_record.TIMELINE_FILTERS else "all"
    page = selectors_record.case_timeline_page(user=request.user, case=case, before=before, show=show)
    labels = _state_labels(case) if labels is None else labels
    download = f"/api/v1/cases/{case.pk}/attachments/"
    for event in page.rows:
        _stamp(event)
        if event.kind == EventKind.STATE_CHANGED:
            event.old_label, event.new_label = labels.get(event.old, event.old), labels.get(event.new, event.new)
        elif event.kind == EventKind.FIELD_CHANGED:
            event.field_label = event.field.replace("_", " ").capitalize()
            choices = CHOICE_LABELS.get(event.field)
            if choices:
                event.old, event.new = choices.get(event.old, event.old), choices.get(event.new, event.new)
        elif event.kind == EventKind.ATTACHMENT and event.new.isdigit():
            event.download_url = f"{download}{event.new}/download/"
    timeline_url = _url("case-timeline", case)
    return {
        "events": page.rows,
        "next_url": f"{timeline_url}?{urlencode({'show': show, 'before': page.next_cursor})}" if page.next_cursor else "",
        "show": show,
        "timeline_url": timeline_url,
        "filters": [("all", "All"), ("comments", "Comments"), ("work_notes", "Work notes"), ("updates", "Updates")],
    }


def _stamp(event) -> None:
    """Who and when, worked out once here rather than by the template for every row."""
    author = event.author if event.author_id else None
    event.who = (f"{author.first_name} {author.last_name}".strip() or author.username) if author else "System"
    moment = timezone.localtime(event.created_at)
    event.when, event.when_iso = moment.strftime("%Y-%m-%d %H:%M"), moment.isoformat()


def _panels(request, case) -> list[dict]:
    """Related lists contributed by apps above cases (cases.hooks.register_case_panel)."""
    rendered = []
    for panel in hooks.case_panels():
        context = panel.loader(user=request.user, case=case) or {}
        body = render_to_string(panel.template, {**context, "case": case}, request=request)
        rendered.append({"key": panel.key, "title": panel.title, "body": mark_safe(body)})  # noqa: S308 (a template's output)
    return rendered


def _actions(request, case) -> dict:
    """The buttons for exactly what this user may do to this case now."""
    user = request.user
    can_work = permissions.can_work_case(user) and not case.is_read_only
    transitions = lifecycle.case_transitions_for(case, user) if can_work else []
    seen, buttons = set(), []
    for t in sorted(transitions, key=lambda t: (t.order, t.pk)):
        if t.action in seen or t.action == "assign-to-me":
            continue
        seen.add(t.action)
        one_click = not t.required_fields and t.action in ("accept", "info-received")
        buttons.append({
            "action": t.action, "label": t.label, "key": ACTION_KEYS.get(t.action, ""), "one_click": one_click,
            "url": _url("case-act", case, t.action), "danger": t.target.category in ("cancelled",),
        })
    allowed = {t.action for t in transitions}
    return {
        "can_work": can_work,
        "action_buttons": buttons,
        "assign_to_me": can_work and ("assign-to-me" in allowed or case.assigned_to_id != user.pk),
        "can_escalate": not case.is_read_only and permissions_escalations.can_request_case_escalation(user, case),
        "can_add_task": can_work and permissions_work.can_create_task(user),
        "can_add_line": can_work and permissions_work.can_create_line(user),
        "can_clear_attention": case.needs_attention and not case.is_read_only
        and permissions_escalations.can_clear_attention(user, case),
    }


def _page_context(request, case) -> dict:
    user = request.user
    related = selectors_record.case_related_for_record(user=user, case=case)
    actions = _actions(request, case)
    can_edit = actions["can_work"]
    labels = _state_labels(case)
    return {
        "case": case,
        "state_label": labels.get(case.state, case.state),
        "related": related,
        "details": _detail_rows(case, can_edit),
        "can_edit": can_edit,
        "watching": any(w.pk == user.pk for w in related.watchers),
        "journal_form": f.JournalForm(),
        "attachment_form": f.AttachmentForm(),
        "attachment_base": f"/api/v1/cases/{case.pk}/attachments/",
        "task_base": "/case-tasks/",
        "line_base": "/case-lines/",
        "case_base": "/cases/",
        "panels": _panels(request, case),
        "active_categories": ACTIVE_CATEGORIES,
        **actions,
        **_timeline_context(request, case, labels=labels),
    }


@require_GET
@workspace_view
def case_detail(request, number: str):
    case = selectors_record.case_record_get(user=request.user, number=number, related_flags=True)
    return render(request, "cases/record/case.html", _page_context(request, case))


# --- key details, edited in place ----------------------------------------------------------------------
def _oob_after_write(request, case) -> str:
    """Out-of-band parts refreshed after an in-place write: the header (state, priority, SLAs),
    the first page of the timeline and the page's case version."""
    labels = _state_labels(case)
    header = render_to_string("cases/record/_header.html", {
        "case": case, "state_label": labels.get(case.state, case.state), "oob": True,
        **_header_context(request.user, case), **_actions(request, case),
    }, request=request)
    timeline = render_to_string("cases/record/_timeline.html", {"case": case, "oob": True,
                                **_timeline_context(request, case, labels=labels)}, request=request)
    version = render_to_string("cases/record/_version.html", {"case": case, "oob": True})
    return header + timeline + version


def _require_editable(request, case) -> None:
    if case.is_read_only or not permissions.can_work_case(request.user):
        raise Http404("This case is read-only for you.")


@require_GET
@workspace_view
def case_details(request, number: str):
    """The details card (read view), e.g. when an agent cancels the whole-card editor."""
    case = selectors_record.case_record_get(user=request.user, number=number)
    can_edit = permissions.can_work_case(request.user) and not case.is_read_only
    return render(request, "cases/record/_details.html", {"case": case, "details": _detail_rows(case, can_edit),
                                                          "can_edit": can_edit})


@require_GET
@workspace_view
def case_field(request, number: str, field: str):
    """One field's read view (an in-place editor's Cancel)."""
    case = selectors_record.case_record_get(user=request.user, number=number)
    can_edit = permissions.can_work_case(request.user) and not case.is_read_only
    if not is_htmx(request):
        return redirect(_url("case-detail", case))
    return render(request, "cases/record/_field.html", {"case": case, "row": _field_row(case, field, can_edit),
                                                        "can_edit": can_edit})


def _save_details(request, case, form) -> tuple[object, int, str]:
    """Run case_update with what the form changed. Returns (case, status, refusal message)."""
    fields = form.service_fields()
    if not fields:
        return case, 200, ""
    try:
        services.case_update(actor=request.user, instance=case, version=form.cleaned_data["version"], **fields)
    except ValidationError as exc:
        f.service_errors_to_form(form, exc)
        return case, INVALID, ""
    except REFUSALS as exc:
        status, text = refusal(exc)
        return case, status, text
    return selectors_record.case_record_get(user=request.user, number=case.number), 200, ""


@require_http_methods(["GET", "POST"])
@workspace_view
def case_field_edit(request, number: str, field: str):
    """In place: GET swaps a one-field form in, POST saves it through case_update and swaps the
    read view back (with the header, the timeline and the version refreshed out of band).
    Without htmx this is the whole details form."""
    case = selectors_record.case_record_get(user=request.user, number=number)
    _require_editable(request, case)
    if not is_htmx(request):
        return redirect(_url("case-details-edit", case) + f"#id_{field}")
    if field not in f.detail_field_names(case) and not field.startswith(f.EXTRA_PREFIX):
        raise Http404("No such field.")
    form = f.CaseDetailsForm(request.POST or None, case=case, user=request.user, only=[field])
    if field not in form.fields:
        raise Http404("No such field on this case.")
    context = {"case": case, "form": form, "field": form[field], "name": field,
               "url": _url("case-field-edit", case, field), "read_url": _url("case-field", case, field)}
    if request.method == "GET":
        return render(request, "cases/record/_field_edit.html", context)
    if not form.is_valid():
        return render(request, "cases/record/_field_edit.html", context, status=INVALID)
    saved, status, text = _save_details(request, case, form)
    if status != 200 or text:
        return render(request, "cases/record/_field_edit.html", {**context, "refusal": text}, status=status)
    body = render_to_string("cases/record/_field.html", {"case": saved, "row": _field_row(saved, field, True),
                                                         "can_edit": True}, request=request)
    return HttpResponse(body + _oob_after_write(request, saved))


@require_http_methods(["GET", "POST"])
@workspace_view
def case_details_edit(request, number: str):
    """Every key detail in one form ("Edit details", key e): swapped in place of the details
    card by htmx, or a page of its own without JavaScript."""
    case = selectors_record.case_record_get(user=request.user, number=number)
    _require_editable(request, case)
    form = f.CaseDetailsForm(request.POST or None, case=case, user=request.user)
    context = {"case": case, "form": form, "url": _url("case-details-edit", case),
               "cancel_url": _url("case-details", case) if is_htmx(request) else _url("case-detail", case),
               **fragment_context(request)}
    if request.method == "GET":
        return render(request, "cases/record/details_edit.html", context)
    if not form.is_valid():
        return render(request, "cases/record/details_edit.html", context, status=INVALID)
    saved, status, text = _save_details(request, case, form)
    if status != 200 or text:
        return render(request, "cases/record/details_edit.html", {**context, "refusal": text}, status=status)
    if not is_htmx(request):
        return done(request, _url("case-detail", saved), f"{saved.number} saved.")
    body = render_to_string("cases/record/_details.html", {"case": saved, "details": _detail_rows(saved, True),
                                                           "can_edit": True}, request=request)
    return HttpResponse(body + _oob_after_write(request, saved))


# --- the activity timeline and its composer ---------------------------------------------------------
@require_POST
@workspace_view
def case_journal(request, number: str):
    """The composer: a customer-visible comment or an internal work note."""
    # With the related lists' flags: the header refreshed below skips the reads of empty lists.
    case = selectors_record.case_record_get(user=request.user, number=number, related_flags=True)
    page = _url("case-detail", case)
    form = f.JournalForm(request.POST)
    refusal_text, status = "", 200
    if form.is_valid():
        add = services.case_comment_add if form.cleaned_data["kind"] == "comment" else services.case_work_note_add
        try:
            entry = add(actor=request.user, case=case, body=form.cleaned_data["body"])
        except ValidationError as exc:
            form.add_error("body", "; ".join(exc.messages))
            status = INVALID
        except REFUSALS as exc:
            status, refusal_text = refusal(exc)
        else:
            kind = "Work note" if form.cleaned_data["kind"] == "work_note" else "Comment"
            if not is_htmx(request):
                return done(request, page + "#activity", f"{kind} added.")
            # The service's own case (locked, written and still holding the related rows read
            # above): the answer shows it as saved, with no second read.
            case = selectors_record.case_after_write(read=case, written=entry.case)
            fresh = f.JournalForm(initial={"kind": form.cleaned_data["kind"]})
            body = render_to_string("cases/record/_composer.html", {"case": case, "journal_form": fresh,
                                    "posted": kind}, request=request)
            return HttpResponse(body + _oob_after_write(request, case))
    else:
        status = INVALID
    if not is_htmx(request):
        return form_page(request, {"case": case, "form": form, "title": "Add to the journal", "submit": "Post",
                                   "url": _url("case-journal", case), "cancel_url": page, "refusal": refusal_text},
                         status=status)
    return render(request, "cases/record/_composer.html", {"case": case, "journal_form": form,
                  "refusal": refusal_text}, status=status)


@require_GET
@workspace_view
def case_timeline(request, number: str):
    """Older entries ("Load more", keyset on (created_at, id)) or another filter. Without
    JavaScript: a page of its own."""
    case = selectors_record.case_record_get(user=request.user, number=number)
    context = {"case": case, **_timeline_context(request, case, before=request.GET.get("before"),
                                                  show=request.GET.get("show", "all"))}
    if is_htmx(request):
        template = "cases/record/_timeline_items.html" if request.GET.get("before") else "cases/record/_timeline.html"
        return render(request, template, context)
    return render(request, "cases/record/timeline.html", context)


# --- attachments ----------------------------------------------------------------------------------
@require_POST
@workspace_view
def case_attachment_add(request, number: str):
    """Upload through attachment_add: its refusals (size 413, type 415, closed case 409) shown."""
    case = selectors_record.case_record_get(user=request.user, number=number)
    page = _url("case-detail", case)
    form = f.AttachmentForm(request.POST, request.FILES)
    refusal_text, status = "", 200
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=request.user, case=case, uploaded_file=form.cleaned_data["file"],
                customer_visible=form.cleaned_data["customer_visible"],
            )
        except ValidationError as exc:
            form.add_error("file", "; ".join(exc.messages))
            status = INVALID
        except REFUSALS as exc:
            status, refusal_text = refusal(exc)
        else:
            if not is_htmx(request):
                return done(request, page + "#attachments", f"{attachment.original_name} attached.")
            case = selectors_record.case_record_get(user=request.user, number=number)
            related = selectors_record.CaseRelated(
                attachments=selectors_record.case_attachments_for_record(user=request.user, case=case))
            body = render_to_string("cases/record/_attachments.html", {
                "case": case, "related": related, "attachment_form": f.AttachmentForm(), "can_work": True,
                "attachment_base": f"/api/v1/cases/{case.pk}/attachments/", "posted": attachment.original_name,
            }, request=request)
            return HttpResponse(body + _oob_after_write(request, case))
    else:
        status = INVALID
    if not is_htmx(request):
        return form_page(request, {"case": case, "form": form, "title": "Attach a file", "submit": "Attach",
                                   "url": _url("case-attachment-add", case), "cancel_url": page,
                                   "refusal": refusal_text, "multipart": True}, status=status)
    related = selectors_record.CaseRelated(
        attachments=selectors_record.case_attachments_for_record(user=request.user, case=case))
    return render(request, "cases/record/_attachments.html", {
        "case": case, "related": related, "attachment_form": form, "can_work": not case.is_read_only,
        "attachment_base": f"/api/v1/cases/{case.pk}/attachments/", "refusal": refusal_text,
    }, status=status)
