"""Self-registration with an account's code, its approval by any customer admin, and the account
users a customer admin manages (reference 6). Mails are outbox rows written with the change."""
import pytest
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied, ValidationError

from core.exceptions import Conflict
from customers import selectors_portal as selectors
from customers import services as customer_services
from customers import services_registration as services
from customers.choices import RegistrationState
from customers.models import Contact, RegistrationRequest
from notifications.models import Notification
from tests.factories import ContactFactory, user_with_roles
from users.models import User
from users.roles import user_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def code(world) -> str:
    customer_services.account_update(actor=None, instance=world.account, registration_code="ACME-JOIN")
    return "ACME-JOIN"


def submit(code, email="new.person@acme.example", **extra):
    return services.registration_submit(
        first_name=extra.get("first_name", "New"), last_name="Person", email=email, registration_code=code
    )


def mails(event) -> list[Notification]:
    return list(Notification.objects.filter(event=event).order_by("pk"))


def password_in(mail: Notification) -> str:
    line = next(line for line in mail.body.splitlines() if "Temporary password:" in line)
    return line.split(":", 1)[1].strip()


# --- submit ----------------------------------------------------------------------------------
@pytest.mark.parametrize("wrong", ["", "acme-join", "NOPE", " "])
def test_a_wrong_code_is_invalid_registration_code(world, code, wrong):
    with pytest.raises(ValidationError) as exc:
        submit(wrong)
    assert exc.value.message_dict == {"registration_code": ["Invalid registration code"]}
    assert not RegistrationRequest.objects.exists()


def test_the_code_of_an_inactive_account_is_invalid(world, code):
    customer_services.account_update(actor=None, instance=world.account, active=False)
    with pytest.raises(ValidationError):
        submit(code)


def test_a_right_code_records_a_pending_request_and_tells_every_customer_admin(world, code):
    request = submit(code, email="  New.Person@Acme.example ")
    assert (request.account, request.state, request.email) == (world.account, "pending", "new.person@acme.example")
    assert [m.to_address for m in mails("account.registration_received")] == ["new.person@acme.example"]
    pending = mails("account.registration_pending")
    assert [m.recipient for m in pending] == [world.users["customer_admin"]]
    assert "/portal/account/registrations/" in pending[0].body


def test_an_address_with_a_login_records_nothing_and_gets_a_reminder_instead(world, code):
    assert submit(code, email=world.users["customer"].email.upper()) is None
    assert not RegistrationRequest.objects.exists()
    assert [m.to_address for m in mails("account.registration_exists")] == [world.users["customer"].email]
    assert mails("account.registration_pending") == []


def test_a_second_request_while_one_is_pending_records_nothing(world, code):
    submit(code)
    assert submit(code) is None
    assert RegistrationRequest.objects.count() == 1


# --- approve and reject ------------------------------------------------------------------------
def test_approval_creates_a_customer_login_and_contact_with_a_temporary_password(world, code):
    request = submit(code)
    contact = services.registration_approve(actor=world.users["customer_admin"], registration=request)
    user = contact.user
    assert (contact.account, user.username, user.email) == (world.account, "new.person@acme.example", "new.person@acme.example")
    assert user_roles(user) == ["customer"]
    assert user.password_change_required
    request.refresh_from_db()
    assert (request.state, request.decided_by, request.contact) == ("approved", world.users["customer_admin"], contact)
    mail = mails("account.registration_approved")[0]
    assert mail.to_address == "new.person@acme.example"
    assert authenticate(username=user.username, password=password_in(mail)) == user


def test_approval_gives_the_login_to_the_accounts_contact_with_that_address(world, code):
    existing = ContactFactory(account=world.account, email="new.person@acme.example")
    contact = services.registration_approve(actor=world.users["customer_admin"], registration=submit(code))
    assert contact.pk == existing.pk and contact.user is not None
    assert Contact.objects.filter(email="new.person@acme.example").count() == 1


def test_a_customer_admin_of_a_parent_account_approves_for_a_child_account(world):
    customer_services.account_update(actor=None, instance=world.child_account, registration_code="EU-JOIN")
    contact = services.registration_approve(actor=world.users["customer_admin"], registration=submit("EU-JOIN"))
    assert contact.account == world.child_account


@pytest.mark.parametrize("persona", ["customer", "other_customer", "partner"])
def test_others_cannot_approve_or_reject(world, code, persona):
    request = submit(code)
    with pytest.raises(PermissionDenied):
        services.registration_approve(actor=world.users[persona], registration=request)
    with pytest.raises(PermissionDenied):
        services.registration_reject(actor=world.users[persona], registration=request)
    assert RegistrationRequest.objects.get(pk=request.pk).state == "pending"


def test_one_decision_suffices(world, code):
    request = submit(code)
    services.registration_reject(actor=world.users["customer_admin"], registration=request, reason="Not one of ours")
    with pytest.raises(Conflict):
        services.registration_approve(actor=world.users["admin"], registration=request)


def test_rejection_mails_the_reason_and_creates_no_login(world, code):
    request = services.registration_reject(
        actor=world.users["customer_admin"], registration=submit(code), reason="Please use your work address"
    )
    assert request.state == RegistrationState.REJECTED
    assert not User.objects.filter(email="new.person@acme.example").exists()
    assert "Please use your work address" in mails("account.registration_rejected")[0].body


def test_approval_is_refused_when_the_address_got_a_login_meanwhile(world, code):
    request = submit(code)
    user_with_roles("customer", username="someone", email="new.person@acme.example")
    with pytest.raises(ValidationError):
        services.registration_approve(actor=world.users["customer_admin"], registration=request)


def test_pending_requests_are_scoped_to_the_accounts_someone_administers(world, code):
    request = submit(code)
    assert list(selectors.registration_request_pending_for_user(user=world.users["customer_admin"])) == [request]
    for persona in ("customer", "other_customer", "partner"):
        assert not selectors.registration_request_list_for_user(user=world.users[persona]).exists()


# --- the account's users ------------------------------------------------------------------------
def test_a_customer_admin_adds_a_user_with_a_mailed_temporary_password(world):
    contact = services.contact_login_create(
        actor=world.users["customer_admin"], account=world.child_account, first_name="Eve", last_name="Euro",
        email="eve@acme.example",
    )
    assert contact.account == world.child_account and contact.user.password_change_required
    mail = mails("account.login_created")[0]
    assert authenticate(username="eve@acme.example", password=password_in(mail)) == contact.user


def test_a_customer_cannot_add_users(world):
    with pytest.raises(PermissionDenied):
        services.contact_login_create(
            actor=world.users["customer"], account=world.account, first_name="X", last_name="Y", email="x@acme.example"
        )


def test_a_child_accounts_admin_cannot_manage_the_parent_accounts_users(world):
    eu_admin = user_with_roles("customer_admin", username="eu_admin")
    customer_services.contact_create(actor=None, account=world.child_account, first_name="Eu", last_name="Admin", user=eu_admin)
    customer_services.account_admin_grant(actor=None, account=world.child_account, user=eu_admin)
    with pytest.raises(PermissionDenied):
        services.contact_login_set_active(actor=eu_admin, contact=world.contacts["customer"], active=False)


def test_deactivating_a_login_stops_sign_in_and_reactivating_restores_it(world):
    dana = world.contacts["customer"]
    services.contact_login_set_active(actor=world.users["customer_admin"], contact=dana, active=False)
    assert not User.objects.get(pk=dana.user_id).is_active
    services.contact_login_set_active(actor=world.users["customer_admin"], contact=dana, active=True)
    assert User.objects.get(pk=dana.user_id).is_active


def test_nobody_deactivates_their_own_login_or_removes_their_own_admin_rights(world):
    carl = world.contacts["customer_admin"]
    with pytest.raises(ValidationError):
        services.contact_login_set_active(actor=world.users["customer_admin"], contact=carl, active=False)
    with pytest.raises(ValidationError):
        services.contact_admin_set(actor=world.users["customer_admin"], contact=carl, admin=False)


def test_granting_and_revoking_customer_admin_changes_role_and_scope(world):
    dana, actor = world.contacts["customer"], world.users["customer_admin"]
    services.contact_admin_set(actor=actor, contact=dana, admin=True)
    user = User.objects.get(pk=dana.user_id)
    assert user_roles(user) == ["customer_admin"]
    assert set(selectors.administered_account_list(user=user)) == {world.account, world.child_account}
    services.contact_admin_set(actor=actor, contact=dana, admin=False)
    user = User.objects.get(pk=dana.user_id)
    assert user_roles(user) == ["customer"]
    assert not selectors.administered_account_list(user=user).exists()


def test_a_contact_without_a_login_cannot_be_made_admin(world):
    contact = ContactFactory(account=world.account)
    with pytest.raises(ValidationError):
        services.contact_admin_set(actor=world.users["customer_admin"], contact=contact, admin=True)
