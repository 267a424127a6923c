"""A small fixed-window counter in Django's cache (Redis when REDIS_URL is set, so shared by every
web process), for the anonymous forms that cost us a mail or tempt guessing: registration (codes)
and password reset (mail bombing). Password sign-ins have their own lock-out (users/lockout.py)."""
from django.conf import settings
from django.core.cache import cache

from core.clients import client_address


def rate_exceeded(request, *, scope: str, limit: int) -> bool:
    """Count one attempt for the client; True once it is past `limit` in the current window."""
    if limit <= 0:
        return False
    window = settings.PORTAL_RATE_WINDOW_SECONDS
    key = f"portal:rate:{scope}:{client_address(request)}"
    if cache.add(key, 1, timeout=window):
        return 1 > limit
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
