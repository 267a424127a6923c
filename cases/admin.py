"""Cases in the admin console. Every write goes through cases.services: the case form through
case_create / case_update (ServiceAdmin), lifecycle actions and work notes through admin actions
calling case_act / case_work_note_add, lifecycle and case-type parts through their inline services.
State fields are read-only; closed and cancelled cases are view-only."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from cases import diagrams, selectors, services
from cases.admin_attachments import AttachmentInline  # also registers CaseAttachmentAdmin
from cases import admin_templates, admin_work  # noqa: F401  (tasks, lines, task templates)
from cases import admin_slas  # noqa: F401  (SLA definitions, task SLAs)
from cases import admin_routing  # noqa: F401  (assignment rules, offers)
from cases import admin_escalations  # noqa: F401  (escalations, templates, time entries, entitlement usage)
from cases import admin_lists  # noqa: F401  (saved case filters)
from cases.choices import ResolutionCode
from cases.models import Case, CaseEvent, CaseType, CaseTypeField, Lifecycle, LifecycleState, LifecycleTransition
from core.admin import ServiceAdmin, ServiceInline, _service_kwargs
from core.exceptions import Conflict


def _refusal(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or "Not allowed."


# --- cases ----------------------------------------------------------------------------------------
class CaseEventInline(admin.TabularInline):
    """The timeline, oldest first, read-only (written only by cases.events)."""

    model = CaseEvent
    fields = ["created_at", "kind", "author", "body", "change", "customer_visible"]
    readonly_fields = fields
    ordering = ["created_at", "id"]
    extra = 0
    can_delete = False
    verbose_name = "timeline entry"
    verbose_name_plural = "timeline"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    @admin.display(description="field: old → new")
    def change(self, event: CaseEvent) -> str:
        return f"{event.field}: {event.old or '—'} → {event.new or '—'}" if event.field else ""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CaseActForm(forms.Form):
    lifecycle_action = forms.ChoiceField(label="Action")
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    reason = forms.CharField(required=False)
    resolution_code = forms.ChoiceField(required=False, choices=[("", "—"), *ResolutionCode.choices])
    close_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))

    def __init__(self, *args, actions: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lifecycle_action"].choices = actions


class WorkNoteForm(forms.Form):
    body = forms.CharField(label="Work note", widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))


_CASE_READONLY = [
    "number", "lifecycle", "state", "state_category", "version", "opened_at", "opened_by", "assigned_at",
    "first_response_at", "resolved_at", "resolved_by", "closed_at", "closed_by", "reassignment_count",
    "reopen_count", "created_at", "updated_at",
]


EXTRA_PREFIX = "extra__"


def _extra_form_field(field: CaseTypeField) -> forms.Field:
    common = {"label": field.label, "help_text": field.help_text, "required": field.required}
    kind = CaseTypeField.Kind
    if field.kind == kind.NUMBER:
        return forms.DecimalField(**common)
    if field.kind == kind.DATE:
        return forms.DateField(widget=admin.widgets.AdminDateWidget, **common)
    if field.kind == kind.BOOLEAN:
        return forms.BooleanField(**{**common, "required": False})
    if field.kind == kind.CHOICE:
        return forms.ChoiceField(choices=[("", "---------")] + [(c, c) for c in field.choices], **common)
    return forms.CharField(**common)


class CaseExtraForm(forms.ModelForm):
    """The case type's extra fields as typed inputs (`extra__<name>`), gathered into `extra` for
    the service, which validates them as it does for the API."""

    case_type_fields: list[CaseTypeField] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = (self.instance.extra or {}) if self.instance.pk else {}
        for field in self.case_type_fields:
            if field.name in stored:
                self.initial.setdefault(EXTRA_PREFIX + field.name, stored[field.name])

    def clean(self):
        cleaned = super().clean()
        extra = {}
        for field in self.case_type_fields:
            value = cleaned.get(EXTRA_PREFIX + field.name)
            if value in (None, ""):
                continue
            extra[field.name] = value if isinstance(value, bool) else (
                value.isoformat() if hasattr(value, "isoformat") else str(value)
            )
        cleaned["extra"] = extra
        return cleaned

    def add_error(self, field, error):
        # The service names extra fields "extra.<name>"; show them on their inputs.
        if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            for name in list(error.error_dict):
                if name.startswith("extra.") and EXTRA_PREFIX + name[6:] in self.fields:
                    super().add_error(EXTRA_PREFIX + name[6:], error.error_dict.pop(name))
            if not error.error_dict:
                return
        if isinstance(field, str) and field.startswith("extra.") and EXTRA_PREFIX + field[6:] in self.fields:
            field = EXTRA_PREFIX + field[6:]
        super().add_error(field, error)


@admin.register(Case)
class CaseAdmin(ServiceAdmin):
    create_service = services.case_create
    update_service = services.case_update
    list_display = [
        "number", "short_description", "account", "contact", "state", "priority", "assignment_group",
        "assigned_to", "updated_at",
    ]
    list_select_related = ["account", "contact", "assignment_group", "assigned_to"]
    list_filter = ["state_category", "priority", "channel", "case_type", "assignment_group"]
    search_fields = ["number", "short_description", "account__name"]
    autocomplete_fields = [
        "case_type", "account", "contact", "consumer", "partner", "product", "asset", "sold_product",
        "install_base_item", "contract", "entitlement", "service_definition", "assignment_group", "assigned_to",
        "parent",
    ]
    readonly_fields = _CASE_READONLY
    fieldsets = [
        (None, {"fields": ["number", "short_description", "description", "case_type", "category", "channel"]}),
        ("State", {"fields": [
            "lifecycle", "state", "state_category", "version", "resolution_code", "close_notes", "needs_attention",
            "auto_close",
        ]}),
        ("Priority", {"fields": ["impact", "urgency", "priority"]}),
        ("Customer", {"fields": ["account", "contact", "consumer", "partner"]}),
        ("Product and entitlement", {"fields": [
            "product", "asset", "sold_product", "install_base_item", "contract", "entitlement",
            "entitlement_override_reason", "service_definition",
        ]}),
        ("Assignment", {"fields": ["assignment_group", "assigned_to", "assigned_at", "reassignment_count"]}),
        ("Related", {"fields": ["parent", "extra"]}),
        ("Dates", {"fields": [
            "opened_at", "opened_by", "first_response_at", "resolved_at", "resolved_by", "closed_at", "closed_by",
            "reopen_count", "created_at", "updated_at",
        ]}),
    ]
    inlines = [CaseEventInline, AttachmentInline]
    actions = ["take_lifecycle_action", "add_work_note"]

    def get_queryset(self, request):
        return selectors.case_list_for_user(user=request.user)

    # --- the case type's extra fields as typed inputs -------------------------------------------
    def _case_type_fields(self, request, obj=None) -> list[CaseTypeField]:
        case_type_id = obj.case_type_id if obj is not None else request.POST.get("case_type") or request.GET.get("case_type")
        if not case_type_id or not str(case_type_id).isdigit():
            return []
        return list(CaseTypeField.objects.filter(case_type_id=case_type_id).order_by("order", "id"))

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f != "extra"]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        extra = self._case_type_fields(request, obj)
        if extra:
            title = f"{obj.case_type if obj is not None else 'Case type'} fields"
            fieldsets.append((title, {"fields": [EXTRA_PREFIX + f.name for f in extra]}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        extra = self._case_type_fields(request, obj)
        attrs = {EXTRA_PREFIX + f.name: _extra_form_field(f) for f in extra}
        kwargs["form"] = type("CaseForm", (CaseExtraForm,), {**attrs, "case_type_fields": extra})
        return super().get_form(request, obj, change=change, **kwargs)

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_read_only:
            return False  # closed and cancelled cases cannot be updated
        return super().has_change_permission(request, obj)

    def _call_service(self, request, form, change: bool):
        kwargs = _service_kwargs(form)
        # Only what the admin touched: an untouched priority is derived from impact x urgency.
        kwargs = {k: v for k, v in kwargs.items() if k in form.changed_data or (not change and k != "priority")}
        if any(name.startswith(EXTRA_PREFIX) for name in form.changed_data) or "case_type" in form.changed_data:
            kwargs["extra"] = form.cleaned_data.get("extra", {})
        try:
            if change:
                return services.case_update(actor=request.user, instance=form.instance, **kwargs)
            return services.case_create(actor=request.user, **kwargs)
        except Conflict as exc:
            raise ValidationError(str(exc)) from None

    # --- actions: transitions and work notes, through the services ---------------------------------
    def _intermediate(self, request, queryset, form, title: str, action: str):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "cases": list(queryset[:50]),
            "count": queryset.count(),
            "action_name": action,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/cases/case/action_form.html", context)

    def _report(self, request, done: list[str], refused: list[tuple[str, str]], verb: str) -> None:
        if done:
            self.message_user(request, f"{verb}: {', '.join(done)}.", messages.SUCCESS)
        for number, reason in refused:
            self.message_user(request, f"{number} refused: {reason}", messages.ERROR)

    @admin.action(description="Take a lifecycle action…", permissions=["change"])
    def take_lifecycle_action(self, request, queryset):
        cases = list(queryset.select_related(None).order_by(*self.get_ordering(request) or ["-updated_at"]))
        if not cases:
            return None
        first = services.case_transitions_for(cases[0], request.user)
        labels = {}
        for t in first:
            labels.setdefault(t.action, t.label)
        if not labels:
            self.message_user(request, f"{cases[0].number} allows you no action in state {cases[0].state}.", messages.WARNING)
            return None
        allowed = [set(services.case_allowed_actions(c, request.user)) for c in cases]
        choices = [
            (action, f"{label} ({action}) — allowed for {sum(action in a for a in allowed)} of {len(cases)}")
            for action, label in sorted(labels.items())
        ]
        form = CaseActForm(request.POST if "apply" in request.POST else None, actions=choices)
        if not form.is_valid():
            return self._intermediate(request, queryset, form, "Take a lifecycle action", "take_lifecycle_action")
        action = form.cleaned_data["lifecycle_action"]
        inputs = {k: v for k, v in form.cleaned_data.items() if k != "lifecycle_action" and v}
        done, refused = [], []
        for case in cases:
            try:
                services.case_act(actor=request.user, case=case, action=action, **inputs)
                done.append(case.number)
            except (Conflict, PermissionDenied, ValidationError) as exc:
                refused.append((case.number, _refusal(exc)))
        self._report(request, done, refused, f"'{action}' taken on")
        return None

    @admin.action(description="Add work note…", permissions=["change"])
    def add_work_note(self, request, queryset):
        form = WorkNoteForm(request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            return self._intermediate(request, queryset, form, "Add a work note", "add_work_note")
        done, refused = [], []
        for case in queryset.select_related(None):
            try:
                services.case_work_note_add(actor=request.user, case=case, body=form.cleaned_data["body"])
                done.append(case.number)
            except (Conflict, PermissionDenied, ValidationError) as exc:
                refused.append((case.number, _refusal(exc)))
        self._report(request, done, refused, "Work note added to")
        return None


# --- lifecycles -----------------------------------------------------------------------------------
class LifecycleStateInline(ServiceInline):
    model = LifecycleState
    fields = ["order", "code", "label", "category", "is_initial"]
    create_service = staticmethod(services.lifecycle_state_create)
    update_service = staticmethod(services.lifecycle_state_update)
    delete_service = staticmethod(services.lifecycle_state_delete)


class TransitionForm(forms.ModelForm):
    required_fields = forms.MultipleChoiceField(
        required=False,
        choices=[(f, f.replace("_", " ")) for f in LifecycleTransition.REQUIRABLE],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = LifecycleTransition
        fields = ["order", "action", "label", "source", "target", "actor", "required_fields"]


class LifecycleTransitionInline(ServiceInline):
    """`actor` here is the side that may take the action; the services call it `side`."""

    model = LifecycleTransition
    form = TransitionForm
    fields = ["order", "action", "label", "source", "target", "actor", "required_fields"]
    # Saved by LifecycleAdmin._save_transitions (the field `actor` becomes the services' `side`).
    create_service = staticmethod(services.lifecycle_transition_create)
    update_service = staticmethod(services.lifecycle_transition_update)
    delete_service = staticmethod(services.lifecycle_transition_delete)

    def get_formset(self, request, obj=None, **kwargs):
        self._lifecycle = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("source", "target"):
            lifecycle = getattr(self, "_lifecycle", None)
            kwargs["queryset"] = (
                LifecycleState.objects.filter(lifecycle=lifecycle) if lifecycle else LifecycleState.objects.none()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "target")


class LifecycleForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        # "One default lifecycle" is the service's to keep: it unsets the old default first.
        return {*super()._get_validation_exclusions(), "is_default"}


@admin.register(Lifecycle)
class LifecycleAdmin(ServiceAdmin):
    form = LifecycleForm
    create_service = services.lifecycle_create
    update_service = services.lifecycle_update
    list_display = ["name", "code", "is_default", "updated_at"]
    list_filter = ["is_default"]
    list_select_related = []
    search_fields = ["name", "code", "description"]
    fields = ["name", "code", "description", "is_default", "diagram", "created_at", "updated_at"]
    readonly_fields = ["diagram", "created_at", "updated_at"]
    inlines = [LifecycleStateInline, LifecycleTransitionInline]

    def get_queryset(self, request):
        return selectors.lifecycle_list_for_user(user=request.user).prefetch_related(None)

    @admin.display(description="diagram")
    def diagram(self, lifecycle: Lifecycle):
        if lifecycle.pk is None:
            return "Save the lifecycle with its states to see it drawn."
        # Our own SVG; every label in it is escaped by cases.diagrams.
        return mark_safe(f'<div id="diagram" style="overflow-x:auto">{diagrams.lifecycle_svg(lifecycle)}</div>')

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/diagram.svg",
                self.admin_site.admin_view(self.diagram_view),
                name="cases_lifecycle_diagram",
            )
        ]
        return extra + super().get_urls()

    def diagram_view(self, request, object_id):
        lifecycle = self.get_object(request, object_id)
        if lifecycle is None or not self.has_view_permission(request, lifecycle):
            raise Http404
        return HttpResponse(diagrams.lifecycle_svg(lifecycle), content_type="image/svg+xml")

    def save_formset(self, request, form, formset, change):
        # An inline transition's `actor` field is the side, not the editor: rename it before the
        # services see it. States marked initial go first, so moving the flag never leaves none.
        if formset.model is LifecycleTransition:
            self._save_transitions(request, form, formset)
            return
        if formset.model is LifecycleState:
            formset.forms.sort(key=lambda f: not getattr(f, "cleaned_data", {}).get("is_initial", False))
        super().save_formset(request, form, formset, change)

    def _save_transitions(self, request, form, formset):
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                services.lifecycle_transition_delete(actor=request.user, instance=inline_form.instance)
                formset.deleted_objects.append(inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = {k: v for k, v in inline_form.cleaned_data.items() if k in TransitionForm.Meta.fields}
            data["side"] = data.pop("actor")
            if inline_form.instance.pk:
                saved = services.lifecycle_transition_update(actor=request.user, instance=inline_form.instance, **data)
                formset.changed_objects.append((saved, inline_form.changed_data))
            else:
                saved = services.lifecycle_transition_create(actor=request.user, lifecycle=form.instance, **data)
                formset.new_objects.append(saved)


# --- case types -----------------------------------------------------------------------------------
class ChoicesField(forms.CharField):
    """A choice field's values, one per line."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 20})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        value = super().to_python(value)
        return [line.strip() for line in value.splitlines() if line.strip()]


class CaseTypeFieldForm(forms.ModelForm):
    choices = ChoicesField(required=False, help_text="Choice fields: one value per line.")

    class Meta:
        model = CaseTypeField
        fields = ["order", "name", "label", "kind", "required", "choices", "customer_visible", "help_text"]


class UntouchedWhenAbsentFormSet(BaseInlineFormSet):
    """A post without this inline's management form (a script, an older client) leaves the inline
    as it is instead of failing the whole save."""

    def __init__(self, data=None, *args, prefix=None, **kwargs):
        key = f"{prefix or self.get_default_prefix()}-TOTAL_FORMS"
        if data is not None and key not in data:
            data = data.copy()
            data[key] = data[key.replace("TOTAL", "INITIAL")] = "0"
        super().__init__(data, *args, prefix=prefix, **kwargs)


class CaseTypeFieldInline(ServiceInline):
    model = CaseTypeField
    form = CaseTypeFieldForm
    formset = UntouchedWhenAbsentFormSet
    fields = CaseTypeFieldForm.Meta.fields
    create_service = staticmethod(services.case_type_field_create)
    update_service = staticmethod(services.case_type_field_update)
    delete_service = staticmethod(services.case_type_field_delete)


@admin.register(CaseType)
class CaseTypeAdmin(ServiceAdmin):
    """Case types are deactivated, never deleted; saves go through cases.services."""

    create_service = services.case_type_create
    update_service = services.case_type_update
    list_display = ["name", "code", "category", "lifecycle", "active", "updated_at"]
    list_filter = ["category", "active", "lifecycle"]
    list_select_related = ["lifecycle"]
    search_fields = ["name", "code", "description"]
    autocomplete_fields = ["service_definitions"]
    fields = [
        "name", "code", "category", "description", "active", "lifecycle", "lifecycle_diagram",
        "service_definitions", "created_at", "updated_at",
    ]
    readonly_fields = ["lifecycle_diagram", "created_at", "updated_at"]
    inlines = [CaseTypeFieldInline]

    @admin.display(description="lifecycle diagram")
    def lifecycle_diagram(self, case_type: CaseType):
        lifecycle = case_type.lifecycle if case_type.lifecycle_id else Lifecycle.objects.filter(is_default=True).first()
        if lifecycle is None:
            return "—"
        return format_html(
            '<a href="{}#diagram">{} lifecycle</a> (<a href="{}">SVG</a>){}',
            reverse("admin:cases_lifecycle_change", args=[lifecycle.pk]),
            lifecycle.name,
            reverse("admin:cases_lifecycle_diagram", args=[lifecycle.pk]),
            "" if case_type.lifecycle_id else " — the default",
        )

