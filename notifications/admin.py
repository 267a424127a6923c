from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join

from core.admin import ServiceAdmin
from notifications import registry
from notifications.choices import NotificationState
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from notifications.services import (
    notification_preference_delete,
    notification_preference_set,
    notification_preference_update,
    notification_release,
    notification_resend,
    notification_template_create,
    notification_template_preview,
    notification_template_restore,
    notification_template_update,
)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event", "audience", "to_address", "subject", "state", "attempts", "sent_at")
    list_filter = ("state", "audience", "event")
    search_fields = ("to_address", "subject", "related", "dedupe_key", "message_id")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    actions = ["resend", "release"]
    readonly_fields = [f.name for f in Notification._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resend the selected messages", permissions=["change"])
    def resend(self, request, queryset):
        for row in queryset:
            notification_resend(actor=request.user, notification=row)
        messages.success(request, f"{queryset.count()} message(s) queued again.")

    @admin.action(description="Send the selected held messages now (not in a digest)", permissions=["change"])
    def release(self, request, queryset):
        released = 0
        for row in queryset.filter(state=NotificationState.HELD):
            notification_release(actor=request.user, notification=row)
            released += 1
        messages.success(request, f"{released} held message(s) queued to send on their own.")


class NotificationTemplateForm(forms.ModelForm):
    event = forms.ChoiceField(choices=registry.template_choices)

    class Meta:
        model = NotificationTemplate
        fields = ["event", "audience", "subject", "body", "active"]
        widgets = {
            "subject": forms.TextInput(attrs={"style": "width: 100%; max-width: 60em; box-sizing: border-box"}),
            "body": forms.Textarea(attrs={"rows": 16, "cols": 100, "style": "font-family: monospace"}),
        }


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(ServiceAdmin):
    """Message texts per event and audience. Saving renders the event's sample data, so a template
    that does not render is refused with the reason; the change page shows the rendered preview
    and the variables the template may use (customer templates get customer-visible data only)."""

    form = NotificationTemplateForm
    create_service = notification_template_create
    update_service = notification_template_update
    list_display = ("event", "audience", "subject", "active", "updated_at")
    list_filter = ("audience", "active")
    search_fields = ("event", "subject", "body")
    actions = ["restore_shipped_text"]
    fieldsets = (
        (None, {"fields": ("event", "audience", "subject", "body", "active")}),
        ("Preview with sample data", {"fields": ("preview", "variables", "about")}),
    )
    readonly_fields = ("preview", "variables", "about")

    def get_readonly_fields(self, request, obj=None):
        return ("event", "audience", *self.readonly_fields) if obj else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj else self.fieldsets[:1]

    @admin.display(description="Preview")
    def preview(self, obj):
        if not obj or not obj.pk:
            return "-"
        try:
            subject, body = notification_template_preview(
                event=obj.event, audience=obj.audience, subject=obj.subject, body=obj.body
            )
        except ValidationError as exc:
            return format_html('<p class="errornote">{}</p>', "; ".join(exc.messages))
        return format_html(
            '<div style="max-width: 60em"><p><strong>Subject:</strong> {}</p>'
            '<pre style="white-space: pre-wrap; border: 1px solid var(--hairline-color); padding: .75em">{}</pre></div>',
            subject, body,
        )

    @admin.display(description="Variables")
    def variables(self, obj):
        spec = registry.event(obj.event) if obj else None
        if spec is None:
            return "-"
        rows = registry.flatten_variables(spec.sample(obj.audience))
        return format_html(
            '<div style="max-width: 100%; overflow-x: auto"><table><thead><tr><th>Variable</th><th>Sample value</th>'
            "</tr></thead><tbody>{}</tbody></table></div>",
            format_html_join(
                "", '<tr><td><code>{{{{ {} }}}}</code></td><td style="overflow-wrap: anywhere">{}</td></tr>', rows
            ),
        )

    @admin.display(description="About this message")
    def about(self, obj):
        spec = registry.event(obj.event) if obj else None
        if spec is None:
            return "-"
        mandatory = "Mandatory: sent even to people who switched it off, never held for a digest. " if spec.mandatory else ""
        return f"{mandatory}{spec.description}"

    @admin.action(description="Restore the shipped text of the selected templates", permissions=["change"])
    def restore_shipped_text(self, request, queryset):
        restored = 0
        for template in queryset:
            try:
                notification_template_restore(actor=request.user, instance=template)
                restored += 1
            except ValidationError as exc:
                messages.error(request, f"{template}: {'; '.join(exc.messages)}")
        messages.success(request, f"{restored} template(s) restored to the shipped text.")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(ServiceAdmin):
    create_service = notification_preference_set
    update_service = notification_preference_update
    list_display = ("user", "topic", "email", "delivery", "updated_at")
    list_filter = ("email", "delivery")
    search_fields = ("user__username", "user__email", "topic")
    list_select_related = ("user",)
    autocomplete_fields = ("user",)

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm("notifications.delete_notificationpreference")

    def delete_model(self, request, obj):
        notification_preference_delete(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for preference in queryset:
            notification_preference_delete(actor=request.user, instance=preference)
