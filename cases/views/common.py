"""What the record pages share: telling an htmx request from a plain one, turning a service's
refusal into the status and message an agent sees, and answering a write (redirect, or
HX-Redirect for htmx)."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from core.exceptions import Conflict, FileTooLarge, UnsupportedFileType

# Statuses htmx swaps like a 200 on the record pages (see the htmx-config meta in their <head>):
# a form with errors (422), a refusal the agent must read (403, 409, 413, 415).
INVALID = 422


def is_htmx(request) -> bool:
    return bool(getattr(request, "htmx", False))


def refusal(exc: Exception) -> tuple[int, str]:
    """(status, message) for a service's refusal; the service's own words, which name the
    current state and the actions allowed now (409) or the limit (413/415)."""
    if isinstance(exc, Conflict):  # includes InvalidTransition
        return 409, exc.detail
    if isinstance(exc, FileTooLarge | UnsupportedFileType):
        return (413 if isinstance(exc, FileTooLarge) else 415), exc.detail
    if isinstance(exc, PermissionDenied):
        return 403, str(exc) or "You may not do this."
    raise exc


REFUSALS = (Conflict, FileTooLarge, UnsupportedFileType, PermissionDenied)


def done(request, url: str, message: str | None = None, *, level=messages.SUCCESS) -> HttpResponse:
    """After a write: the record page again (a full reload for htmx, so every part is fresh)."""
    if message:
        messages.add_message(request, level, message)
    if is_htmx(request):
        return HttpResponse(status=200, headers={"HX-Redirect": url})
    return redirect(url)


def refused(request, url: str, exc: Exception) -> HttpResponse:
    """A one-click command the service refused: back to the record with its message."""
    return refused_message(request, url, refusal(exc)[1])


def refused_message(request, url: str, text: str) -> HttpResponse:
    messages.error(request, text)
    if is_htmx(request):
        return HttpResponse(status=200, headers={"HX-Redirect": url})
    return redirect(url)


def fragment_context(request) -> dict:
    """`fragment`: answer a part of the page for htmx to swap; else a whole page of its own."""
    fragment = is_htmx(request)
    return {"fragment": fragment, "base_template": "cases/record/_bare.html" if fragment else "workspace/base.html"}


def form_page(request, context: dict, *, status: int = 200) -> HttpResponse:
    """A small form: a panel swapped in by htmx, or a page of its own without JavaScript."""
    context = {**context, **fragment_context(request)}
    return render(request, "cases/record/form.html", context, status=status)
