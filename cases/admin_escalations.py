"""Admin for escalations, escalation templates, time worked and the entitlement usage ledger.
Saves go through the services; the escalation's state is read-only and its transitions are admin
actions calling the same services as the API."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import CaseTimeEntry, EntitlementUsage, Escalation, EscalationTemplate
from cases.services import entitlements
from cases.services import escalations as services
from core.admin import ServiceAdmin
from core.exceptions import Conflict


def _run_each(model_admin, request, queryset, call, done: str) -> None:
    ok = 0
    for obj in queryset:
        try:
            call(obj)
            ok += 1
        except (ValidationError, PermissionDenied, Conflict) as exc:
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            model_admin.message_user(request, f"{obj}: {reason}", messages.ERROR)
    if ok:
        model_admin.message_user(request, f"{ok} {done}.", messages.SUCCESS)


class EscalationTemplateForm(forms.ModelForm):
    def _get_validation_exclusions(self):
        """The one-default rule is the service's: a new default replaces the old one before it
        validates (the form alone would refuse a second default)."""
        return {*super()._get_validation_exclusions(), "is_default"}


@admin.register(EscalationTemplate)
class EscalationTemplateAdmin(ServiceAdmin):
    form = EscalationTemplateForm
    create_service = services.escalation_template_create
    update_service = services.escalation_template_update
    list_display = ["name", "applies_to", "active", "is_default", "skip_approval", "approval_group", "add_case_group_manager"]
    list_filter = ["applies_to", "active", "skip_approval"]
    list_select_related = ["approval_group"]
    search_fields = ["name", "description"]
    autocomplete_fields = ["approval_group"]
    fields = [
        "name", "applies_to", "description", "active", "is_default", "skip_approval", "approval_group",
        "add_case_group_manager",
    ]


_ESCALATION_READONLY = [
    "number", "source", "state", "request_source", "trend", "approvers", "requested_by", "requested_at",
    "approved_by", "approved_at", "declined_by", "declined_at", "decline_reason", "closed_by", "closed_at",
    "close_reason", "created_at", "updated_at",
]


@admin.register(Escalation)
class EscalationAdmin(ServiceAdmin):
    create_service = services.escalation_admin_create
    update_service = services.escalation_update
    list_display = ["number", "source", "case", "account", "state", "severity", "reason", "trend", "requested_at"]
    list_filter = ["state", "source", "severity", "reason", "trend", "request_source"]
    list_select_related = ["case", "account"]
    search_fields = ["number", "case__number", "account__name"]
    raw_id_fields = ["case"]
    autocomplete_fields = ["account", "template", "assignment_group", "assigned_to", "watch_list"]
    fieldsets = [
        (None, {"fields": ["number", "source", "case", "account", "template", "state", "request_source"]}),
        ("Escalation", {"fields": ["reason", "severity", "trend", "justification", "watch_list"]}),
        ("Account escalations", {"fields": ["assignment_group", "assigned_to"]}),
        ("Approval", {"fields": ["approvers", "requested_by", "requested_at", "approved_by", "approved_at"]}),
        ("Outcome", {"fields": [
            "declined_by", "declined_at", "decline_reason", "closed_by", "closed_at", "close_reason",
        ]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["approve_selected", "decline_selected", "deescalate_selected"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return _ESCALATION_READONLY
        return [*_ESCALATION_READONLY, "case", "account", "template", "reason"]

    @admin.action(description="Approve selected escalations (their approvers only)")
    def approve_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda e: services.escalation_approve(actor=request.user, escalation=e, comment="Approved from the admin."),
            "escalations approved",
        )

    @admin.action(description="Decline selected escalations (their approvers only)")
    def decline_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda e: services.escalation_decline(actor=request.user, escalation=e, reason="Declined from the admin."),
            "escalations declined",
        )

    @admin.action(description="De-escalate (close) selected escalations")
    def deescalate_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda e: services.escalation_deescalate(actor=request.user, escalation=e, reason="Closed from the admin."),
            "escalations closed",
        )


@admin.register(CaseTimeEntry)
class CaseTimeEntryAdmin(ServiceAdmin):
    """Time worked is logged once and not edited (it may have been charged to an entitlement)."""

    create_service = entitlements.case_time_entry_add
    list_display = ["case", "agent", "minutes", "worked_on", "entitlement", "created_at"]
    list_filter = ["worked_on"]
    list_select_related = ["case", "agent", "entitlement"]
    search_fields = ["case__number", "agent__username", "note"]
    raw_id_fields = ["case"]
    fields = ["case", "minutes", "note", "worked_on", "agent", "entitlement", "created_at"]
    readonly_fields = ["agent", "entitlement", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields if obj is not None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)


@admin.register(EntitlementUsage)
class EntitlementUsageAdmin(admin.ModelAdmin):
    """The ledger is written by the services only (a closed case, time worked): read-only."""

    list_display = ["entitlement", "case", "kind", "units", "charged", "overage", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["entitlement", "case"]
    search_fields = ["case__number", "entitlement__name"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
