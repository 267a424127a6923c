from django.contrib import admin, messages

from notifications.models import Notification
from notifications.services import notification_resend


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "to_address", "subject", "state", "attempts", "sent_at")
    list_filter = ("state", "event")
    search_fields = ("to_address", "subject", "related", "dedupe_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["resend"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resend the selected messages", permissions=["change"])
    def resend(self, request, queryset):
        for row in queryset:
            notification_resend(actor=request.user, notification=row)
        messages.success(request, f"{queryset.count()} message(s) queued again.")
