"""Reads behind the customer portal's account pages: the active branding, registration requests
and the contacts a customer admin manages. Scoped to the reader like every selector: a request or
a contact outside the accounts someone administers is simply not in the queryset (404)."""
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet

from customers import permissions
from customers.choices import RegistrationState
from customers.models import Account, AccountUserObjectPermission, Contact, PortalBranding, RegistrationRequest
from users.models import User

BRANDING_CACHE_KEY = "customers:portal-branding:v1"
BRANDING_CACHE_SECONDS = 300
DEFAULT_NAME = "Customer support"
DEFAULT_PRIMARY = "#1f5fbf"
DEFAULT_ACCENT = "#e8a33d"
DARK_INK, LIGHT_INK = "#111827", "#ffffff"


@dataclass(frozen=True)
class Brand:
    """What every portal page needs to look like the brand: plain values, cacheable."""

    name: str = DEFAULT_NAME
    primary: str = DEFAULT_PRIMARY
    primary_ink: str = LIGHT_INK
    accent: str = DEFAULT_ACCENT
    accent_ink: str = DARK_INK
    welcome_text: str = ""
    has_logo: bool = False
    version: str = "0"  # changes whenever the branding does: the logo URL's cache buster


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    r, g, b = channels
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def ink_for(background: str) -> str:
    """The text colour (white or near-black) that reads best on `background`."""
    return LIGHT_INK if contrast_ratio(background, LIGHT_INK) >= contrast_ratio(background, DARK_INK) else DARK_INK


def branding_active_record() -> PortalBranding | None:
    return PortalBranding.objects.filter(active=True).first()


def _brand_from(record: PortalBranding | None) -> Brand:
    if record is None:
        return Brand(primary_ink=ink_for(DEFAULT_PRIMARY), accent_ink=ink_for(DEFAULT_ACCENT))
    return Brand(
        name=record.name,
        primary=record.primary_color.lower(),
        primary_ink=ink_for(record.primary_color),
        accent=record.accent_color.lower(),
        accent_ink=ink_for(record.accent_color),
        welcome_text=record.welcome_text,
        has_logo=bool(record.logo),
        version=f"{record.pk}-{int(record.updated_at.timestamp())}",
    )


def branding_active() -> Brand:
    """The active branding, or the defaults; read from the cache (the branding services clear it
    after commit), so a portal page costs no query for it."""
    brand = cache.get(BRANDING_CACHE_KEY)
    if brand is None:
        brand = _brand_from(branding_active_record())
        cache.set(BRANDING_CACHE_KEY, brand, BRANDING_CACHE_SECONDS)
    return brand


# --- registration requests and account users -------------------------------------------------
def registration_request_list_for_user(*, user) -> QuerySet[RegistrationRequest]:
    """Internal roles with the model permission see all; a customer admin, the requests for the
    accounts they administer (and the accounts below them); everyone else none."""
    qs = RegistrationRequest.objects.select_related("account", "decided_by")
    if not user or not user.is_authenticated:
        return qs.none()
    if user.has_perm("customers.view_registrationrequest"):
        return qs
    return qs.filter(permissions.administered_account_q(user, field="account"))


def registration_request_pending_for_user(*, user) -> QuerySet[RegistrationRequest]:
    return registration_request_list_for_user(user=user).filter(state=RegistrationState.PENDING).order_by("created_at")


def administered_account_list(*, user) -> QuerySet[Account]:
    """The accounts whose users `user` manages as a customer admin (with the accounts below)."""
    if not user or not user.is_authenticated:
        return Account.objects.none()
    return Account.objects.filter(permissions.administered_account_q(user), active=True).order_by("path")


def contact_list_for_account_admin(*, user) -> QuerySet[Contact]:
    """The contacts a customer admin manages: those of the accounts they administer. Unlike
    contact_list_for_user, internal roles get nothing here: this is the portal's page."""
    if not user or not user.is_authenticated:
        return Contact.objects.none()
    return (
        Contact.objects.filter(permissions.administered_account_q(user, field="account"))
        .select_related("account", "user")
        .prefetch_related("user__groups")
        .order_by("account__name", "last_name", "first_name")
    )


def account_admin_user_ids(*, users) -> set[int]:
    """Of `users`, those holding a customer-admin grant (one query for a whole page)."""
    ids = [u.pk for u in users if u is not None]
    return set(
        AccountUserObjectPermission.objects.filter(
            user_id__in=ids, permission__codename=permissions.ADMINISTER
        ).values_list("user_id", flat=True)
    )


def account_admin_users(*, account: Account) -> QuerySet[User]:
    """Who approves registrations for `account`: active users with a customer-admin grant on it or
    on an account above it, who still hold an admin role (reference 6: all customer admins)."""
    return User.objects.filter(
        pk__in=AccountUserObjectPermission.objects.filter(
            permission__codename=permissions.ADMINISTER, content_object_id__in=[*account.ancestor_ids(), account.pk]
        ).values("user_id"),
        is_active=True,
        groups__name__in=permissions.ADMIN_ROLES,
    ).distinct()
