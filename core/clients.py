"""Who is asking: the client's network address, one rule for every limit that counts per address
(the sign-in lock-out, the API throttles through DRF's NUM_PROXIES, the portal's rate limits).

REMOTE_ADDR, unless TRUSTED_PROXY_COUNT says how many reverse proxies stand in front of the
application: each of them appends the address it saw to X-Forwarded-For, so the client is the
address that many places from the right. Anything further left was written by the client and is
never believed."""
import ipaddress

from django.conf import settings


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-min(proxies, len(hops))]
            if _valid(candidate):
                return candidate
    return remote if _valid(remote) else "0.0.0.0"


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
