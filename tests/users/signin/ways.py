"""Every way a password is checked, driven the same way: `attempt(client, password)` tries the
way in as a client at an address, and `succeeded(response)` tells a sign-in (or change) that went
through. The login-guessing tests run over all of them."""
from dataclasses import dataclass
from typing import Callable

from django.test import Client
from rest_framework.test import APIClient

from users.models import User

NEW_PASSWORD = "Fresh-Passw0rd-42"


@dataclass(frozen=True)
class Way:
    name: str
    persona: str  # whose password is guessed (tests/conftest.py world)
    attempt: Callable  # (client, user, password) -> response
    succeeded: Callable  # (response) -> bool
    signed_in: bool = False  # the client is already signed in (a password change form)
    api: bool = False

    def client(self, address: str, user: User):
        client = (APIClient if self.api else Client)(REMOTE_ADDR=address)
        if self.signed_in:
            client.force_login(user)
        return client


def _login_form(url):
    def attempt(client, user, password):
        return client.post(url, {"username": user.username, "password": password})

    return attempt


def _change_form(url):
    def attempt(client, user, password):
        return client.post(url, {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    return attempt


def _token(client, user, password):
    return client.post("/api/v1/auth/token/", {"username": user.username, "password": password}, format="json")


def _redirected(response):
    return response.status_code == 302


WAYS = [
    Way("staff sign-in", "agent", _login_form("/login/"), _redirected),
    Way("portal sign-in", "customer", _login_form("/portal/login/"), _redirected),
    Way("admin sign-in", "admin", _login_form("/admin/login/"), _redirected),
    Way("API token", "agent", _token, lambda r: r.status_code == 200 and "token" in r.json(), api=True),
    Way("portal password change", "customer", _change_form("/portal/password/change/"), _redirected, signed_in=True),
    Way("admin password change", "admin", _change_form("/admin/password_change/"), _redirected, signed_in=True),
]
