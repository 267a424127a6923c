"""The agent workspace's door, shared by every app's pages; and the answer to a sign-in refused
by the lock-out (`lockout_response`, users/lockout.py).

Signed-in staff of the support organisation only. Anonymous visitors are sent to sign in;
a customer (or any other signed-in person without an internal role) gets 404, because the
workspace is outside their scope, exactly as a case of another account is.
"""
from functools import wraps

from django.conf import settings
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from users.lockout import Lockout, attempted_username, lockout_for
from users.permissions import is_internal


def _refuse(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404("The agent workspace is for support staff.")


class WorkspaceMixin(AccessMixin):
    """For class-based workspace views: put it first in the bases."""

    def dispatch(self, request, *args, **kwargs):
        if not is_internal(request.user):
            return _refuse(request)
        return super().dispatch(request, *args, **kwargs)


def workspace_view(view):
    """For function-based workspace views and htmx fragments."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not is_internal(request.user):
            return _refuse(request)
        return view(request, *args, **kwargs)

    return guarded


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: what a paused sign-in answers, 429 with Retry-After. The API gets
    its error shape ({"detail", "code": "locked_out"}); a page says it in words, with the time the
    pause ends, on the portal's or the workspace's own layout."""
    lockout = lockout_for(request, attempted_username(request, credentials)) or Lockout(
        until=timezone.now() + settings.AXES_COOLOFF_TIME
    )
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": lockout.message, "code": "locked_out", "retry_after": lockout.seconds_left}, status=429
        )
    else:
        template = "portal/account/locked_out.html" if request.path.startswith("/portal/") else "registration/locked_out.html"
        response = render(request, template, {"lockout": lockout}, status=429)
    response["Retry-After"] = str(lockout.seconds_left)
    return response
