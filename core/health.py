"""Health checks the apps add to `/healthz/` (core sits below every app, so it cannot ask them:
each app registers its check in its AppConfig.ready()).

A check is a function of no arguments that returns a small dict of counts and words, never
names, addresses or error texts: `/healthz/` is open to everyone. Its "status" is "ok" or says
what is wrong; the answer stays 200 (the web process is alive), so a load balancer keeps it, and a
monitor reads the body."""
from collections.abc import Callable

__all__ = ["register_health_check", "health_checks"]

_CHECKS: dict[str, Callable[[], dict]] = {}


def register_health_check(name: str, check: Callable[[], dict]) -> None:
    _CHECKS[name] = check


def health_checks() -> dict[str, dict]:
    """Each registered check's answer; a check that fails says so instead of failing the page."""
    out = {}
    for name, check in sorted(_CHECKS.items()):
        try:
            out[name] = check()
        except Exception as exc:  # noqa: BLE001  (one broken check must not hide the others)
            out[name] = {"status": f"check failed ({type(exc).__name__})"}
    return out
