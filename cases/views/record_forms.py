"""Forms of the record pages. They only validate input and turn it into the keyword arguments of
one service call; the services decide (and refuse, naming the field, which the views put back on
the form). Choice lists come from the scoped selectors."""
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from cases import selectors
from cases.choices import CaseCategory, Impact, Priority, ResolutionCode, StateCategory
from cases.models import Case, CaseTypeField, LifecycleTransition
from cases.models.escalations import EscalationReason, EscalationSeverity
from cases.models.templates import TemplateState
from cases.models.work import LinePriority, LineRequestReason, LineResolutionCode
from catalog import selectors as catalog_selectors
from core.choices import Channel
from customers import selectors as customer_selectors
from users import selectors as user_selectors

EXTRA_PREFIX = "extra__"


def service_errors_to_form(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields ("extra.x" -> "extra__x"); what
    names no field of the form becomes a form-wide error."""
    messages = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for name, errors in messages.items():
        key = name.replace("extra.", EXTRA_PREFIX) if name else None
        for error in errors:
            form.add_error(key if key in form.fields else None, error)


# --- the case's key details -------------------------------------------------------------------------
class _NumberedCaseField(forms.CharField):
    """A case given by its number (parent case), resolved through the reader's case selector."""

    def __init__(self, *, user, **kwargs):
        self.user = user
        super().__init__(**kwargs)

    def clean(self, value):
        value = (super().clean(value) or "").strip().upper()
        if not value:
            return None
        case = selectors.case_list_for_user(user=self.user).filter(number=value).first()
        if case is None:
            raise ValidationError(f"No case {value}.")
        return case


DETAIL_LABELS = {
    "short_description": "Short description",
    "description": "Description",
    "category": "Category",
    "channel": "Channel",
    "impact": "Impact",
    "urgency": "Urgency",
    "priority": "Priority",
    "contact": "Contact",
    "product": "Product",
    "case_type": "Case type",
    "parent": "Parent case",
}


def detail_field_names(case: Case) -> list[str]:
    """The case fields an agent edits on the record page (the contact only within its account)."""
    names = list(DETAIL_LABELS)
    if not case.account_id:
        names.remove("contact")
    return names


def _extra_field(spec: CaseTypeField) -> forms.Field:
    common = {"label": spec.label, "required": False, "help_text": spec.help_text}
    if spec.kind == CaseTypeField.Kind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if spec.kind == CaseTypeField.Kind.BOOLEAN:
        return forms.TypedChoiceField(
            choices=[("", "—"), ("true", "Yes"), ("false", "No")], coerce=lambda v: v == "true", empty_value=None,
            **common,
        )
    if spec.kind == CaseTypeField.Kind.CHOICE:
        return forms.ChoiceField(choices=[("", "—")] + [(c, c) for c in spec.choices], **common)
    if spec.kind == CaseTypeField.Kind.NUMBER:
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common)
    return forms.CharField(**common)


def _extra_initial(spec: CaseTypeField, value):
    if spec.kind == CaseTypeField.Kind.BOOLEAN and value is not None:
        return "true" if value else "false"
    return value


class CaseDetailsForm(forms.Form):
    """The case's key details; `only` narrows it to one field for the in-place editor. The
    case's `version` travels with the form, so a concurrent change is refused (409), never
    silently overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, case: Case, user, only: list[str] | None = None, **kwargs):
        self.case, self.user = case, user
        kwargs.setdefault("initial", {})
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = case.version
        names = [n for n in detail_field_names(case) + self.extra_names() if only is None or n in only]
        for name in names:
            self.fields[name] = self._make(name)
            self.fields[name].initial = self._initial(name)

    # the case type's typed fields ---------------------------------------------------------------
    def extra_specs(self) -> dict[str, CaseTypeField]:
        if not self.case.case_type_id:
            return {}
        return {f"{EXTRA_PREFIX}{spec.name}": spec for spec in self.case.case_type.fields.all()}

    def extra_names(self) -> list[str]:
        return list(self.extra_specs())

    # building -------------------------------------------------------------------------------------
    def _make(self, name: str) -> forms.Field:
        label = DETAIL_LABELS.get(name)
        case, user = self.case, self.user
        if name == "short_description":
            return forms.CharField(label=label, max_length=160)
        if name == "description":
            return forms.CharField(label=label, required=False, widget=forms.Textarea(attrs={"rows": 5}))
        if name == "category":
            return forms.ChoiceField(label=label, choices=CaseCategory.choices)
        if name == "channel":
            return forms.ChoiceField(label=label, choices=Channel.choices)
        if name in ("impact", "urgency"):
            return forms.TypedChoiceField(
                label=label, choices=Impact.choices, coerce=int,
                help_text="Priority follows impact × urgency unless you set it.",
            )
        if name == "priority":
            return forms.TypedChoiceField(label=label, choices=Priority.choices, coerce=int)
        if name == "contact":
            queryset = customer_selectors.contact_list_for_user(user=user).filter(account_id=case.account_id)
            return forms.ModelChoiceField(
                label=label, queryset=queryset.order_by("last_name", "first_name"), required=False,
                help_text="Contacts of the case's account.",
            )
        if name == "product":
            queryset = catalog_selectors.product_list_for_user(user=user).filter(active=True).select_related(None)
            return forms.ModelChoiceField(label=label, queryset=queryset.order_by("name"), required=False)
        if name == "case_type":
            queryset = selectors.case_type_list_for_user(user=user).filter(active=True).prefetch_related(None)
            same = Q(lifecycle_id=case.lifecycle_id)
            queryset = queryset.filter(same | Q(lifecycle__isnull=True) if case.lifecycle.is_default else same)
            return forms.ModelChoiceField(
                label=label, queryset=queryset.order_by("name"), required=False,
                help_text="Types that follow this case's lifecycle.",
            )
        if name == "parent":
            return _NumberedCaseField(user=user, label=label, required=False, max_length=16,
                                      help_text="A case number, e.g. CS0000123; empty to detach.")
        return _extra_field(self.extra_specs()[name])

    def _initial(self, name: str):
        case = self.case
        if name.startswith(EXTRA_PREFIX):
            spec = self.extra_specs()[name]
            return _extra_initial(spec, (case.extra or {}).get(spec.name))
        if name == "parent":
            return case.parent.number if case.parent_id else ""
        if name in ("contact", "product", "case_type"):
            return getattr(case, f"{name}_id")
        return getattr(case, name)

    def _changed(self) -> list[str]:
        """The fields whose value differs from the case's (in-place edits send one field)."""
        changed = []
        for name, value in self.cleaned_data.items():
            if name == "version":
                continue
            initial = self.fields[name].initial
            current = value.pk if hasattr(value, "pk") else value
            if name == "parent":
                current, initial = (value.number if value else ""), initial or ""
            if name.startswith(EXTRA_PREFIX):
                spec = self.extra_specs()[name]
                current = value.isoformat() if hasattr(value, "isoformat") else value
                initial = (self.case.extra or {}).get(spec.name)
                if current in ("", None) and initial in ("", None):
                    continue
            if current != initial:
                changed.append(name)
        return changed

    def service_fields(self) -> dict:
        """`case_update` keyword arguments for what changed (priority only when it was set, so
        an impact or urgency change re-derives it)."""
        fields, extra = {}, None
        for name in self._changed():
            value = self.cleaned_data[name]
            if name.startswith(EXTRA_PREFIX):
                extra = dict(self.case.extra or {}) if extra is None else extra
                spec = self.extra_specs()[name]
                value = value.isoformat() if hasattr(value, "isoformat") else value
                if value in ("", None):
                    extra.pop(spec.name, None)
                else:
                    extra[spec.name] = value
            else:
                fields[name] = value
        if extra is not None:
            fields["extra"] = extra
        return fields


# --- lifecycle actions -----------------------------------------------------------------------------
INPUT_LABELS = {
    "resolution_code": "Resolution code",
    "close_notes": "Resolution notes",
    "notes_to_comments": "Also add the resolution notes to the customer-visible comments",
    "comment": "Comment to the customer (the customer sees it)",
    "reason": "Reason (the customer sees it)",
    "work_note": "Work note (internal)",
}
INPUT_ORDER = tuple(INPUT_LABELS)


def action_inputs(transition: LifecycleTransition) -> list[str]:
    """What the action's form asks for: its required inputs, what its target records, and an
    optional internal work note."""
    names = {n for n in transition.required_fields if n in INPUT_LABELS}
    target = transition.target.category
    if target in (StateCategory.RESOLVED, StateCategory.CLOSED):
        names |= {"resolution_code", "close_notes"}
    if transition.action == "propose-solution":
        names.add("notes_to_comments")
    if target == StateCategory.CANCELLED:
        names.add("reason")
    if not names & {"comment", "reason"}:
        names.add("comment")
    names.add("work_note")
    return [n for n in INPUT_ORDER if n in names]


class CaseActionForm(forms.Form):
    def __init__(self, *args, transition: LifecycleTransition, **kwargs):
        super().__init__(*args, **kwargs)
        self.transition = transition
        required = set(transition.required_fields)
        for name in action_inputs(transition):
            label, needed = INPUT_LABELS[name], name in required
            if name == "resolution_code":
                field = forms.ChoiceField(label=label, choices=[("", "—")] + list(ResolutionCode.choices), required=needed)
            elif name == "notes_to_comments":
                field = forms.BooleanField(label=label, required=False)
            elif name in ("close_notes", "comment", "work_note", "reason"):
                field = forms.CharField(label=label, required=needed, widget=forms.Textarea(attrs={"rows": 3}))
            self.fields[name] = field


# --- assignment, escalation, tasks, templates, journal, files ----------------------------------------
def _grouped_agents(groups) -> tuple[list, dict]:
    """Assignee choices grouped by assignment group (members only), and id -> user."""
    choices, users = [("", "— Nobody (the group's queue) —")], {}
    for group in groups:
        members = sorted(group.members.all(), key=lambda u: (u.get_full_name() or u.username).lower())
        options = []
        for member in members:
            if member.is_active:
                users[str(member.pk)] = member
                options.append((str(member.pk), member.get_full_name() or member.username))
        if options:
            choices.append((group.name, options))
    return choices, users


class _AssigneeField(forms.ChoiceField):
    def __init__(self, *, users: dict, **kwargs):
        self.users = users
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.users.get(value) if value else None


def _active_groups(user):
    return user_selectors.assignment_group_list_for_user(user=user).filter(active=True).order_by("name")


class CaseAssignForm(forms.Form):
    assignment_group = forms.ModelChoiceField(label="Assignment group", queryset=None, required=False)

    def __init__(self, *args, user, case: Case, **kwargs):
        super().__init__(*args, **kwargs)
        groups = list(_active_groups(user))
        self.fields["assignment_group"].queryset = _active_groups(user)
        self.fields["assignment_group"].initial = case.assignment_group_id
        choices, users = _grouped_agents(groups)
        self.fields["assigned_to"] = _AssigneeField(
            label="Assigned to", choices=choices, users=users, required=False,
            help_text="A member of the assignment group.",
        )
        self.fields["assigned_to"].initial = str(case.assigned_to_id or "")

    def clean(self):
        data = super().clean()
        if not data.get("assignment_group") and not data.get("assigned_to"):
            raise ValidationError("Choose an assignment group, an assignee, or both.")
        return data


class EscalateForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=EscalationReason.choices)
    severity = forms.ChoiceField(label="Severity", choices=EscalationSeverity.choices, initial=EscalationSeverity.MEDIUM)
    justification = forms.CharField(label="Justification", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TemplateApplyForm(forms.Form):
    template = forms.ModelChoiceField(label="Task template", queryset=None, empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = (
            selectors.task_template_list_for_user(user=user).filter(state=TemplateState.PUBLISHED, active=True)
            .prefetch_related(None).select_related(None).order_by("name")
        )


class CaseTaskCreateForm(forms.Form):
    short_description = forms.CharField(label="Short description", max_length=160)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    priority = forms.TypedChoiceField(label="Priority", choices=Priority.choices, coerce=int, initial=Priority.LOW)
    assignment_group = forms.ModelChoiceField(label="Assignment group", queryset=None, required=False)
    visible_to_customer = forms.BooleanField(
        label="Visible to the customer (shown on the portal; the customer may reply and close it)", required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment_group"].queryset = _active_groups(user).prefetch_related(None)


class CaseLineCreateForm(forms.Form):
    short_description = forms.CharField(label="Short description", max_length=160)
    priority = forms.TypedChoiceField(label="Priority", choices=LinePriority.choices, coerce=int, initial=LinePriority.LOW)
    request_reason = forms.ChoiceField(label="Request reason", choices=LineRequestReason.choices)
    product = forms.ModelChoiceField(label="Product", queryset=None, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = (
            catalog_selectors.product_list_for_user(user=user).filter(active=True).select_related(None).order_by("name")
        )


JOURNAL_KINDS = (("comment", "Comment (customer-visible)"), ("work_note", "Work note (internal)"))


class JournalForm(forms.Form):
    kind = forms.ChoiceField(choices=JOURNAL_KINDS, initial="comment", widget=forms.RadioSelect)
    body = forms.CharField(label="Entry", widget=forms.Textarea(attrs={"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label="File")
    customer_visible = forms.BooleanField(label="The customer sees it", required=False, initial=True)


# --- case tasks and lines -----------------------------------------------------------------------------
class CaseTaskDetailsForm(forms.Form):
    short_description = forms.CharField(label="Short description", max_length=160)
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    priority = forms.TypedChoiceField(label="Priority", choices=Priority.choices, coerce=int)
    assignment_group = forms.ModelChoiceField(label="Assignment group", queryset=None, required=False)
    visible_to_customer = forms.BooleanField(label="Visible to the customer", required=False)

    def __init__(self, *args, user, task, **kwargs):
        super().__init__(*args, **kwargs)
        groups = list(_active_groups(user))
        self.fields["assignment_group"].queryset = _active_groups(user).prefetch_related(None)
        choices, users = _grouped_agents(groups)
        self.fields["assigned_to"] = _AssigneeField(label="Assigned to", choices=choices, users=users, required=False)
        for name in ("short_description", "description", "priority", "visible_to_customer"):
            self.fields[name].initial = getattr(task, name)
        self.fields["assignment_group"].initial = task.assignment_group_id
        self.fields["assigned_to"].initial = str(task.assigned_to_id or "")
        self.task = task

    def service_fields(self) -> dict:
        fields = {}
        for name, value in self.cleaned_data.items():
            current = getattr(self.task, f"{name}_id") if name in ("assignment_group", "assigned_to") else getattr(self.task, name)
            if (value.pk if hasattr(value, "pk") else value) != current:
                fields[name] = value
        return fields


class CaseLineDetailsForm(forms.Form):
    short_description = forms.CharField(label="Short description", max_length=160)
    priority = forms.TypedChoiceField(label="Priority", choices=LinePriority.choices, coerce=int)
    request_reason = forms.ChoiceField(label="Request reason", choices=LineRequestReason.choices)
    product = forms.ModelChoiceField(label="Product", queryset=None, required=False)
    assigned_to = forms.ModelChoiceField(label="Assigned to", queryset=None, required=False)

    def __init__(self, *args, user, line, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = (
            catalog_selectors.product_list_for_user(user=user).filter(active=True).select_related(None).order_by("name")
        )
        self.fields["assigned_to"].queryset = user_selectors.user_list_internal().order_by("username")
        for name in ("short_description", "priority", "request_reason"):
            self.fields[name].initial = getattr(line, name)
        self.fields["product"].initial = line.product_id
        self.fields["assigned_to"].initial = line.assigned_to_id
        self.line = line

    def service_fields(self) -> dict:
        fields = {}
        for name, value in self.cleaned_data.items():
            current = getattr(self.line, f"{name}_id") if name in ("product", "assigned_to") else getattr(self.line, name)
            if (value.pk if hasattr(value, "pk") else value) != current:
                fields[name] = value
        return fields


class TaskCloseForm(forms.Form):
    close_notes = forms.CharField(label="Close notes (what was done)", widget=forms.Textarea(attrs={"rows": 3}))


class TaskCancelForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class TaskCommentForm(forms.Form):
    body = forms.CharField(label="Reply", widget=forms.Textarea(attrs={"rows": 3}))


class LineAcceptForm(forms.Form):
    resolution_code = forms.ChoiceField(label="Resolution code", choices=LineResolutionCode.choices)
    resolution_notes = forms.CharField(label="Resolution notes", widget=forms.Textarea(attrs={"rows": 3}))


class LineDenyForm(forms.Form):
    resolution_notes = forms.CharField(label="Why it was denied", widget=forms.Textarea(attrs={"rows": 3}))


class LineCancelForm(forms.Form):
    reason = forms.CharField(label="Reason", required=False, widget=forms.Textarea(attrs={"rows": 2}))
