"""Case attachments over the API:

    GET  /api/v1/cases/{id}/attachments/                       the attachments the caller may see
    POST /api/v1/cases/{id}/attachments/                       multipart `file`, optional `customer_visible`
    GET  /api/v1/cases/{id}/attachments/{attachment_id}/download/

The case is read through the case selector (out of scope: 404; `{id}` may be the CS number),
then its attachments through the attachment selector (internal ones: 404 for the customer side).
Downloads stream through Django with headers that stop a browser from rendering the file."""
from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases import selectors, services
from cases.models import Case, CaseAttachment
from cases.selectors_attachments import attachment_list_for_user
from core.api.serializers import StrictSerializer
from core.exceptions import FileTooLarge

# Multipart framing around the file; a request longer than the limit plus this is refused unread.
MULTIPART_SLACK = 64 * 1024

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "private, no-store",
}


def attachment_file_response(attachment: CaseAttachment) -> FileResponse:
    """The file, streamed, as a download of its sniffed type under its sanitised name with that
    type's extension (`services.attachment_download_name`). Shared by the API (which the workspace's
    and the portal's links use) and the admin."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle, as_attachment=True, content_type=attachment.content_type,
        filename=services.attachment_download_name(attachment.original_name, attachment.content_type),
    )
    for name, value in DOWNLOAD_HEADERS.items():
        response[name] = value
    return response


class AttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseAttachment
        fields = [
            "id", "case", "name", "content_type", "size", "sha256", "customer_visible", "uploaded_by", "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, attachment) -> str:
        path = f"/api/v1/cases/{attachment.case_id}/attachments/{attachment.pk}/download/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class AttachmentUploadSerializer(StrictSerializer):
    file = serializers.FileField(help_text="The file; its type is sniffed from the content.")
    customer_visible = serializers.BooleanField(
        default=True, help_text="Agents only: false keeps the attachment internal."
    )


def _case_for(request, pk: str) -> Case:
    queryset = selectors.case_list_for_user(user=request.user)
    lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
    return get_object_or_404(queryset, **lookup)


class CaseAttachmentListView(GenericAPIView):
    """A case's attachments (GET), or attach a file (POST, multipart). Refusals: 409 on a closed or
    cancelled case, 403 internal attachment from the customer side, 413 too large, 415 type."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    queryset = CaseAttachment.objects.none()  # the schema's; reads go through the selector

    @extend_schema(responses=AttachmentSerializer(many=True), operation_id="cases_attachments_list")
    def get(self, request, pk: str):
        rows = attachment_list_for_user(user=request.user, case=_case_for(request, pk))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AttachmentSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        request={"multipart/form-data": AttachmentUploadSerializer},
        responses={201: AttachmentSerializer},
        operation_id="cases_attachments_create",
    )
    def post(self, request, pk: str):
        case = _case_for(request, pk)
        limit = settings.ATTACHMENT_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit + MULTIPART_SLACK:  # refuse before reading the body
            raise FileTooLarge(limit=limit, size=length)
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            actor=request.user,
            case=case,
            uploaded_file=data.validated_data["file"],
            customer_visible=data.validated_data["customer_visible"],
        )
        return Response(
            AttachmentSerializer(attachment, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class CaseAttachmentDownloadView(GenericAPIView):
    """The file itself, as an attachment of its sniffed type, never rendered inline."""

    serializer_class = AttachmentSerializer
    queryset = CaseAttachment.objects.none()

    def perform_content_negotiation(self, request, force=False):
        # The answer is the file whatever the Accept header says; errors still come as JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}, operation_id="cases_attachments_download"
    )
    def get(self, request, pk: str, attachment_id: int):
        case = _case_for(request, pk)
        attachment = get_object_or_404(attachment_list_for_user(user=request.user, case=case), pk=attachment_id)
        return attachment_file_response(attachment)
