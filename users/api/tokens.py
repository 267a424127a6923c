"""/api/v1/auth/: sign in for a token, list one's tokens, revoke one.

POST /auth/token/ keeps the contract of API.md ({"username", "password"} -> {"token"}), with an
optional "name" and more in the answer (id, name, expires_at). Every sign-in makes a new token.
The endpoint is limited twice: DRF's throttle (scope "auth", API_AUTH_RATE per client address)
and the sign-in lock-out every password check shares (users/lockout.py)."""
from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from core.api.serializers import StrictModelSerializer, StrictSerializer
from core.api.views import ScopedReadOnlyViewSet
from users import selectors, services
from users.lockout import lockout_for
from users.models import ApiToken


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class TokenObtainInputSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text="A name to recognise the token by in lists (e.g. the script or machine using it).",
    )


class TokenObtainOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`. Shown only now.")
    id = serializers.IntegerField()
    name = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(StrictModelSerializer):
    expired = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField(help_text="True for the token this request was made with.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "expired", "current"]
        read_only_fields = fields

    def get_expired(self, token) -> bool:
        return token.expires_at <= timezone.now()

    def get_current(self, token) -> bool:
        request = self.context.get("request")
        return isinstance(getattr(request, "auth", None), ApiToken) and request.auth.pk == token.pk


class TokenObtainView(APIView):
    """POST {"username", "password", "name"?} -> {"token", "id", "name", "expires_at"}. A temporary
    password (mailed on registration) opens nothing but the page that replaces it: no token."""

    authentication_classes = []  # a stale token in the header must not stop getting a new one
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(
        request=TokenObtainInputSerializer,
        responses={
            200: TokenObtainOutputSerializer,
            429: OpenApiResponse(description="Too many attempts: throttled, or sign-in paused after failed passwords."),
        },
    )
    def post(self, request, *args, **kwargs):
        data = TokenObtainInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username, password = data.validated_data["username"], data.validated_data["password"]
        # The Django request, so the lock-out's marks land where its middleware reads them.
        user = authenticate(request._request, username=username, password=password)
        if user is None:
            lockout = lockout_for(request._request, username)
            if lockout is not None:
                raise LockedOut(lockout.message)
            raise exceptions.ValidationError(
                {"non_field_errors": ["Unable to log in with provided credentials."]}, code="authorization"
            )
        if user.password_change_required:
            return Response(
                {"detail": "Choose a new password first (/portal/password/change/).", "code": "password_change_required"},
                status=status.HTTP_403_FORBIDDEN,
            )
        token, key = services.api_token_create(user=user, name=data.validated_data.get("name", ""))
        return Response({"token": key, "id": token.pk, "name": token.name, "expires_at": token.expires_at})


class ApiTokenViewSet(mixins.DestroyModelMixin, ScopedReadOnlyViewSet):
    """The caller's own API tokens (admins too: everyone's are in the admin console). DELETE
    revokes one at once; revoking the token the request is made with signs this client out."""

    selector = selectors.api_token_list_for_user
    serializer_class = ApiTokenSerializer
    filterset_fields = []
    search_fields = ["name"]
    ordering_fields = ["created_at", "expires_at", "last_used_at"]
    ordering = ["-created_at"]

    def perform_destroy(self, instance):
        services.api_token_revoke(actor=self.request.user, token=instance)
