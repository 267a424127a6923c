"""Admin for case tasks and case lines: saves go through cases.services.work, state is
read-only, transitions are admin actions that call the same services."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import CaseBlocker, CaseLine, CaseTask
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
            model_admin.message_user(request, f"{obj.number}: {reason}", messages.ERROR)
    if ok:
        model_admin.message_user(request, f"{ok} {done}.", messages.SUCCESS)


class CaseBlockerInline(admin.TabularInline):
    model = CaseBlocker
    fk_name = "task"
    fields = ["case", "created_at", "resolved_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CaseTask)
class CaseTaskAdmin(ServiceAdmin):
    create_service = services.case_task_create
    update_service = services.case_task_update
    list_display = [
        "number", "short_description", "case", "state", "priority", "assignment_group", "assigned_to",
        "visible_to_customer", "updated_at",
    ]
    list_filter = ["state", "priority", "visible_to_customer", "assignment_group"]
    list_select_related = ["case", "assignment_group", "assigned_to"]
    search_fields = ["number", "short_description", "case__number"]
    raw_id_fields = ["case"]
    autocomplete_fields = ["service_definition", "assignment_group", "assigned_to"]
    readonly_fields = [
        "number", "state", "account", "contact", "consumer", "opened_at", "opened_by", "closed_at", "closed_by",
        "created_at", "updated_at",
    ]
    inlines = [CaseBlockerInline]
    actions = ["close_selected", "cancel_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "case"] if obj is not None else self.readonly_fields

    @admin.action(description="Close selected tasks")
    def close_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda t: services.case_task_close(actor=request.user, task=t, close_notes="Closed from the admin."),
            "tasks closed",
        )

    @admin.action(description="Cancel selected tasks")
    def cancel_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda t: services.case_task_cancel(actor=request.user, task=t, reason="Cancelled from the admin."),
            "tasks cancelled",
        )


@admin.register(CaseLine)
class CaseLineAdmin(ServiceAdmin):
    create_service = services.case_line_create
    update_service = services.case_line_update
    list_display = ["number", "short_description", "case", "state", "priority", "product", "assigned_to", "updated_at"]
    list_filter = ["state", "priority", "request_reason"]
    list_select_related = ["case", "product", "assigned_to"]
    search_fields = ["number", "short_description", "case__number"]
    raw_id_fields = ["case"]
    autocomplete_fields = ["parent_line", "product", "sold_product", "install_base_item", "asset", "assigned_to"]
    readonly_fields = [
        "number", "state", "account", "contact", "resolution_code", "resolution_notes", "opened_at", "opened_by",
        "resolved_at", "resolved_by", "created_at", "updated_at",
    ]
    actions = ["start_selected", "cancel_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "case"] if obj is not None else self.readonly_fields

    @admin.action(description="Start work on selected lines")
    def start_selected(self, request, queryset):
        _run_each(self, request, queryset, lambda x: services.case_line_start(actor=request.user, line=x), "lines started")

    @admin.action(description="Cancel selected lines")
    def cancel_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda x: services.case_line_cancel(actor=request.user, line=x, reason="Cancelled from the admin."),
            "lines cancelled",
        )
