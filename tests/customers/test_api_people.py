"""Persona matrices for contacts, consumers, locations, relationships and the grant actions."""
import pytest

from customers import services
from customers.models import AccountRelationship, Contact, ContactRelationship
from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db


# --- contacts ----------------------------------------------------------------------------------
@matrix(external=200)
def test_contact_list(persona, expected, api_as, world):
    assert_status(api_as(persona).get("/api/v1/contacts/"), expected)


@matrix(external=200, other_customer=404)
def test_contact_detail_of_acme_contact(persona, expected, api_as, world):
    assert_status(api_as(persona).get(f"/api/v1/contacts/{world.contacts['customer'].pk}/"), expected)


@matrix(external=404, other_customer=200)
def test_contact_detail_of_globex_contact(persona, expected, api_as, world):
    assert_status(api_as(persona).get(f"/api/v1/contacts/{world.contacts['other_customer'].pk}/"), expected)


@persona_matrix(
    anonymous=401, other_customer=400, customer=403, customer_admin=201, partner=403, agent=201, manager=201, admin=201
)
def test_contact_create(persona, expected, api_as, world):
    response = api_as(persona).post(
        "/api/v1/contacts/", {"account": world.child_account.pk, "first_name": "New", "last_name": "Person"}
    )
    if persona in ("customer", "partner"):  # they cannot see Acme Europe: it "does not exist" for them
        expected = 400
    assert_status(response, expected)


@persona_matrix(
    anonymous=401, other_customer=404, customer=403, customer_admin=200, partner=403, agent=200, manager=200, admin=200
)
def test_contact_update(persona, expected, api_as, world):
    response = api_as(persona).patch(f"/api/v1/contacts/{world.contacts['customer'].pk}/", {"title": "CTO"})
    assert_status(response, expected)


def test_contact_list_is_scoped(api_as, world):
    def names(persona):
        return {r["first_name"] for r in api_as(persona).get("/api/v1/contacts/").data["results"]}

    assert names("customer") == {"Dana"}
    assert names("customer_admin") == {"Dana", "Carl"}
    assert names("partner") == {"Dana", "Carl", "Pat"}
    assert names("other_customer") == {"Erin"}
    assert names("agent") == {"Dana", "Carl", "Erin", "Pat"}


def test_contact_on_inactive_account_via_api_names_the_field(api_as, world):
    services.account_update(actor=None, instance=world.child_account, active=False)
    before = Contact.objects.count()
    response = api_as("agent").post(
        "/api/v1/contacts/", {"account": world.child_account.pk, "first_name": "A", "last_name": "B"}
    )
    assert response.status_code == 400 and "inactive" in response.data["errors"]["account"][0]
    assert Contact.objects.count() == before


def test_contact_list_query_count_is_bounded(api_as, world, django_assert_max_num_queries):
    for i in range(30):
        services.contact_create(actor=None, account=world.account, first_name=f"P{i}", last_name="Bulk")
    with django_assert_max_num_queries(8):
        response = api_as("customer_admin").get("/api/v1/contacts/?page_size=100")
    assert response.data["count"] == 32


# --- consumers ---------------------------------------------------------------------------------
@pytest.fixture
def consumer(world):
    return services.consumer_create(actor=None, first_name="Connie", last_name="Consumer")


@matrix(external=200)
def test_consumer_list(persona, expected, api_as, world):
    assert_status(api_as(persona).get("/api/v1/consumers/"), expected)


@matrix(external=404)
def test_consumer_detail(persona, expected, api_as, consumer):
    assert_status(api_as(persona).get(f"/api/v1/consumers/{consumer.pk}/"), expected)


@matrix(external=403, internal=201)
def test_consumer_create(persona, expected, api_as, world):
    assert_status(api_as(persona).post("/api/v1/consumers/", {"first_name": "C", "last_name": "D"}), expected)


@matrix(external=404, internal=200)
def test_consumer_update(persona, expected, api_as, consumer):
    assert_status(api_as(persona).patch(f"/api/v1/consumers/{consumer.pk}/", {"city": "Oslo"}), expected)


# --- locations ---------------------------------------------------------------------------------
@pytest.fixture
def location(world):
    return services.location_create(actor=None, name="HQ", account=world.account, city="Springfield")


@matrix(external=200, other_customer=404)
def test_location_detail(persona, expected, api_as, location):
    assert_status(api_as(persona).get(f"/api/v1/locations/{location.pk}/"), expected)


@matrix(external=403, other_customer=400, internal=201)
def test_location_create(persona, expected, api_as, world):
    response = api_as(persona).post("/api/v1/locations/", {"name": "Annex", "account": world.account.pk})
    assert_status(response, expected)


@matrix(external=403, other_customer=404, internal=200)
def test_location_update(persona, expected, api_as, location):
    assert_status(api_as(persona).patch(f"/api/v1/locations/{location.pk}/", {"city": "Shelbyville"}), expected)


def test_location_needs_exactly_one_owner(api_as, world):
    response = api_as("agent").post("/api/v1/locations/", {"name": "Nowhere"})
    assert response.status_code == 400 and "account" in response.data["errors"]


# --- relationships -----------------------------------------------------------------------------
@matrix(external=200)
def test_contact_relationship_list(persona, expected, api_as, world):
    assert_status(api_as(persona).get("/api/v1/contact-relationships/"), expected)


@persona_matrix(
    anonymous=401, other_customer=400, customer=400, customer_admin=403, partner=400, agent=403, manager=403, admin=201
)
def test_contact_relationship_create(persona, expected, api_as, world):
    response = api_as(persona).post(
        "/api/v1/contact-relationships/",
        {"contact": world.contacts["customer"].pk, "account": world.child_account.pk},
    )
    assert_status(response, expected)


@matrix(external=404, internal=403, admin=204)
def test_contact_relationship_delete(persona, expected, api_as, world):
    rel = services.contact_relationship_create(actor=None, contact=world.contacts["customer"], account=world.child_account)
    assert_status(api_as(persona).delete(f"/api/v1/contact-relationships/{rel.pk}/"), expected)
    assert ContactRelationship.objects.filter(pk=rel.pk).exists() == (expected != 204)


@matrix(external=404, internal=200)
def test_account_relationship_detail(persona, expected, api_as, world):
    rel = AccountRelationship.objects.get()
    assert_status(api_as(persona).get(f"/api/v1/account-relationships/{rel.pk}/"), expected)


@persona_matrix(
    anonymous=401, other_customer=400, customer=400, customer_admin=400, partner=400, agent=403, manager=403, admin=201
)
def test_account_relationship_create(persona, expected, api_as, world):
    response = api_as(persona).post(
        "/api/v1/account-relationships/",
        {"from_account": world.partner_account.pk, "to_account": world.other_account.pk},
    )
    assert_status(response, expected)


@matrix(external=404, internal=403, admin=204)
def test_account_relationship_delete(persona, expected, api_as, world):
    rel = AccountRelationship.objects.get()
    assert_status(api_as(persona).delete(f"/api/v1/account-relationships/{rel.pk}/"), expected)


def test_account_relationship_to_non_customer_names_the_field(api_as, world):
    response = api_as("admin").post(
        "/api/v1/account-relationships/",
        {"from_account": world.partner_account.pk, "to_account": world.partner_account.pk},
    )
    assert response.status_code == 400 and "to_account" in response.data["errors"]


# --- grant actions -----------------------------------------------------------------------------
@matrix(external=403, other_customer=404, internal=403, admin=204)
def test_grant_admin_action(persona, expected, api_as, world):
    url = f"/api/v1/accounts/{world.account.pk}/grant-admin/"
    assert_status(api_as(persona).post(url, {"user": world.users["customer_admin"].pk}), expected)


@matrix(external=403, other_customer=404, internal=403, admin=204)
def test_revoke_admin_action(persona, expected, api_as, world):
    url = f"/api/v1/accounts/{world.account.pk}/revoke-admin/"
    assert_status(api_as(persona).post(url, {"user": world.users["customer_admin"].pk}), expected)


def test_grant_admin_to_a_plain_customer_names_the_role(api_as, world):
    url = f"/api/v1/accounts/{world.account.pk}/grant-admin/"
    response = api_as("admin").post(url, {"user": world.users["customer"].pk})
    assert response.status_code == 400 and "customer_admin" in response.data["errors"]["user"][0]
