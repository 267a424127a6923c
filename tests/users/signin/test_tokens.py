"""API tokens (users.ApiToken): each sign-in makes a new one, they expire, and every way of
changing or resetting a password revokes them; their owner lists and revokes them."""
import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.matrix import assert_status, persona_matrix
from users import services
from users.models import ApiToken

pytestmark = pytest.mark.django_db

STRONG = "Fresh-Passw0rd-42"


def _obtain(username: str, password: str = "pass", **extra) -> dict:
    response = APIClient().post("/api/v1/auth/token/", {"username": username, "password": password, **extra}, format="json")
    assert_status(response, 200)
    return response.json()


def _as(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _me(key: str):
    return _as(key).get("/api/v1/users/me/")


# --- making tokens, and their expiry -------------------------------------------------------------
def test_each_sign_in_makes_a_new_token_and_both_work(world):
    first, second = _obtain("customer_dana")["token"], _obtain("customer_dana")["token"]
    assert first != second
    assert _me(first).status_code == _me(second).status_code == 200


def test_the_answer_keeps_the_contract_and_says_when_the_token_expires(world, settings):
    settings.API_TOKEN_TTL_DAYS = 2
    body = _obtain("agent_alice", name="nightly export")
    assert len(body["token"]) == 40 and body["name"] == "nightly export"
    expires = ApiToken.objects.get(pk=body["id"]).expires_at
    assert timedelta(days=2) - timedelta(minutes=1) < expires - timezone.now() <= timedelta(days=2)


def test_the_key_itself_is_never_stored(world):
    key = _obtain("agent_alice")["token"]
    row = ApiToken.objects.get()
    assert key not in (row.digest, row.prefix, row.name) and row.prefix == key[:8]


def test_an_expired_token_is_refused_with_401_saying_so(world):
    key = _obtain("customer_dana")["token"]
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _me(key)
    assert response.status_code == 401 and response.json()["code"] == "token_expired"
    assert "expired" in response.json()["detail"] and "/api/v1/auth/token/" in response.json()["detail"]


def test_an_unknown_token_is_401(world):
    assert _me("f" * 40).status_code == 401


def test_past_the_maximum_the_least_recently_used_token_goes(world, settings):
    settings.API_TOKEN_MAX_PER_USER = 2
    oldest, used, newest = (_obtain("agent_alice")["token"] for _ in range(3))
    assert _me(oldest).status_code == 401
    assert _me(used).status_code == _me(newest).status_code == 200


def test_a_stale_token_in_the_header_does_not_stop_a_new_sign_in(world):
    client = _as("0" * 40)
    assert client.post("/api/v1/auth/token/", {"username": "agent_alice", "password": "pass"}, format="json").status_code == 200


# --- every password change revokes --------------------------------------------------------------
def _portal_change(world, user):
    client = Client()
    client.force_login(user)
    response = client.post("/portal/password/change/", {"old_password": "pass", "new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302


def _portal_reset(world, user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    client = Client()
    form_url = client.get(f"/portal/password/reset/{uid}/{default_token_generator.make_token(user)}/")["Location"]
    response = client.post(form_url, {"new_password1": STRONG, "new_password2": STRONG})
    assert response["Location"] == "/portal/password/reset/complete/"


def _temporary_password(world, user):
    services.user_password_temporary_set(actor=world.users["admin"], user=user)


def _first_sign_in_change(world, user):
    """The forced change after a temporary password, on the portal's page."""
    temporary = services.user_password_temporary_set(actor=None, user=user)
    token, key = services.api_token_create(user=user)  # as if one were made between the two
    client = Client()
    client.force_login(user)
    client.post("/portal/password/change/", {"old_password": temporary, "new_password1": STRONG, "new_password2": STRONG})
    user.refresh_from_db()
    assert not user.password_change_required
    return key


def _admin_sets_password(world, user):
    client = Client()
    client.force_login(world.users["admin"])
    response = client.post(f"/admin/users/user/{user.pk}/password/",
                           {"password1": STRONG, "password2": STRONG, "usable_password": "true"})
    assert response.status_code == 302


def _admin_removes_password(world, user):
    client = Client()
    client.force_login(world.users["admin"])
    response = client.post(f"/admin/users/user/{user.pk}/password/", {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302


def _admin_changes_own_password(world, user):
    client = Client()
    client.force_login(user)
    response = client.post("/admin/password_change/", {"old_password": "pass", "new_password1": STRONG, "new_password2": STRONG})
    assert response.status_code == 302


def _api_sets_password(world, user):
    client = APIClient()
    client.force_authenticate(world.users["admin"])
    assert_status(client.patch(f"/api/v1/users/{user.pk}/", {"password": STRONG}, format="json"), 200)


def _outside_the_services(world, user):
    """What `manage.py changepassword` does: set_password and save, no service."""
    user.set_password(STRONG)
    user.save()


CHANGES = {
    "portal change": ("customer", _portal_change),
    "portal reset link": ("customer", _portal_reset),
    "temporary password issued": ("customer", _temporary_password),
    "first sign-in change": ("customer", _first_sign_in_change),
    "admin sets a password": ("agent", _admin_sets_password),
    "admin switches password sign-in off": ("agent", _admin_removes_password),
    "admin changes own password": ("admin", _admin_changes_own_password),
    "API PATCH /users/{id}/": ("agent", _api_sets_password),
    "outside the services": ("agent", _outside_the_services),
}


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_changing_or_resetting_a_password_revokes_the_tokens(change, world):
    persona, do = CHANGES[change]
    user = world.users[persona]
    keys = [_obtain(user.username)["token"] for _ in range(2)]
    extra = do(world, user)
    if extra:
        keys.append(extra)
    for key in keys:
        response = _me(key)
        assert response.status_code == 401, (change, response.status_code)
        assert response.json()["code"] in ("authentication_failed", "token_revoked")


def test_after_a_change_a_new_sign_in_gets_a_new_working_token(world):
    user = world.users["customer"]
    old = _obtain(user.username)["token"]
    _portal_change(world, user)
    new = _obtain(user.username, STRONG)["token"]
    assert new != old and _me(new).status_code == 200 and _me(old).status_code == 401


def test_a_password_changed_outside_the_services_says_why(world):
    key = _obtain("agent_alice")["token"]
    _outside_the_services(world, world.users["agent"])
    response = _me(key)
    assert response.json()["code"] == "token_revoked" and "password was changed" in response.json()["detail"]


def test_django_rehashing_the_same_password_keeps_the_tokens(world, settings):
    key = _obtain("agent_alice")["token"]  # the test settings hash with MD5
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]
    assert Client().post("/login/", {"username": "agent_alice", "password": "pass"}).status_code == 302
    world.users["agent"].refresh_from_db()
    assert world.users["agent"].password.startswith("pbkdf2_")
    assert _me(key).status_code == 200


# --- listing and revoking one's tokens ----------------------------------------------------------
def test_a_person_lists_only_their_own_tokens_and_sees_which_is_in_use(world):
    mine = _obtain("customer_dana", name="laptop")
    _obtain("customer_dana", name="phone")
    _obtain("customer_erin", name="not mine")
    rows = _as(mine["token"]).get("/api/v1/auth/tokens/").json()["results"]
    assert sorted(r["name"] for r in rows) == ["laptop", "phone"]
    assert [r["name"] for r in rows if r["current"]] == ["laptop"]
    assert all("token" not in r and len(r["prefix"]) == 8 and r["expired"] is False for r in rows)


def test_revoking_a_token_stops_it_at_once(world):
    keep, drop = _obtain("customer_dana"), _obtain("customer_dana")
    assert_status(_as(keep["token"]).delete(f"/api/v1/auth/tokens/{drop['id']}/"), 204)
    assert _me(drop["token"]).status_code == 401 and _me(keep["token"]).status_code == 200


def test_the_token_list_costs_the_same_queries_for_many_tokens(world, django_assert_max_num_queries):
    key = _obtain("agent_alice")["token"]
    for _ in range(15):
        services.api_token_create(user=world.users["agent"])
    with django_assert_max_num_queries(6):
        assert _as(key).get("/api/v1/auth/tokens/").status_code == 200


@persona_matrix(anonymous=401, other_customer=200, customer=200, customer_admin=200, partner=200, agent=200,
                manager=200, admin=200)
def test_token_list_matrix(persona, expected, api_as, world):
    services.api_token_create(user=world.users["customer"], name="dana's")
    response = api_as(persona).get("/api/v1/auth/tokens/")
    assert_status(response, expected)
    if expected == 200:
        names = [r["name"] for r in response.json()["results"]]
        assert ("dana's" in names) == (persona == "customer")


@persona_matrix(anonymous=401, other_customer=404, customer=204, customer_admin=404, partner=404, agent=404,
                manager=404, admin=404)
def test_token_revoke_matrix(persona, expected, api_as, world):
    token, _ = services.api_token_create(user=world.users["customer"])
    assert_status(api_as(persona).delete(f"/api/v1/auth/tokens/{token.pk}/"), expected)
    assert ApiToken.objects.filter(pk=token.pk).exists() == (expected != 204)


@persona_matrix(anonymous=401, other_customer=404, customer=200, customer_admin=404, partner=404, agent=404,
                manager=404, admin=404)
def test_token_detail_matrix(persona, expected, api_as, world):
    token, _ = services.api_token_create(user=world.users["customer"])
    assert_status(api_as(persona).get(f"/api/v1/auth/tokens/{token.pk}/"), expected)


def test_the_schema_documents_the_token_endpoints(api_client):
    paths = api_client.get("/api/v1/schema/?format=json").json()["paths"]
    assert {"get"} <= set(paths["/api/v1/auth/tokens/"]) and {"get", "delete"} <= set(paths["/api/v1/auth/tokens/{id}/"])
    assert "429" in paths["/api/v1/auth/token/"]["post"]["responses"]


# --- the admin console --------------------------------------------------------------------------
def test_an_admin_sees_everyones_tokens_and_revokes_one(world, client_as):
    body = _obtain("customer_dana", name="dana's script")
    admin = client_as("admin")
    assert "dana&#x27;s script" in admin.get("/admin/users/apitoken/").content.decode()
    response = admin.post("/admin/users/apitoken/", {"action": "revoke_selected", "_selected_action": [body["id"]]})
    assert response.status_code == 302 and _me(body["token"]).status_code == 401


def test_nobody_but_the_owner_or_an_admin_revokes(world):
    token, _ = services.api_token_create(user=world.users["customer"])
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=world.users["customer_admin"], token=token)


def test_the_portal_lists_a_persons_tokens_and_revokes_one(world, client_as):
    body = _obtain("customer_dana", name="dana's laptop")
    _obtain("customer_erin", name="erin's phone")
    client = client_as("customer")
    page = client.get("/portal/account/tokens/").content.decode()
    assert "dana&#x27;s laptop" in page and body["token"][:8] in page and "erin" not in page
    response = client.post(f"/portal/account/tokens/{body['id']}/revoke/", follow=True)
    assert "is revoked" in response.content.decode() and _me(body["token"]).status_code == 401


def test_tokens_from_before_keep_working_after_the_migration_until_they_expire(world):
    """users 0005 moves DRF authtoken keys into ApiToken (hashed), so clients holding one go on."""
    move_tokens = importlib.import_module("users.migrations.0005_api_tokens_signin_records").move_tokens
    key = Token.objects.create(user=world.users["agent"]).key
    move_tokens(django_apps, None)
    assert not Token.objects.exists() and key not in ApiToken.objects.values_list("digest", flat=True)
    assert _me(key).status_code == 200
    assert ApiToken.objects.get().expires_at > timezone.now() + timedelta(days=29)


def test_a_deactivated_persons_token_is_refused(world):
    key = _obtain("customer_dana")["token"]
    services.user_update(actor=None, instance=world.users["customer"], is_active=False)
    response = _me(key)
    assert response.status_code == 401 and response.json()["code"] == "user_inactive"
