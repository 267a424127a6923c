"""`Authorization: Token <key>` against users.ApiToken: several named tokens per person, each
expiring, all revoked when the password changes. A refused token says why, in the API's error
shape (401): unknown, expired (with when), or revoked by a password change."""
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from users import selectors, services
from users.models import password_fingerprint

SIGN_IN_AGAIN = "Sign in again at POST /api/v1/auth/token/ for a new token."


class ApiTokenAuthentication(TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = selectors.api_token_get_by_key(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed(f"Invalid token: it does not exist or was revoked. {SIGN_IN_AGAIN}")
        if token.expires_at <= timezone.now():
            when = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M %Z")
            raise exceptions.AuthenticationFailed(f"This token expired on {when}. {SIGN_IN_AGAIN}", code="token_expired")
        if token.password_digest != password_fingerprint(token.user.password):
            raise exceptions.AuthenticationFailed(
                f"This token was revoked: the password was changed after it was issued. {SIGN_IN_AGAIN}",
                code="token_revoked",
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This login is deactivated.", code="user_inactive")
        services.api_token_touch(token=token)
        return token.user, token
