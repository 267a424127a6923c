"""Password guessing: every password check counts its failures, and too many pause it.

django-axes does the counting (its database handler: rows shared by every web process and
machine, visible to admins) through `users.backends.LockoutBackend`, which stands first in
AUTHENTICATION_BACKENDS, so whatever calls `authenticate()` with a request is covered: the staff
sign-in (/login/), the portal's (/portal/login/), the admin's (/admin/login/), the API's token
endpoint, and the password change forms that ask for the current password (`password_recheck`).

Two counts, both over the last LOGIN_LOCKOUT_MINUTES (docs/architecture.md, "Password guessing"):
- one username from one client address: LOGIN_FAILURE_LIMIT failures pause that pair;
- one client address, whatever the usernames (spraying): LOGIN_ADDRESS_FAILURE_LIMIT.
A username alone is never locked, so nobody can lock another person out from their own address.
A pause ends LOGIN_LOCKOUT_MINUTES after the last counted failure; attempts during it are
refused without being counted, so it ends when announced. Admins see the counts and lift them in
the admin console (users/admin/signin.py calls `lockout_clear`)."""
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.clients import client_address
from users import permissions

USERNAME_MAX = 150  # User.username's length: anything longer is no account, and must not break a write


def attempted_username(request, credentials) -> str | None:
    """The username a failure is counted against (AXES_USERNAME_CALLABLE): as typed, without NUL
    characters (PostgreSQL refuses them in text) and cut to a username's length."""
    source = credentials if credentials else getattr(request, "data", None) or getattr(request, "POST", {})
    value = source.get(settings.AXES_USERNAME_FORM_FIELD) if hasattr(source, "get") else None
    if value is None:
        return None
    return str(value).replace("\x00", "")[:USERNAME_MAX]


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a second limit for the address alone. axes compares one number
    with one limit, so the address's count is scaled onto the pair's limit: it reaches
    LOGIN_FAILURE_LIMIT exactly when the address reaches LOGIN_ADDRESS_FAILURE_LIMIT."""

    def get_failures(self, request, credentials=None) -> int:
        pair, address = (
            qs.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for qs in self.get_user_attempts(request, credentials)
        )
        limit = get_failure_limit(request, credentials)
        return max(pair, address * limit // settings.LOGIN_ADDRESS_FAILURE_LIMIT)

    def remove_out_of_limit_failure_logs(self, *, username, limit=None) -> int:
        """Keep the newest AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT failures of a username (axes'
        own version keeps the oldest, so a flood would hide what follows it)."""
        rows = AccessFailureLog.objects.filter(username=username)
        limit = max(1, settings.AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT)
        oldest_kept = rows.order_by("-attempt_time", "-pk").values("attempt_time", "pk")[limit - 1:limit].first()
        if oldest_kept is None:
            return 0
        older = Q(attempt_time__lt=oldest_kept["attempt_time"]) | Q(attempt_time=oldest_kept["attempt_time"], pk__lt=oldest_kept["pk"])
        deleted, _ = rows.filter(older).delete()
        return deleted


@dataclass(frozen=True)
class Lockout:
    until: datetime
    whole_address: bool = False  # every username from the address, not only the one typed

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.until - timezone.now()).total_seconds()) + 1)

    @property
    def message(self) -> str:
        minutes = -(-self.seconds_left // 60)
        when = timezone.localtime(self.until).strftime("%H:%M %Z")
        who = "from your address" if self.whole_address else "for this username from your address"
        return (
            f"Too many failed sign-ins {who}. To protect the account, signing in from here is paused "
            f"until {when} (about {minutes} minute{'s' if minutes != 1 else ''}); no password has been "
            "changed. If you have forgotten yours, reset it instead of guessing."
        )


def lockout_for(request, username: str | None) -> Lockout | None:
    """The pause that applies to `username` from this request's address, or None."""
    credentials = {settings.AXES_USERNAME_FORM_FIELD: username}
    if not settings.AXES_ENABLED or AxesProxyHandler.is_allowed(request, credentials):
        return None
    address = client_address(request)
    recent = AccessAttempt.objects.filter(
        ip_address=address, attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    )
    pair = recent.filter(username=attempted_username(request, credentials)).aggregate(
        total=Sum("failures_since_start"), latest=Max("attempt_time")
    )
    if (pair["total"] or 0) >= get_failure_limit(request, credentials):
        return Lockout(until=pair["latest"] + settings.AXES_COOLOFF_TIME)
    latest = recent.aggregate(latest=Max("attempt_time"))["latest"] or timezone.now()
    return Lockout(until=latest + settings.AXES_COOLOFF_TIME, whole_address=True)


def password_recheck(*, request, user, password: str) -> bool:
    """Check the current password of a signed-in person (a password change form) as a sign-in
    would: refused while paused, and a wrong one counts as a failed sign-in. Raises
    PermissionDenied with the lock-out's message when paused."""
    username = user.get_username()
    checked = authenticate(request, username=username, password=password)
    if checked is not None and checked.pk == user.pk:
        return True
    lockout = lockout_for(request, username)
    if lockout is not None:
        raise PermissionDenied(lockout.message)
    return False


# --- for the admin console: the counts behind each attempt row, in the list's one query ---------
def attempts_with_counts(queryset: QuerySet) -> QuerySet:
    """Annotate each AccessAttempt row with the failures still counted for its username and
    address (`pair_failures`, `pair_latest`) and for its address (`address_failures`, `address_latest`)."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME).order_by()
    pair = recent.filter(username=OuterRef("username"), ip_address=OuterRef("ip_address"))
    address = recent.filter(ip_address=OuterRef("ip_address"))

    def total(rows):
        return Coalesce(Subquery(rows.values("ip_address").annotate(t=Sum("failures_since_start")).values("t")[:1]), Value(0))

    def latest(rows):
        return Subquery(rows.order_by("-attempt_time").values("attempt_time")[:1])

    return queryset.annotate(
        pair_failures=total(pair), pair_latest=latest(pair), address_failures=total(address), address_latest=latest(address)
    )


def locked_now_q() -> Q:
    """Rows of `attempts_with_counts` whose username and address, or address, are paused now."""
    return Q(pair_failures__gte=settings.LOGIN_FAILURE_LIMIT) | Q(address_failures__gte=settings.LOGIN_ADDRESS_FAILURE_LIMIT)


@dataclass(frozen=True)
class AttemptStatus:
    until: datetime | None  # the end of the pause, None when not paused
    whole_address: bool
    pair_failures: int
    expired: bool  # the row's failures are older than the cool-off: no longer counted


def attempt_status(attempt) -> AttemptStatus:
    cooloff = settings.AXES_COOLOFF_TIME
    expired = attempt.attempt_time < timezone.now() - cooloff
    if attempt.address_failures >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        return AttemptStatus(attempt.address_latest + cooloff, True, attempt.pair_failures, expired)
    if attempt.pair_failures >= settings.LOGIN_FAILURE_LIMIT:
        return AttemptStatus(attempt.pair_latest + cooloff, False, attempt.pair_failures, expired)
    return AttemptStatus(None, False, attempt.pair_failures, expired)


@transaction.atomic
def lockout_clear(*, actor, attempts) -> int:
    """Forget the counted failures of the given attempts' username and address pairs, so they
    can sign in again at once. Admins only (the admin console's unlock action)."""
    permissions.require_can_manage_users(actor)
    pairs = Q(pk__in=[])
    for username, address in {(a.username, a.ip_address) for a in attempts}:
        pairs |= Q(username=username, ip_address=address)
    deleted, _ = AccessAttempt.objects.filter(pairs).delete()
    return deleted


@transaction.atomic
def lockout_clear_addresses(*, actor, attempts) -> int:
    """Forget every counted failure from the given attempts' addresses (lifts a pause of the
    address as a whole). Admins only."""
    permissions.require_can_manage_users(actor)
    addresses = {a.ip_address for a in attempts}
    deleted, _ = AccessAttempt.objects.filter(ip_address__in=addresses).delete()
    return deleted
