"""The portal's door, shared by every portal page.

The portal is for the support organisation's customers: contacts with a login (customers,
customer admins, partners) and consumers. Anonymous visitors are sent to the portal's sign-in
page; a signed-in person who is not a customer (support staff) gets 404, because the portal is
outside their scope, exactly as the workspace is outside a customer's.
"""
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse

from users.permissions import is_internal


def is_portal_user(user) -> bool:
    """A signed-in, active person who is not support staff."""
    return bool(user and user.is_authenticated and user.is_active and not is_internal(user))


def _refuse(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("portal:login"))
    raise Http404("The customer portal is for customers.")


def portal_view(view):
    """For function-based portal views and htmx fragments."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not is_portal_user(request.user):
            return _refuse(request)
        return view(request, *args, **kwargs)

    return guarded


class PortalMixin:
    """For class-based portal views: put it first in the bases."""

    def dispatch(self, request, *args, **kwargs):
        if not is_portal_user(request.user):
            return _refuse(request)
        return super().dispatch(request, *args, **kwargs)
