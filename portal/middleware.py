"""A temporary password (a registration approved, a login created by a customer admin) is only
good for choosing a new one: until then every page leads to the portal's password change."""
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from users.permissions import is_internal

# Pages that must stay reachable while a change is due: the change itself, signing out, the
# files the page needs.
EXEMPT_PREFIXES = ("/portal/password/change/", "/portal/logout/", "/logout/", "/static/", "/portal/branding/")


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "password_change_required", False)
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not is_internal(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": "Choose a new password first (/portal/password/change/).", "code": "password_change_required"},
                    status=403,
                )
            return redirect(reverse("portal:password-change"))
        return self.get_response(request)
