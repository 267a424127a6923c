"""The token endpoint's DRF throttle (scope "auth"), and the lock-outs as admins see and lift them."""
import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from tests.users.signin.ways import WAYS
from users import lockout
from users.models import LoginFailureCount

pytestmark = pytest.mark.django_db

A = "192.0.2.77"
STAFF = WAYS[0]


@pytest.fixture
def auth_rate_3_per_minute(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "3/min"})
    cache.clear()
    yield
    cache.clear()


def test_the_token_endpoint_is_throttled_per_address(world, auth_rate_3_per_minute):
    body = {"username": "agent_alice", "password": "pass"}
    for _ in range(3):
        assert APIClient(REMOTE_ADDR=A).post("/api/v1/auth/token/", body, format="json").status_code == 200
    throttled = APIClient(REMOTE_ADDR=A).post("/api/v1/auth/token/", body, format="json")
    assert throttled.status_code == 429 and throttled.json()["code"] == "throttled"
    assert APIClient(REMOTE_ADDR="192.0.2.78").post("/api/v1/auth/token/", body, format="json").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_throttle(world, auth_rate_3_per_minute):
    body = {"username": "agent_alice", "password": "pass"}
    codes = [
        APIClient(REMOTE_ADDR=A, HTTP_X_FORWARDED_FOR=f"10.1.1.{n}").post("/api/v1/auth/token/", body, format="json").status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def _lock_agent(world):
    user = world.users["agent"]
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        Client(REMOTE_ADDR=A).post("/login/", {"username": user.username, "password": "nope"})
    return user


def test_admins_see_who_is_locked_out_and_until_when(world, client_as):
    _lock_agent(world)
    page = client_as("admin").get("/admin/users/loginfailurecount/?locked=yes").content.decode()
    assert "agent_alice" in page and A in page and "Locked (username from this address) until" in page
    assert "agent_alice" not in client_as("admin").get("/admin/users/loginfailurecount/?locked=no").content.decode()


def test_an_admin_unlocks_a_username_at_its_address(world, client_as):
    user = _lock_agent(world)
    assert Client(REMOTE_ADDR=A).post("/login/", {"username": user.username, "password": "pass"}).status_code == 429
    row = LoginFailureCount.objects.get(username=user.username)
    response = client_as("admin").post(
        "/admin/users/loginfailurecount/", {"action": "unlock_pairs", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302 and not AccessAttempt.objects.exists()
    assert Client(REMOTE_ADDR=A).post("/login/", {"username": user.username, "password": "pass"}).status_code == 302


def test_only_admins_unlock(world):
    _lock_agent(world)
    with pytest.raises(PermissionDenied):
        lockout.lockout_clear(actor=world.users["manager"], attempts=list(AccessAttempt.objects.all()))
    assert AccessAttempt.objects.exists()


def test_the_failure_log_keeps_the_newest_failures_of_a_username(world, settings):
    settings.AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT = 3
    for n in range(6):
        Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post("/login/", {"username": "agent_alice", "password": "nope"})
    kept = AccessFailureLog.objects.filter(username="agent_alice").order_by("attempt_time", "pk")
    assert [row.ip_address for row in kept] == ["192.0.2.4", "192.0.2.5", "192.0.2.6"]
