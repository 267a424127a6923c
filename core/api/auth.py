from rest_framework.authtoken.views import ObtainAuthToken


class TokenObtainView(ObtainAuthToken):
    """POST {"username", "password"} -> {"token"}. Rate-limited (scope `auth`)."""

    throttle_scope = "auth"
