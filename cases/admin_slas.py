"""SLAs in the admin console. Definitions save through cases.services.slas (so conditions are
checked and normalised by the same code as everywhere); task SLAs are read-only records with
their interval log; "recompute" actions re-measure running SLAs on their schedules as they are."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.utils.html import format_html_join

from cases import permissions_slas, services
from cases.models import SlaDefinition, SlaInterval, TaskSla
from cases.sla_conditions import FIELDS, OPS, condition_describe
from core.admin import ServiceAdmin

CONDITION_HELP = (
    'A list of clauses that must all hold, e.g. [{"field": "state_category", "op": "eq", "value": "new"}, '
    '{"field": "priority", "op": "in", "value": [1, 2]}]; {"any": [...]} holds when one of its clauses does. '
    f"Operators: {', '.join(OPS)} ('changes' only in the reset condition). Fields: {', '.join(FIELDS)} "
    "(relations by id). Empty: never matches."
)


@admin.register(SlaDefinition)
class SlaDefinitionAdmin(ServiceAdmin):
    create_service = services.sla_definition_create
    update_service = services.sla_definition_update
    list_display = ["name", "target", "duration", "schedule", "active", "updated_at"]
    list_filter = ["active", "target"]
    list_select_related = ["schedule"]
    search_fields = ["name"]
    autocomplete_fields = ["schedule", "account", "product", "contract"]
    readonly_fields = ["conditions_in_words", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "description", "active", "target", "duration"]}),
        ("Business hours", {"fields": ["schedule", "schedule_source"]}),
        ("Conditions", {
            "fields": [
                "start_condition", "retroactive_start", "pause_condition", "when_to_resume", "resume_condition",
                "stop_condition", "when_to_cancel", "cancel_condition", "reset_condition", "conditions_in_words",
            ],
            "description": CONDITION_HELP,
        }),
        ("Applies to (empty: every case)", {"fields": ["account", "product", "contract"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]
    actions = ["recompute_running"]

    @admin.display(description="in words")
    def conditions_in_words(self, definition):
        if definition.pk is None:
            return "—"
        rows = [(name, condition_describe(getattr(definition, f"{name}_condition")))
                for name in ("start", "pause", "resume", "stop", "cancel", "reset")]
        return format_html_join("", "<div><b>{}</b>: {}</div>", rows)

    @admin.action(description="Recompute the running SLAs of the selected definitions")
    def recompute_running(self, request, queryset):
        try:
            total = sum(services.sla_recompute_definition(definition=d, actor=request.user) for d in queryset)
        except PermissionDenied as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{total} running SLA(s) recomputed.", messages.SUCCESS)


class SlaIntervalInline(admin.TabularInline):
    """Why the clock counted or paused, and when (written only by cases.services.slas)."""

    model = SlaInterval
    fields = ["kind", "started_at", "ended_at", "begin_reason", "end_reason"]
    readonly_fields = fields
    ordering = ["started_at", "id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TaskSla)
class TaskSlaAdmin(ServiceAdmin):
    list_display = ["case", "definition", "stage", "has_breached", "start_time", "breach_time", "notified_pct"]
    list_filter = ["stage", "has_breached", "target"]
    list_select_related = ["case", "definition"]
    search_fields = ["case__number", "definition__name"]
    readonly_fields = [
        "definition", "case", "target", "stage", "has_breached", "schedule", "duration", "start_time", "stop_time",
        "breach_time", "original_breach_time", "counted_before", "counting_since", "paused_at", "pause_duration",
        "business_pause_duration", "notified_pct", "next_check_at", "watched", "created_at", "updated_at",
    ]
    fields = readonly_fields
    inlines = [SlaIntervalInline]
    actions = ["recompute_selected"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_recompute_permission(self, request):
        return permissions_slas.can_recompute_slas(request.user)

    @admin.action(description="Recompute the selected SLAs on their schedules", permissions=["recompute"])
    def recompute_selected(self, request, queryset):
        cases = {t.case for t in queryset.select_related("case")}
        total = sum(services.sla_recompute(actor=request.user, case=case) for case in cases)
        self.message_user(request, f"{total} running SLA(s) recomputed.", messages.SUCCESS)
