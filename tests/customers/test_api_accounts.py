import pytest

from customers import services
from customers.models import Account
from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db


@matrix(external=200, other_customer=404)
def test_account_detail_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get(f"/api/v1/accounts/{world.account.pk}/"), expected)


@matrix(external=200, other_customer=404)
def test_account_detail_by_number(persona, expected, api_as, world):
    assert_status(api_as(persona).get(f"/api/v1/accounts/{world.account.number}/"), expected)


@persona_matrix(
    anonymous=401, other_customer=404, customer=404, customer_admin=200, partner=404, agent=200, manager=200, admin=200
)
def test_child_account_visible_to_customer_admin_of_parent(persona, expected, api_as, world):
    assert_status(api_as(persona).get(f"/api/v1/accounts/{world.child_account.pk}/"), expected)


@matrix(external=200)
def test_account_list_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get("/api/v1/accounts/"), expected)


@pytest.mark.parametrize(
    ("persona", "numbers"),
    [
        ("other_customer", {"Globex"}),
        ("customer", {"Acme"}),
        ("customer_admin", {"Acme", "Acme Europe"}),
        ("partner", {"Acme", "Partner Co"}),
        ("agent", {"Acme", "Acme Europe", "Globex", "Partner Co"}),
    ],
)
def test_account_list_is_scoped(persona, numbers, api_as, world):
    names = {row["name"] for row in api_as(persona).get("/api/v1/accounts/").data["results"]}
    assert names == numbers


@matrix(external=404, customer=403, customer_admin=403, partner=403, agent=403, manager=403, admin=200)
def test_account_update_access(persona, expected, api_as, world):
    response = api_as(persona).patch(f"/api/v1/accounts/{world.account.pk}/", {"phone": "+1 555 0100"})
    assert_status(response, expected)


@matrix(external=403, internal=403, admin=201)
def test_account_create_access(persona, expected, api_as, world):
    assert_status(api_as(persona).post("/api/v1/accounts/", {"name": "Initech"}), expected)


def test_customer_never_sees_internal_account_fields(api_as, world):
    services.account_update(actor=None, instance=world.account, notes="Churn risk", registration_code="ACME-42")
    body = api_as("customer").get(f"/api/v1/accounts/{world.account.pk}/").data
    assert "notes" not in body and "registration_code" not in body


def test_created_account_gets_number_and_path(api_as, world):
    body = api_as("admin").post("/api/v1/accounts/", {"name": "Initech", "parent": world.account.pk}).data
    account = Account.objects.get(pk=body["id"])
    assert body["number"].startswith("ACC") and len(body["number"]) == 10
    assert account.path == f"{world.account.path}{account.pk}/"


def test_reparenting_under_own_descendant_is_refused_and_writes_nothing(api_as, world):
    response = api_as("admin").patch(f"/api/v1/accounts/{world.account.pk}/", {"parent": world.child_account.pk})
    world.account.refresh_from_db()
    assert response.status_code == 400
    assert "cycle" in response.data["errors"]["parent"][0]
    assert world.account.parent_id is None


def test_duplicate_registration_code_names_the_field(api_as, world):
    services.account_update(actor=None, instance=world.other_account, registration_code="SHARED")
    response = api_as("admin").patch(f"/api/v1/accounts/{world.account.pk}/", {"registration_code": "SHARED"})
    assert response.status_code == 400
    assert "registration_code" in response.data["errors"]


def test_account_list_query_count_is_bounded(api_as, world, django_assert_max_num_queries):
    for i in range(30):
        services.account_create(actor=None, name=f"Bulk {i}", parent=world.account)
    with django_assert_max_num_queries(8):
        response = api_as("customer_admin").get("/api/v1/accounts/?page_size=50")
    assert response.data["count"] == 32
