"""Case attachments: the type sniffed from the content, limits from settings, a generated stored
name, and the timeline entry. Refusals: 409 (closed or cancelled case), 403 (not the caller's to
add), 413 (too large, names the limit), 415 (type refused, names the detected and accepted types).
Nothing reaches storage before every check has passed, and a failed database write removes the
stored file again."""
import hashlib
import json
import mimetypes
import os
import unicodedata
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases import events, hooks, permissions
from cases.choices import Actor, EventKind, StateCategory
from cases.models import Case, CaseAttachment
from cases.services import limits
from cases.services.cases import case_lock_for_change
from core.exceptions import FileTooLarge, UnsupportedFileType

__all__ = [
    "attachment_add", "attachment_clean_name", "attachment_download_name", "attachment_sniff_type",
    "attachment_sweep_orphans",
]

NAME_MAX = 255
OCTET_STREAM = "application/octet-stream"
_OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# Markup a browser would render (WHATWG MIME sniffing's HTML signatures, plus XML and SVG).
_HTML_TAGS = (
    "<!doctype html", "<html", "<head", "<script", "<iframe", "<h1", "<div", "<font", "<table", "<a", "<style",
    "<title", "<b", "<body", "<br", "<p",
)
_TAG_END = (" ", ">", "\t", "\n", "\r", "\f", "/")


# --- sniffing ------------------------------------------------------------------------------------
def attachment_sniff_type(f, *, name: str = "") -> str:
    """The MIME type of a file from its bytes (magic numbers, zip directory, UTF-8 text). The
    client's `name` only tells CSV from plain text once the content is known to be text.
    Unknown binary content is application/octet-stream."""
    f.seek(0)
    head = f.read(8192)
    f.seek(0)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(f)
    text = _utf8_text(f)
    if text is None:
        return OCTET_STREAM
    return _sniff_text(text, name)


def _sniff_zip(f) -> str:
    """Office Open XML documents are zips with [Content_Types].xml and a word/, xl/ or ppt/ part.
    Only the central directory is read: nothing is decompressed."""
    try:
        with zipfile.ZipFile(f) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return OCTET_STREAM
    finally:
        f.seek(0)
    if "[Content_Types].xml" in names:
        for prefix, content_type in _OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return content_type
    return "application/zip"


def _utf8_text(f) -> str | None:
    data = f.read()
    f.seek(0)
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _sniff_text(text: str, name: str) -> str:
    start = text.lstrip()
    low = start[:1024].lower()
    if low.startswith("<?xml"):
        return "image/svg+xml" if "<svg" in low else "text/xml"
    if low.startswith("<svg"):
        return "image/svg+xml"
    if low.startswith("<!--") or any(low.startswith(t) and low[len(t):len(t) + 1] in _TAG_END for t in _HTML_TAGS):
        return "text/html"
    if start[:1] in ("{", "["):
        try:
            json.loads(text)
        except ValueError:
            pass
        else:
            return "application/json"
    if os.path.splitext(name or "")[1].lower() == ".csv":
        return "text/csv"
    return "text/plain"


# --- names ---------------------------------------------------------------------------------------
def attachment_clean_name(name: str) -> str:
    """The client's name made safe to show and to put in a header: the last path part only,
    without control or invisible formatting characters (bidi overrides), at most 255 characters
    with the extension kept. Never used to store the file."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith(("C", "Z")) or ch == " ")
    name = name.strip(" .")
    if not name:
        return "attachment"
    if len(name) > NAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: NAME_MAX - len(ext)] + ext
    return name


# The extensions of every type the sniffer answers; the first is the one a download gets.
_EXTENSIONS = {
    "application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"), "image/gif": (".gif",),
    "image/webp": (".webp",), _OOXML["word/"]: (".docx",), _OOXML["xl/"]: (".xlsx",), _OOXML["ppt/"]: (".pptx",),
    "application/zip": (".zip",), "text/plain": (".txt", ".text", ".log"), "text/csv": (".csv",),
    "application/json": (".json",), "text/xml": (".xml",), "image/svg+xml": (".svg",), "text/html": (".html", ".htm"),
    OCTET_STREAM: (".bin",),
}


def attachment_download_name(name: str, content_type: str) -> str:
    """The name a download is saved under: the client's name with the extension of the type the
    content was sniffed as, never the client's own (`evil.html` that is plain text downloads as
    `evil.txt`, so the browser's and the desktop's idea of the file follow its content)."""
    name = attachment_clean_name(name)
    stem, ext = os.path.splitext(name)
    allowed = _EXTENSIONS.get(content_type) or (mimetypes.guess_extension(content_type or "") or ".bin",)
    if ext.lower() in allowed:
        return name
    return f"{stem or 'attachment'}{allowed[0]}"


def _sha256(f) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    f.seek(0)
    for chunk in iter(lambda: f.read(64 * 1024), b""):
        digest.update(chunk)
        size += len(chunk)
    f.seek(0)
    return digest.hexdigest(), size


# --- the service ---------------------------------------------------------------------------------
@transaction.atomic
def attachment_add(*, actor, case: Case, uploaded_file, customer_visible: bool = True, sender=None) -> CaseAttachment:
    """Attach a file to a case. The customer side adds customer-visible files only; agents may
    add internal-only ones. The timeline entry is visible exactly when the file is. `sender`:
    a contact or consumer attaching by mail (trusted callers, `actor=None`; see sender_kind)."""
    from cases.services.journal import sender_kind, sender_user

    case = case_lock_for_change(case, action="attach")
    kind = sender_kind(actor, case, sender)
    if sender is not None:
        actor = sender_user(sender)
    if kind is None:
        raise PermissionDenied("You cannot add attachments to this case.")
    if kind == Actor.CUSTOMER and not customer_visible:
        raise PermissionDenied("Only agents add internal attachments.")
    if kind == Actor.CUSTOMER:
        limits.limit_check_attachment(actor, case)
        limits.limit_check_customer_attachments(case)
    if uploaded_file is None:
        raise ValidationError({"file": "Choose a file to attach."})

    limit = settings.ATTACHMENT_MAX_BYTES
    if (uploaded_file.size or 0) > limit:
        raise FileTooLarge(limit=limit, size=uploaded_file.size)
    sha256, size = _sha256(uploaded_file)  # the bytes really received, not a claimed size
    if size > limit:
        raise FileTooLarge(limit=limit, size=size)
    if size == 0:
        raise ValidationError({"file": "The file is empty."})
    content_type = attachment_sniff_type(uploaded_file, name=uploaded_file.name or "")
    allowed = settings.ATTACHMENT_ALLOWED_TYPES
    if content_type not in allowed:
        raise UnsupportedFileType(detected=content_type, allowed=allowed)

    attachment = CaseAttachment(
        case=case,
        original_name=attachment_clean_name(uploaded_file.name),
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        customer_visible=customer_visible,
    )
    attachment.file.save("ignored", uploaded_file, save=False)  # name from attachment_upload_to
    try:
        with transaction.atomic():
            attachment.save()
            events.case_event_record(
                case=case, kind=EventKind.ATTACHMENT, actor=actor, body=attachment.original_name,
                new=str(attachment.pk), customer_visible=customer_visible,
            )
            case.version += 1
            case.save()
            hooks.case_changed(case)
            if kind == Actor.CUSTOMER and case.state_category == StateCategory.AWAITING:
                from cases.services.journal import customer_reply_reopens

                # the info asked for has arrived, as a file (by mail: the system takes the step)
                customer_reply_reopens(case, None if sender is not None else actor)
    except BaseException:
        attachment.file.storage.delete(attachment.file.name)
        raise
    return attachment


def attachment_sweep_orphans(*, older_than: timedelta = timedelta(hours=6), storage=None) -> list[str]:
    """Delete stored files that no attachment row names. `attachment_add` removes its file when
    its own transaction fails, but an outer transaction that rolls back after it returned leaves
    the file behind (Django has no on-rollback hook); this daily sweep collects those. Files newer
    than `older_than` are left alone: their transaction may still be open."""
    storage = storage or CaseAttachment._meta.get_field("file").storage
    cutoff = timezone.now() - older_than
    removed = []
    try:
        case_dirs, _ = storage.listdir("cases")
    except FileNotFoundError:
        return removed
    for case_dir in case_dirs:
        _, names = storage.listdir(f"cases/{case_dir}")
        paths = [f"cases/{case_dir}/{name}" for name in names]
        known = set(CaseAttachment.objects.filter(file__in=paths).values_list("file", flat=True))
        for path in paths:
            if path not in known and storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed.append(path)
    return removed
