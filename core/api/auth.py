from rest_framework import status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response


class TokenObtainView(ObtainAuthToken):
    """POST {"username", "password"} -> {"token"}. Rate-limited (scope `auth`). A temporary
    password (mailed on registration) opens nothing but the page that replaces it: no token."""

    throttle_scope = "auth"

    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if getattr(serializer.validated_data["user"], "password_change_required", False):
            return Response(
                {"detail": "Choose a new password first (/portal/password/change/).", "code": "password_change_required"},
                status=status.HTTP_403_FORBIDDEN,
            )
        return super().post(request, *args, **kwargs)
