import pytest

from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db


def _url(obj, user=None):
    url = f"/api/v1/access/?object={obj._meta.label_lower}:{obj.pk}"
    return f"{url}&user={user.pk}" if user else url


@matrix(external=200, other_customer=404)
def test_explain_own_access_to_account(persona, expected, api_as, world):
    assert_status(api_as(persona).get(_url(world.account)), expected)


@matrix(external=403, internal=403, admin=200)
def test_explain_someone_elses_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get(_url(world.account, world.users["customer"])), expected)


def test_customer_admin_access_to_child_account_names_the_parent_grant(api_as, world):
    body = api_as("admin").get(_url(world.child_account, world.users["customer_admin"])).data
    assert body["can_view"] is True
    grant = [r for r in body["reasons"] if r["kind"] == "grant"][0]
    assert grant["permission"] == "customers.administer_account" and grant["via"] == world.account.number


def test_partner_access_is_explained_by_the_partner_grant(api_as, world):
    body = api_as("partner").get(_url(world.account)).data
    assert [r["permission"] for r in body["reasons"]] == ["customers.act_as_partner"]


def test_agent_access_is_explained_by_role(api_as, world):
    body = api_as("admin").get(_url(world.other_account, world.users["agent"])).data
    assert body["reasons"][0]["kind"] == "role" and body["reasons"][0]["role"] == "agent"


def test_denied_access_has_no_reasons(api_as, world):
    body = api_as("admin").get(_url(world.other_account, world.users["customer"])).data
    assert body["can_view"] is False and body["reasons"] == []


def test_audience_lists_roles_relations_and_grants_for_admins_only(api_as, world):
    body = api_as("admin").get(_url(world.account)).data
    kinds = {(e["kind"], e.get("role") or e.get("permission") or "") for e in body["audience"]}
    assert ("role", "agent") in kinds
    assert ("grant", "customers.administer_account") in kinds
    assert ("grant", "customers.act_as_partner") in kinds
    assert any(e["kind"] == "relation" and "customer_dana" in e["users"] for e in body["audience"])
    assert "audience" not in api_as("customer").get(_url(world.account)).data


@pytest.mark.parametrize("reference", ["nonsense", "customers.account:abc", "auth.permission:1"])
def test_bad_object_reference_is_400(reference, api_as, world):
    response = api_as("admin").get(f"/api/v1/access/?object={reference}")
    assert response.status_code == 400 and "object" in response.data["errors"]


def test_missing_object_is_404(api_as, world):
    assert api_as("admin").get("/api/v1/access/?object=customers.account:999999").status_code == 404


@persona_matrix(
    anonymous=401, other_customer=404, customer=200, customer_admin=200, partner=200, agent=200, manager=200,
    admin=200,
)
def test_explain_contact_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get(_url(world.contacts["customer"])), expected)
