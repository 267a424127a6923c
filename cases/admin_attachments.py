"""Case attachments in the admin: read-only (files are added through the service, from the API or
the workspace), with a download link that streams the file with the same safe headers as the API.

`AttachmentInline` is meant for the Case admin (`inlines = [..., AttachmentInline]`)."""
from django.contrib import admin
from django.http import Http404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from cases.api.attachments import attachment_file_response
from cases.models import CaseAttachment


def _download_url(attachment: CaseAttachment) -> str:
    return reverse("admin:cases_caseattachment_download", args=[attachment.pk])


@admin.display(description="file")
def download_link(attachment: CaseAttachment) -> str:
    if not attachment.pk:
        return "—"
    return format_html('<a href="{}">{}</a>', _download_url(attachment), Truncator(attachment.original_name).chars(60))


@admin.display(description="size", ordering="size")
def size_display(attachment: CaseAttachment) -> str:
    from django.template.defaultfilters import filesizeformat

    return filesizeformat(attachment.size)


@admin.display(description="stored as")
def stored_name(attachment: CaseAttachment) -> str:
    return attachment.file.name  # plain text: storage is never served directly, only via download


class AttachmentInline(admin.TabularInline):
    model = CaseAttachment
    fields = readonly_fields = [
        download_link, "content_type", size_display, "uploaded_by", "created_at", "customer_visible",
    ]
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseAttachment)
class CaseAttachmentAdmin(admin.ModelAdmin):
    """Read-only: attachments are added through cases.services.attachment_add and never edited.
    A plain ModelAdmin: there is no service to call, and ServiceAdmin.changeform_view turns the
    add view's PermissionDenied into a redirect to itself."""

    list_per_page = 50
    show_full_result_count = False

    list_display = [
        "original_name", "case", "content_type", size_display, "customer_visible", "uploaded_by", "created_at",
        download_link,
    ]
    list_select_related = ["case", "uploaded_by"]
    list_filter = ["content_type", "customer_visible"]
    search_fields = ["original_name", "case__number", "sha256"]
    date_hierarchy = None
    fields = readonly_fields = [
        "case", download_link, "original_name", "content_type", size_display, "sha256", "customer_visible",
        "uploaded_by", "created_at", stored_name,
    ]

    def get_urls(self):
        extra = [
            path(
                "<path:object_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="cases_caseattachment_download",
            )
        ]
        return extra + super().get_urls()

    def download_view(self, request, object_id):
        attachment = self.get_object(request, object_id)
        if attachment is None or not self.has_view_permission(request, attachment):
            raise Http404
        return attachment_file_response(attachment)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
