"""Saved case filters in the admin: read-only (agents save, rename and delete their own from the
workspace); an admin may delete stale ones, through the service."""
from django.contrib import admin, messages
from django.utils.html import format_html

from cases.models import SavedCaseFilter
from cases.services import lists as list_services


@admin.register(SavedCaseFilter)
class SavedCaseFilterAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "view", "query", "created_at"]
    list_filter = ["view"]
    list_select_related = ["owner"]
    search_fields = ["name", "owner__username"]
    fields = readonly_fields = ["owner", "name", "view", "query", "open_link", "created_at"]
    show_full_result_count = False
    actions = ["delete_selected_filters"]

    @admin.display(description="open in the workspace")
    def open_link(self, saved_filter: SavedCaseFilter) -> str:
        return format_html('<a href="{}">{}</a>', saved_filter.url, saved_filter.url)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deletion is the action below, through the service

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("cases.delete_savedcasefilter"):
            actions.pop("delete_selected_filters", None)
        return actions

    @admin.action(description="Delete the selected saved filters")
    def delete_selected_filters(self, request, queryset):
        count = 0
        for saved_filter in queryset:
            list_services.saved_case_filter_delete(actor=None, saved_filter=saved_filter)
            count += 1
        self.message_user(request, f"Deleted {count} saved filter(s).", messages.SUCCESS)
