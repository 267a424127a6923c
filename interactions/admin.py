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


# --- the email channel ---------------------------------------------------------------------------
from django import forms  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from interactions import services_mail  # noqa: E402
from interactions.models import InboundMessage, Mailbox  # noqa: E402


class MailboxForm(forms.ModelForm):
    imap_password = forms.CharField(
        required=False, widget=forms.PasswordInput(render_value=False),
        help_text="Stored password (prefer the environment variable). Never shown; leave empty to keep the stored one.",
    )

    class Meta:
        model = Mailbox
        fields = "__all__"


@admin.register(Mailbox)
class MailboxAdmin(ServiceAdmin):
    """Mailboxes the beat polls. Saved through the mailbox services; "Poll now" queues a poll."""

    form = MailboxForm
    create_service = services_mail.mailbox_create
    update_service = services_mail.mailbox_update
    list_display = ["name", "address", "kind", "active", "creates", "poll_interval_seconds", "last_polled_at", "poll_error"]
    list_filter = ["kind", "active", "creates"]
    list_select_related = ["default_case_type", "default_assignment_group"]
    search_fields = ["name", "address"]
    readonly_fields = ["imap_uidvalidity", "imap_last_uid", "poll_lease_until", "last_polled_at", "last_poll_error"]
    fieldsets = [
        (None, {"fields": ["name", "address", "kind", "active", "poll_interval_seconds"]}),
        ("What mail becomes", {"fields": ["creates", "default_case_type", "default_assignment_group"]}),
        ("IMAP", {"fields": ["imap_host", "imap_port", "imap_ssl", "imap_username", "imap_password_env",
                             "imap_password", "imap_folder"]}),
        ("Maildir", {"fields": ["maildir_path"]}),
        ("Poller", {"fields": readonly_fields}),
    ]
    actions = ["poll_now"]

    @admin.display(description="polling")
    def poll_error(self, obj):
        """"failing: <error>" in red for a mailbox whose last poll failed (also on the held-mail
        page and in /healthz/), else "ok" or "not polled yet"."""
        if obj.last_poll_error:
            return format_html('<strong style="color:#b3261e">failing:</strong> {}', obj.last_poll_error[:200])
        return "ok" if obj.last_polled_at else "not polled yet"

    @admin.action(description="Poll now")
    def poll_now(self, request, queryset):
        _run_each_mail(
            self, request, queryset,
            lambda m: services_mail.mailbox_poll_request(actor=request.user, mailbox=m), "polls queued",
        )


def _run_each_mail(model_admin, request, queryset, call, done: str) -> None:
    ok = 0
    for obj in queryset:
        try:
            call(obj)
            ok += 1
        except (ValidationError, PermissionDenied, Conflict) as exc:
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else getattr(exc, "detail", str(exc))
            model_admin.message_user(request, f"{obj}: {reason}", messages.ERROR)
    if ok:
        model_admin.message_user(request, f"{ok} {done}.", messages.SUCCESS)


@admin.register(InboundMessage)
class InboundMessageAdmin(ServiceAdmin):
    """Every stored message, read-only; re-process and discard call the same services as the
    workspace's held-mail page."""

    list_display = ["received_at", "mailbox", "from_address", "subject", "state", "case", "interaction", "size"]
    list_filter = ["state", "mailbox"]
    list_select_related = ["mailbox", "case", "interaction"]
    search_fields = ["from_address", "subject", "message_id"]
    ordering = ["-received_at", "-id"]
    fields = [
        "mailbox", "state", "reason", "received_at", "processed_at", "attempts", "from_address", "from_name", "subject",
        "message_id", "source_key", "size", "contact", "consumer", "case", "comment", "interaction",
        "attachment_list", "attachments_kept", "attachment_errors", "raw_text",
    ]
    actions = ["reprocess_selected", "discard_selected"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request):
        return False  # stored by the pollers only

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            # list_select_related applies only to a queryset without select_related of its own
            return qs.defer("raw")
        return qs.select_related("mailbox", "case", "interaction", "contact", "consumer", "comment")

    @admin.display(description="raw message (first 20,000 characters)")
    def raw_text(self, obj):
        text = bytes(obj.raw[:20000]).decode("utf-8", "replace")
        return format_html("<pre style='white-space:pre-wrap;max-height:40em;overflow:auto'>{}</pre>", text)

    @admin.action(description="Re-process selected messages")
    def reprocess_selected(self, request, queryset):
        _run_each_mail(
            self, request, queryset.defer("raw"),
            lambda m: services_mail.inbound_reprocess(actor=request.user, message=m), "messages re-processed",
        )

    @admin.action(description="Discard selected held or quarantined messages")
    def discard_selected(self, request, queryset):
        _run_each_mail(
            self, request, queryset.defer("raw"),
            lambda m: services_mail.inbound_discard(actor=request.user, message=m, reason="From the admin console."),
            "messages discarded",
        )
