"""Every write to the portal's branding. One branding is active at most: activating one
deactivates the others in the same transaction. The logo is stored through Django's storage
under a random name, after its type is sniffed from the content (PNG, JPEG, GIF, WebP; never
SVG, which can carry script)."""
import os
import uuid
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from core.services import model_apply
from customers.models import PortalBranding
from customers.selectors_portal import BRANDING_CACHE_KEY
from users.models import User

_FIELDS = ("name", "primary_color", "accent_color", "welcome_text", "active")
LOGO_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def logo_sniff(head: bytes) -> str | None:
    """The image type from the first bytes of a file, or None if it is not one we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def logo_validate(upload) -> str:
    """Refuse a logo that is too large or not an accepted image; return its sniffed type."""
    limit = settings.PORTAL_LOGO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError({"logo": f"The logo is larger than {limit // 1024} KiB (PORTAL_LOGO_MAX_BYTES)."})
    upload.seek(0)
    content_type = logo_sniff(upload.read(16))
    upload.seek(0)
    if content_type is None:
        raise ValidationError({"logo": "The logo must be a PNG, JPEG, GIF or WebP image (SVG is not accepted)."})
    return content_type


def _require_can_manage_branding(actor: User | None, codename: str) -> None:
    if actor is not None and not actor.has_perm(f"customers.{codename}"):
        raise PermissionDenied("Only admins change the portal's branding.")


def _logo_apply(branding: PortalBranding, logo) -> None:
    """`logo`: a new upload (checked and stored), False (remove it) or anything else (keep)."""
    if isinstance(logo, UploadedFile):
        content_type = logo_validate(logo)
        old = branding.logo.name if branding.logo else ""
        branding.logo.save(f"{uuid.uuid4().hex}{LOGO_TYPES[content_type]}", logo, save=False)
        branding.logo_content_type = content_type
        if old:
            transaction.on_commit(partial(_storage_delete, branding.logo.storage, old))
    elif logo is False and branding.logo:
        transaction.on_commit(partial(_storage_delete, branding.logo.storage, branding.logo.name))
        branding.logo, branding.logo_content_type = "", ""


def _storage_delete(storage, name: str) -> None:
    if name and os.path.basename(name):
        storage.delete(name)


def _activate_alone(branding: PortalBranding) -> None:
    """Deactivate every other branding first, so the one-active constraint holds."""
    others = PortalBranding.objects.filter(active=True)
    if branding.pk is not None:
        others = others.exclude(pk=branding.pk)
    others.update(active=False)


def _forget_cached() -> None:
    transaction.on_commit(partial(cache.delete, BRANDING_CACHE_KEY))


@transaction.atomic
def branding_create(*, actor: User | None, name: str, logo=None, **fields) -> PortalBranding:
    _require_can_manage_branding(actor, "add_portalbranding")
    branding = PortalBranding()
    data = {"name": name, **{k: v for k, v in fields.items() if k in _FIELDS}}
    if data.get("active"):
        _activate_alone(branding)
    model_apply(branding, data, exclude_clean=("logo",))
    _logo_apply(branding, logo)
    branding.save()
    _forget_cached()
    return branding


@transaction.atomic
def branding_update(*, actor: User | None, instance: PortalBranding, logo=None, **fields) -> PortalBranding:
    _require_can_manage_branding(actor, "change_portalbranding")
    branding = PortalBranding.objects.select_for_update().get(pk=instance.pk)
    if fields.get("active"):
        _activate_alone(branding)
    model_apply(branding, {k: v for k, v in fields.items() if k in _FIELDS}, exclude_clean=("logo",))
    _logo_apply(branding, logo)
    branding.save()
    _forget_cached()
    return branding
