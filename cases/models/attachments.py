"""Files attached to a case. The stored name is generated (`cases/<case id>/<random hex><ext>`),
never taken from the client; the client's name is kept, sanitised, for display only. Written
only by cases.services.attachments."""
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from cases.models.cases import Case

# The types the sniffer recognises, and the extension a stored file of that type gets.
EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/zip": ".zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "text/plain": ".txt",
    "text/csv": ".csv",
    "application/json": ".json",
}


def attachment_upload_to(instance: "CaseAttachment", filename: str) -> str:
    """Where a new attachment is stored. `filename` (the client's) is deliberately ignored."""
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}{EXTENSIONS.get(instance.content_type, '')}"


class CaseAttachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(max_length=255, help_text="The client's file name, sanitised; display only.")
    content_type = models.CharField(max_length=100, help_text="Sniffed from the content, not the client's claim.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    customer_visible = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at", "id"], name="caseattachment_case_time")]

    def __str__(self) -> str:
        return self.original_name
