"""/api/v1/users/ and /users/me/: who may do what, what they see, and bad input refused."""
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.factories import user_with_roles
from tests.matrix import assert_status, matrix
from users import services
from users.models import AgentPresence, User
from users.roles import ROLES

pytestmark = pytest.mark.django_db

STRONG = "correct-horse-battery-9"


# --- persona matrix ------------------------------------------------------------------------------
@matrix(external=403, internal=403, admin=200)
def test_user_list_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get("/api/v1/users/"), expected)


@matrix(external=403, internal=403, admin=200)
def test_user_detail_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get(f"/api/v1/users/{world.users['customer'].pk}/"), expected)


@matrix(external=403, internal=403, admin=201)
def test_user_create_access(persona, expected, api_as, world):
    body = {"username": "newbie", "roles": ["agent"], "password": STRONG}
    assert_status(api_as(persona).post("/api/v1/users/", body), expected)


@matrix(external=403, internal=403, admin=200)
def test_user_update_access(persona, expected, api_as, world):
    response = api_as(persona).patch(f"/api/v1/users/{world.users['agent'].pk}/", {"phone": "+1 555 0100"})
    assert_status(response, expected)


@matrix(external=200)
def test_me_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get("/api/v1/users/me/"), expected)


@matrix(external=403)
def test_presence_access(persona, expected, api_as, world):
    assert_status(api_as(persona).post("/api/v1/users/me/presence/", {"status": "available"}), expected)


# --- who am I ----------------------------------------------------------------------------------
def test_me_shows_customer_admin_role_and_contact(api_as, world):
    body = api_as("customer_admin").get("/api/v1/users/me/").data
    contact = world.contacts["customer_admin"]
    assert body["roles"] == ["customer_admin"]
    assert body["is_internal"] is False
    assert body["contact"] == {"id": contact.pk, "account": world.account.pk}


def test_me_shows_agent_as_internal_without_contact(api_as, world):
    body = api_as("agent").get("/api/v1/users/me/").data
    assert body["roles"] == ["agent"] and body["is_internal"] is True
    assert body["contact"] is None and body["assignment_groups"] == [world.group.pk]


def test_createsuperuser_noinput_holds_admin_role(monkeypatch, db):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "root@example.com")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    call_command("createsuperuser", interactive=False, verbosity=0)
    client = APIClient()
    client.force_authenticate(User.objects.get(username="root"))
    body = client.get("/api/v1/users/me/").data
    assert body["roles"] == ["admin"] and body["is_internal"] is True


def test_created_user_gets_token_and_calls_me(api_as, world):
    body = {"username": "tess", "roles": ["agent", "manager"], "password": STRONG, "email": "tess@example.com"}
    assert_status(api_as("admin").post("/api/v1/users/", body), 201)

    client = APIClient()
    token = client.post("/api/v1/auth/token/", {"username": "tess", "password": STRONG}).data["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/users/me/")
    assert_status(me, 200)
    assert me.data["username"] == "tess" and me.data["roles"] == ["agent", "manager"]


def test_created_user_lands_in_role_groups_and_is_not_staff(api_as, world):
    api_as("admin").post("/api/v1/users/", {"username": "tess", "roles": ["agent", "manager"], "password": STRONG})
    user = User.objects.get(username="tess")
    assert set(user.groups.values_list("name", flat=True)) == {"agent", "manager"}
    assert user.is_staff is False


def test_is_staff_follows_admin_role(api_as, world):
    created = api_as("admin").post("/api/v1/users/", {"username": "tess", "roles": ["admin"]}).data
    assert User.objects.get(pk=created["id"]).is_staff is True
    api_as("admin").patch(f"/api/v1/users/{created['id']}/", {"roles": ["agent"]})
    assert User.objects.get(pk=created["id"]).is_staff is False


def test_is_staff_is_not_writable(api_as, world):
    api_as("admin").patch(f"/api/v1/users/{world.users['agent'].pk}/", {"is_staff": True})
    world.users["agent"].refresh_from_db()
    assert world.users["agent"].is_staff is False


def test_password_is_never_returned(api_as, world):
    body = api_as("admin").post("/api/v1/users/", {"username": "tess", "password": STRONG}).data
    assert "password" not in body


def test_user_list_shows_roles_and_groups(api_as, world):
    rows = {row["username"]: row for row in api_as("admin").get("/api/v1/users/?page_size=50").data["results"]}
    assert rows["manager_max"]["roles"] == ["manager"]
    assert rows["manager_max"]["assignment_groups"] == [world.group.pk]
    assert rows["custadmin_carl"]["roles"] == ["customer_admin"]


def test_user_list_filters_by_role(api_as, world):
    rows = api_as("admin").get("/api/v1/users/?groups__name=customer").data["results"]
    assert {row["username"] for row in rows} == {"customer_dana", "customer_erin"}


def test_user_list_query_count_is_bounded(api_as, world, django_assert_max_num_queries):
    for i in range(30):
        services.user_create(actor=None, username=f"bulk{i}", roles=["agent"], assignment_groups=[world.group])
    with django_assert_max_num_queries(7):
        response = api_as("admin").get("/api/v1/users/?page_size=50")
    assert response.data["count"] == 37
    assert all(row["roles"] for row in response.data["results"])


# --- bad input: the field is named and nothing is written ---------------------------------------
def _post_user(api_as, body):
    before = User.objects.count()
    response = api_as("admin").post("/api/v1/users/", body)
    assert response.status_code == 400, response.data
    assert User.objects.count() == before
    return response.data


def test_unknown_role_is_refused_listing_known_roles(api_as, world):
    data = _post_user(api_as, {"username": "tess", "roles": ["agent", "superhero"]})
    message = data["errors"]["roles"][0]
    assert "superhero" in message and all(role in message for role in ROLES)


def test_internal_and_external_roles_cannot_mix(api_as, world):
    data = _post_user(api_as, {"username": "tess", "roles": ["agent", "customer"]})
    assert "never both" in data["errors"]["roles"][0]


def test_duplicate_username_is_refused(api_as, world):
    data = _post_user(api_as, {"username": "agent_alice", "roles": ["agent"]})
    assert "already exists" in data["errors"]["username"][0]


def test_invalid_time_zone_is_refused(api_as, world):
    data = _post_user(api_as, {"username": "tess", "time_zone": "Mars/Olympus_Mons"})
    assert "time_zone" in data["errors"]


def test_weak_password_is_refused(api_as, world):
    data = _post_user(api_as, {"username": "tess", "password": "12345678"})
    assert "password" in data["errors"]


def test_external_user_cannot_join_assignment_group(api_as, world):
    data = _post_user(api_as, {"username": "tess", "roles": ["customer"], "assignment_groups": [world.group.pk]})
    assert "assignment_groups" in data["errors"]


def test_update_with_unknown_role_changes_nothing(api_as, world):
    agent = world.users["agent"]
    response = api_as("admin").patch(f"/api/v1/users/{agent.pk}/", {"roles": ["wizard"], "phone": "+1 555 0100"})
    agent.refresh_from_db()
    assert response.status_code == 400 and "roles" in response.data["errors"]
    assert agent.roles == ["agent"] and agent.phone == ""


def test_removing_last_internal_role_of_a_team_member_is_refused(api_as, world):
    agent = world.users["agent"]
    response = api_as("admin").patch(f"/api/v1/users/{agent.pk}/", {"roles": ["customer"]})
    assert response.status_code == 400 and "Tier 1" in response.data["errors"]["roles"][0]
    assert agent.roles == ["agent"]


# --- presence ----------------------------------------------------------------------------------
def test_agent_sets_own_presence(api_as, world):
    response = api_as("agent").post("/api/v1/users/me/presence/", {"status": "away"})
    assert response.data == {"status": "away"}
    assert AgentPresence.objects.get(user=world.users["agent"]).status == "away"


def test_customer_is_told_why_presence_is_refused(api_as, world):
    response = api_as("customer").post("/api/v1/users/me/presence/", {"status": "available"})
    assert response.status_code == 403 and response.data["code"] == "forbidden"
    assert "Only agents have a presence" in response.data["detail"] and "customer_dana" in response.data["detail"]
    assert not AgentPresence.objects.exists()


def test_unknown_presence_value_is_refused(api_as, world):
    response = api_as("agent").post("/api/v1/users/me/presence/", {"status": "busy"})
    assert response.status_code == 400 and "status" in response.data["errors"]
    assert not AgentPresence.objects.exists()


def test_inactive_user_cannot_get_token(api_as, world):
    user = user_with_roles("agent", username="gone")
    services.user_update(actor=None, instance=user, is_active=False, password=STRONG)
    response = APIClient().post("/api/v1/auth/token/", {"username": "gone", "password": STRONG})
    assert response.status_code == 400


def test_a_temporary_password_gets_no_token_until_it_is_changed(world):
    user = user_with_roles("customer", username="newcomer")
    temporary = services.user_password_temporary_set(actor=None, user=user)
    response = APIClient().post("/api/v1/auth/token/", {"username": "newcomer", "password": temporary})
    assert response.status_code == 403 and response.data["code"] == "password_change_required"
    services.user_password_change(actor=user, user=user, password=STRONG)
    response = APIClient().post("/api/v1/auth/token/", {"username": "newcomer", "password": STRONG})
    assert response.status_code == 200 and response.data["token"]
