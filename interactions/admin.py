"""Interactions in the admin console: read-only records (they are written by the channels and the
agents through the services), with the transcript and linked cases inline, the Access page, and
the transitions as actions calling the same services as the workspace and the API."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from core.admin import ServiceAdmin
from core.exceptions import Conflict
from interactions import services
from interactions.models import Interaction, InteractionEntry, InteractionRelatedRecord


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class InteractionEntryInline(_ReadOnlyInline):
    model = InteractionEntry
    fields = ["created_at", "kind", "author", "author_name", "body"]
    readonly_fields = fields
    verbose_name_plural = "transcript and work notes"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class InteractionRelatedRecordInline(_ReadOnlyInline):
    model = InteractionRelatedRecord
    fields = ["case", "created_at", "created_by"]
    readonly_fields = fields
    verbose_name_plural = "related records (cases)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("case", "created_by")


def _run_each(model_admin, request, queryset, call, done: str) -> None:
    ok = 0
    for obj in queryset:
        try:
            call(obj)
            ok += 1
        except (ValidationError, PermissionDenied, Conflict) as exc:
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else getattr(exc, "detail", str(exc))
            model_admin.message_user(request, f"{obj.number}: {reason}", messages.ERROR)
    if ok:
        model_admin.message_user(request, f"{ok} {done}.", messages.SUCCESS)


@admin.register(Interaction)
class InteractionAdmin(ServiceAdmin):
    list_display = [
        "number", "type", "state", "short_description", "account", "contact", "consumer", "assignment_group",
        "assigned_to", "opened_at",
    ]
    list_filter = ["state", "type", "source", "wrap_up_code"]
    list_select_related = ["account", "contact", "consumer", "assignment_group", "assigned_to"]
    search_fields = ["number", "short_description", "caller_name", "caller_address", "external_id"]
    ordering = ["-opened_at", "-id"]
    fieldsets = [
        (None, {"fields": ["number", "type", "state", "short_description", "parent"]}),
        ("Customer", {"fields": ["account", "contact", "consumer", "opened_for", "caller_name", "caller_address"]}),
        ("Work", {"fields": ["assignment_group", "assigned_to", "source", "external_id"]}),
        ("Timeline", {"fields": [
            "opened_at", "opened_by", "queued_at", "accepted_at", "accepted_by", "wrap_up_started_at", "closed_at",
            "closed_by", "close_reason", "last_activity_at",
        ]}),
        ("Wrap up", {"fields": ["wrap_up_code", "wrap_up_notes", "wrap_up_duration"]}),
    ]
    inlines = [InteractionRelatedRecordInline, InteractionEntryInline]
    actions = ["close_selected", "hold_selected"]

    def get_readonly_fields(self, request, obj=None):
        return [f for section in self.fieldsets for f in section[1]["fields"]]

    def has_add_permission(self, request):
        return False  # opened by the channels (the intake API) and by agents, never by hand here

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(
            "parent", "opened_for", "opened_by", "accepted_by", "closed_by"
        )

    @admin.action(description="Close selected interactions (closed complete)")
    def close_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda i: services.interaction_close(actor=request.user, interaction=i, notes="Closed from the admin console."),
            "interactions closed",
        )

    @admin.action(description="Return selected interactions to their queue (on hold)")
    def hold_selected(self, request, queryset):
        _run_each(
            self, request, queryset,
            lambda i: services.interaction_hold(actor=request.user, interaction=i, reason="Returned from the admin console."),
            "interactions returned to their queue",
        )
