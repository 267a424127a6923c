"""Password guessing, on every way in (tests/users/signin/ways.py): LOGIN_FAILURE_LIMIT wrong
passwords pause the username at that address, the right one is refused while paused with a
message in words, the pause ends by itself, and other addresses and other accounts go on."""
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import user_with_roles
from tests.users.signin.ways import WAYS

pytestmark = pytest.mark.django_db

A, B = "198.51.100.7", "198.51.100.8"
LIMIT = settings.LOGIN_FAILURE_LIMIT


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/json"):
        return response.json()["detail"]
    return response.content.decode()


def _time_passes(minutes_past_the_pause: int = 1) -> None:
    """Every counted failure becomes as old as the pause plus a minute, as if that time had passed."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(minutes=minutes_past_the_pause)
    )


def _lock(way, client, user) -> None:
    for _ in range(LIMIT - 1):
        response = way.attempt(client, user, "wrong-guess")
        assert response.status_code in (200, 400), response.status_code  # refused, not yet paused
        assert not way.succeeded(response)
    locked = way.attempt(client, user, "wrong-guess")
    assert locked.status_code == 429, locked.status_code


def _a_second(user):
    return user_with_roles(*user.roles, username=f"second_{user.username}")


@pytest.mark.parametrize("way", WAYS, ids=lambda w: w.name)
def test_wrong_passwords_pause_the_right_one_too_until_the_pause_ends(way, world):
    user = world.users[way.persona]
    client = way.client(A, user)
    _lock(way, client, user)

    refused = way.attempt(client, user, "pass")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    text = _text(refused)
    assert "Too many failed sign-ins" in text and "paused until" in text and "reset" in text

    _time_passes()
    assert way.succeeded(way.attempt(client, user, "pass"))


@pytest.mark.parametrize("way", WAYS, ids=lambda w: w.name)
def test_a_pause_leaves_other_addresses_and_other_accounts_alone(way, world):
    user = world.users[way.persona]
    other = _a_second(user)
    _lock(way, way.client(A, user), user)

    assert way.succeeded(way.attempt(way.client(A, other), other, "pass")), "another account, same address"
    assert way.succeeded(way.attempt(way.client(B, user), user, "pass")), "same account, another address"


@pytest.mark.parametrize("way", WAYS, ids=lambda w: w.name)
def test_tries_during_a_pause_do_not_make_it_longer(way, world):
    user = world.users[way.persona]
    client = way.client(A, user)
    _lock(way, client, user)
    for _ in range(3):
        assert way.attempt(client, user, "wrong-guess").status_code == 429
    _time_passes()
    assert way.succeeded(way.attempt(client, user, "pass"))


@pytest.mark.parametrize("way", [w for w in WAYS if not w.signed_in], ids=lambda w: w.name)
def test_one_address_guessing_many_accounts_is_paused_as_a_whole(way, world, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    sprayed = [_a_second(world.users[way.persona])] + [
        user_with_roles(*world.users[way.persona].roles, username=f"sprayed{n}") for n in range(7)
    ]
    for user in sprayed:
        assert way.attempt(way.client(A, user), user, "wrong-guess").status_code in (200, 400, 429)
    victim = world.users[way.persona]
    refused = way.attempt(way.client(A, victim), victim, "pass")
    assert refused.status_code == 429 and "from your address" in _text(refused)
    assert way.succeeded(way.attempt(way.client(B, victim), victim, "pass"))


def test_a_forged_forwarded_for_header_does_not_escape_the_count(world):
    user = world.users["agent"]
    for n in range(LIMIT):
        Client(REMOTE_ADDR=A, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").post("/login/", {"username": user.username, "password": "x"})
    response = Client(REMOTE_ADDR=A, HTTP_X_FORWARDED_FOR="10.9.9.99").post(
        "/login/", {"username": user.username, "password": "pass"}
    )
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_client_counts_apart(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    user = world.users["agent"]
    guesser = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.50")
    for _ in range(LIMIT):
        guesser.post("/login/", {"username": user.username, "password": "x"})
    assert AccessAttempt.objects.get().ip_address == "198.51.100.50"
    colleague = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.51")
    assert colleague.post("/login/", {"username": user.username, "password": "pass"}).status_code == 302


def test_lockouts_are_logged_with_the_address_and_never_the_password(world, caplog):
    user = world.users["customer"]
    way = next(w for w in WAYS if w.name == "portal password change")
    with caplog.at_level("WARNING", logger="axes"):
        _lock(way, way.client(A, user), user)
    assert any("Locking out" in r.getMessage() for r in caplog.records)
    failures = AccessFailureLog.objects.filter(username=user.username)
    assert failures.count() == LIMIT and failures.filter(locked_out=True, ip_address=A).count() == 1
    stored = AccessAttempt.objects.get(username=user.username).post_data
    assert "wrong-guess" not in stored and "Fresh-Passw0rd" not in stored


@pytest.mark.parametrize("username", ["a\x00b", "x" * 5000])
def test_odd_usernames_are_refused_or_counted_without_error(username, world):
    assert Client(REMOTE_ADDR=A).post("/login/", {"username": username, "password": "x"}).status_code == 200
    assert APIClient(REMOTE_ADDR=A).post("/api/v1/auth/token/", {"username": username, "password": "x"}, format="json").status_code == 400
