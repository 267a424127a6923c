import pytest

from customers.models import Account, AccountRelationship
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_account_changelist_access(persona, expected, client_as, world):
    assert_status(client_as(persona).get("/admin/customers/account/"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_account_access_page(persona, expected, client_as, world):
    assert_status(client_as(persona).get(f"/admin/customers/account/{world.account.pk}/access/"), expected)


def test_access_page_explains_customer_admin_of_parent(client_as, world):
    response = client_as("admin").get(
        f"/admin/customers/account/{world.child_account.pk}/access/?user=custadmin_carl"
    )
    text = response.content.decode()
    assert "can see" in text and f"Customer admin of {world.account.number}" in text


def test_admin_add_account_goes_through_service(client_as, world):
    response = client_as("admin").post(
        "/admin/customers/account/add/",
        {
            "name": "Initech", "is_customer": "on", "active": "on",
            **_empty_inlines(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    account = Account.objects.get(name="Initech")
    assert account.number.startswith("ACC") and account.path == f"/{account.pk}/"


def test_admin_reparent_cycle_shows_field_error_and_writes_nothing(client_as, world):
    data = {
        "name": world.account.name, "parent": world.child_account.pk, "is_customer": "on", "active": "on",
        **_empty_inlines(),
    }
    response = client_as("admin").post(f"/admin/customers/account/{world.account.pk}/change/", data)
    world.account.refresh_from_db()
    assert response.status_code == 200
    assert "cycle" in response.content.decode()
    assert world.account.parent_id is None


def test_admin_adds_partner_through_inline_and_grants(client_as, world):
    data = {
        "name": world.other_account.name, "is_customer": "on", "active": "on",
        **_empty_inlines(),
        "relationships_in-TOTAL_FORMS": "1",
        "relationships_in-0-from_account": world.partner_account.pk,
        "relationships_in-0-relationship_type": "partner",
    }
    response = client_as("admin").post(f"/admin/customers/account/{world.other_account.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AccountRelationship.objects.filter(to_account=world.other_account).exists()
    assert world.users["partner"].has_perm("customers.act_as_partner", world.other_account)


def _empty_inlines() -> dict:
    data = {}
    for prefix in ("contacts", "accountuserobjectpermission_set", "contact_relationships", "relationships_in"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0", f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data


def test_inline_refused_by_its_service_saves_nothing_and_says_why(client_as, world):
    from customers.models import ContactRelationship

    data = {
        "name": "Renamed Acme", "is_customer": "on", "active": "on",
        **_empty_inlines(),
        "contact_relationships-TOTAL_FORMS": "1",
        "contact_relationships-0-contact": world.contacts["other_customer"].pk,  # outside the hierarchy
        "contact_relationships-0-relationship_type": "contact",
    }
    client = client_as("admin")
    response = client.post(f"/admin/customers/account/{world.account.pk}/change/", data, follow=True)
    world.account.refresh_from_db()
    assert "Nothing was saved" in response.content.decode() and "hierarchy" in response.content.decode()
    assert world.account.name == "Acme" and not ContactRelationship.objects.exists()
