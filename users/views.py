"""The agent workspace's door, shared by every app's pages.

Signed-in staff of the support organisation only. Anonymous visitors are sent to sign in;
a customer (or any other signed-in person without an internal role) gets 404, because the
workspace is outside their scope, exactly as a case of another account is.
"""
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.http import Http404

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
