import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from customers import selectors, services
from customers.models import Account, AccountRelationship, Contact, ContactRelationship
from tests.factories import AccountFactory, ContactFactory, user_with_roles
from users.services import user_set_roles

pytestmark = pytest.mark.django_db


def visible_accounts(user) -> set[str]:
    return set(selectors.account_list_for_user(user=user).values_list("name", flat=True))


# --- hierarchy ---------------------------------------------------------------------------------
def test_account_cannot_be_its_own_parent(world):
    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=None, instance=world.account, parent=world.account)
    assert "parent" in exc.value.message_dict


def test_moving_an_account_moves_its_subtree(world):
    grandchild = services.account_create(actor=None, name="Acme Lyon", parent=world.child_account)
    services.account_update(actor=None, instance=world.child_account, parent=world.other_account)
    grandchild.refresh_from_db()
    assert grandchild.path == f"{world.other_account.path}{world.child_account.pk}/{grandchild.pk}/"


def test_moving_a_child_account_changes_who_administers_it(world):
    admin = world.users["customer_admin"]
    assert "Acme Europe" in visible_accounts(admin)
    services.account_update(actor=None, instance=world.child_account, parent=None)
    assert "Acme Europe" not in visible_accounts(admin)


def test_non_admin_cannot_create_accounts(world):
    with pytest.raises(PermissionDenied):
        services.account_create(actor=world.users["agent"], name="Nope")
    assert not Account.objects.filter(name="Nope").exists()


def test_primary_contact_must_belong_to_the_account(world):
    with pytest.raises(ValidationError) as exc:
        services.account_update(actor=None, instance=world.account, primary_contact=world.contacts["other_customer"])
    assert "primary_contact" in exc.value.message_dict


# --- contacts -----------------------------------------------------------------------------------
def test_contact_on_inactive_account_is_refused(world):
    services.account_update(actor=None, instance=world.other_account, active=False)
    before = Contact.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=None, account=world.other_account, first_name="No", last_name="Body")
    assert "inactive" in exc.value.message_dict["account"][0]
    assert Contact.objects.count() == before


def test_contact_cannot_move_to_an_inactive_account(world):
    services.account_update(actor=None, instance=world.other_account, active=False)
    with pytest.raises(ValidationError):
        services.contact_update(actor=None, instance=world.contacts["customer"], account=world.other_account)


def test_contact_login_gets_the_customer_role(world):
    user = user_with_roles()
    services.contact_create(actor=None, account=world.account, first_name="New", last_name="Hire", user=user)
    assert user.roles == ["customer"]


def test_internal_user_cannot_be_a_contact_login(world):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(
            actor=None, account=world.account, first_name="A", last_name="B", user=world.users["agent"]
        )
    assert "internal" in exc.value.message_dict["user"][0]


def test_a_login_belongs_to_one_customer_record(world):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(
            actor=None, account=world.account, first_name="A", last_name="B", user=world.users["customer"]
        )
    assert "already" in exc.value.message_dict["user"][0]


def test_invalid_time_zone_names_the_field(world):
    with pytest.raises(ValidationError) as exc:
        services.contact_create(actor=None, account=world.account, first_name="A", last_name="B", time_zone="Mars/Base")
    assert "time_zone" in exc.value.message_dict


def test_customer_admin_manages_contacts_of_administered_accounts_only(world):
    carl = world.users["customer_admin"]
    services.contact_create(actor=carl, account=world.child_account, first_name="Eu", last_name="Person")
    with pytest.raises(PermissionDenied):
        services.contact_create(actor=carl, account=world.other_account, first_name="No", last_name="Way")


def test_plain_customer_cannot_create_contacts(world):
    with pytest.raises(PermissionDenied):
        services.contact_create(actor=world.users["customer"], account=world.account, first_name="X", last_name="Y")


# --- contact relationships ---------------------------------------------------------------------
def test_contact_relationship_grants_the_account(world):
    dana = world.contacts["customer"]
    services.contact_relationship_create(actor=None, contact=dana, account=world.child_account)
    assert "Acme Europe" in visible_accounts(dana.user)


def test_removing_the_relationship_revokes_access(world):
    dana = world.contacts["customer"]
    rel = services.contact_relationship_create(actor=None, contact=dana, account=world.child_account)
    services.contact_relationship_delete(actor=None, relationship=rel)
    assert "Acme Europe" not in visible_accounts(dana.user)


def test_contact_relationship_outside_the_hierarchy_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.contact_relationship_create(actor=None, contact=world.contacts["customer"], account=world.other_account)
    assert "hierarchy" in exc.value.message_dict["account"][0]
    assert not ContactRelationship.objects.exists()


@override_settings(CUSTOMERS_CONTACT_RELATIONSHIP_WITHIN_HIERARCHY=False)
def test_setting_allows_relationships_outside_the_hierarchy(world):
    services.contact_relationship_create(actor=None, contact=world.contacts["customer"], account=world.other_account)
    assert "Globex" in visible_accounts(world.users["customer"])


def test_contact_relationship_to_own_account_is_refused(world):
    with pytest.raises(ValidationError):
        services.contact_relationship_create(actor=None, contact=world.contacts["customer"], account=world.account)


def test_changing_a_contacts_login_moves_the_grants(world):
    contact = ContactFactory(account=world.account)
    services.contact_relationship_create(actor=None, contact=contact, account=world.child_account)
    first, second = user_with_roles("customer"), user_with_roles("customer")
    services.contact_update(actor=None, instance=contact, user=first)
    assert "Acme Europe" in visible_accounts(first)
    services.contact_update(actor=None, instance=contact, user=second)
    assert "Acme Europe" not in visible_accounts(first)
    assert "Acme Europe" in visible_accounts(second)


# --- partners ----------------------------------------------------------------------------------
def test_partner_relationship_needs_a_partner_account(world):
    with pytest.raises(ValidationError) as exc:
        services.account_relationship_create(actor=None, from_account=world.other_account, to_account=world.account)
    assert "from_account" in exc.value.message_dict
    assert AccountRelationship.objects.count() == 1


def test_partner_relationship_needs_a_customer_account(world):
    with pytest.raises(ValidationError) as exc:
        services.account_relationship_create(actor=None, from_account=world.partner_account, to_account=world.partner_account)
    assert "to_account" in exc.value.message_dict


def test_duplicate_partner_relationship_is_refused(world):
    with pytest.raises(ValidationError):
        services.account_relationship_create(actor=None, from_account=world.partner_account, to_account=world.account)


def test_partner_contact_added_later_gets_the_partner_grant(world):
    newcomer = user_with_roles("partner")
    services.contact_create(actor=None, account=world.partner_account, first_name="New", last_name="Partner", user=newcomer)
    assert "Acme" in visible_accounts(newcomer)


def test_ending_the_partnership_revokes_partner_access(world):
    services.account_relationship_delete(actor=None, relationship=AccountRelationship.objects.get())
    assert "Acme" not in visible_accounts(world.users["partner"])


def test_losing_the_partner_role_removes_partner_access_at_once(world):
    user_set_roles(actor=None, user=world.users["partner"], roles=["customer"])
    assert visible_accounts(world.users["partner"]) == {"Partner Co"}


# --- customer admin ----------------------------------------------------------------------------
def test_customer_admin_grant_needs_the_role(world):
    with pytest.raises(ValidationError) as exc:
        services.account_admin_grant(actor=None, account=world.account, user=world.users["customer"])
    assert "customer_admin" in exc.value.message_dict["user"][0]


def test_customer_admin_grant_needs_a_contact_of_the_account_or_a_parent(world):
    outsider = user_with_roles("customer_admin")
    services.contact_create(actor=None, account=world.other_account, first_name="O", last_name="S", user=outsider)
    with pytest.raises(ValidationError):
        services.account_admin_grant(actor=None, account=world.account, user=outsider)


def test_losing_the_customer_admin_role_removes_child_account_access(world):
    admin = world.users["customer_admin"]
    user_set_roles(actor=None, user=admin, roles=["customer"])
    assert visible_accounts(admin) == {"Acme"}


def test_revoking_customer_admin(world):
    services.account_admin_revoke(actor=None, account=world.account, user=world.users["customer_admin"])
    assert visible_accounts(world.users["customer_admin"]) == {"Acme"}


def test_only_admins_grant(world):
    with pytest.raises(PermissionDenied):
        services.account_admin_grant(actor=world.users["manager"], account=world.account, user=world.users["customer_admin"])


def test_account_scope_query_count_does_not_grow(world, django_assert_max_num_queries):
    for i in range(20):  # distinct names: the check counts names, and Faker's company names can repeat
        AccountFactory(parent=world.account, name=f"Acme unit {i:02d}")
    # model permissions and roles (1), administered paths (1), the list itself (1), and spare
    with django_assert_max_num_queries(5):
        names = visible_accounts(world.users["customer_admin"])
    assert len(names) == 22
