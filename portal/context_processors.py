"""What every page may use to look like the portal's brand and build its navigation. Both values
are lazy: a page that never names them (the workspace, the admin) pays nothing."""
from django.utils.functional import SimpleLazyObject

from cases.permissions import administers_active_account
from customers.selectors_portal import branding_active
from portal.access import is_portal_user


def _nav(request) -> dict:
    user = getattr(request, "user", None)
    portal_user = is_portal_user(user)
    return {
        "signed_in": portal_user,
        "account_admin": portal_user and administers_active_account(user),
    }


def portal(request) -> dict:
    return {
        "brand": SimpleLazyObject(branding_active),
        "portal_nav": SimpleLazyObject(lambda: _nav(request)),
    }
