import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from tests.factories.users import UserFactory
from users.models import ApiToken, LoginFailure, LoginFailureCount, LoginRecord, api_token_digest, password_fingerprint

__all__ = ["ApiTokenFactory", "LoginFailureCountFactory", "LoginFailureFactory", "LoginRecordFactory"]


class ApiTokenFactory(DjangoModelFactory):
    """A row as users.services.api_token_create makes it; `key` (not stored) is the token's key."""

    class Meta:
        model = ApiToken
        exclude = ["key"]

    user = factory.SubFactory(UserFactory)
    key = factory.Sequence(lambda n: f"{n:040x}")
    name = factory.Sequence(lambda n: f"script {n}")
    prefix = factory.LazyAttribute(lambda t: t.key[:8])
    digest = factory.LazyAttribute(lambda t: api_token_digest(t.key))
    password_digest = factory.LazyAttribute(lambda t: password_fingerprint(t.user.password))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=30))


class _AccessFactory(DjangoModelFactory):
    username = factory.Sequence(lambda n: f"guessed{n}")
    ip_address = factory.Sequence(lambda n: f"203.0.113.{n % 250 + 1}")
    user_agent = "curl/8"
    http_accept = "*/*"
    path_info = "/login/"


class LoginFailureCountFactory(_AccessFactory):
    class Meta:
        model = LoginFailureCount

    get_data = ""
    post_data = ""
    failures_since_start = 1


class LoginFailureFactory(_AccessFactory):
    class Meta:
        model = LoginFailure


class LoginRecordFactory(_AccessFactory):
    class Meta:
        model = LoginRecord
