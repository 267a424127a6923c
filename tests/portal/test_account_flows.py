"""The portal's account pages doing their job: sign-in sends each person home, registration says
"Invalid registration code" and never reveals a known address, the reset mail goes through the
outbox, a temporary password must be changed before anything else, customer admins manage users,
and every page wears the brand."""
import re

import pytest
from django.test import Client

from customers import services as customer_services
from customers import services_branding
from customers import services_registration as registration
from customers.models import RegistrationRequest
from notifications.models import Notification
from tests.matrix import assert_status
from users.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "An-0ld-Passw0rd!"
NEW_PASSWORD = "Fresh-Passw0rd-42"


@pytest.fixture
def code(world) -> str:
    customer_services.account_update(actor=None, instance=world.account, registration_code="ACME-JOIN")
    return "ACME-JOIN"


def with_password(user) -> User:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def register(client, code, email="new.person@acme.example"):
    return client.post("/portal/register/", {"first_name": "New", "last_name": "Person", "email": email,
                                              "registration_code": code})


# --- sign-in ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("persona", "home"), [("customer", "/portal/"), ("customer_admin", "/portal/"),
                                               ("partner", "/portal/"), ("agent", "/"), ("admin", "/")])
def test_sign_in_sends_each_person_home(world, persona, home):
    user = with_password(world.users[persona])
    response = Client().post("/portal/login/", {"username": user.username, "password": PASSWORD})
    assert_status(response, 302)
    assert response["Location"] == home


def test_a_wrong_password_says_so_on_the_branded_page(world):
    response = Client().post("/portal/login/", {"username": "customer_dana", "password": "nope"})
    assert response.status_code == 200
    assert b"didn&#x27;t match" in response.content or b"didn't match" in response.content


# --- registration ------------------------------------------------------------------------------
def test_a_wrong_code_shows_invalid_registration_code(world, code):
    response = register(Client(), "WRONG")
    assert response.status_code == 200
    assert b"Invalid registration code" in response.content
    assert not RegistrationRequest.objects.exists()


def test_a_known_address_gets_the_same_answer_as_a_new_one(world, code):
    new = register(Client(), code)
    known = register(Client(), code, email=world.users["customer"].email)
    assert new.status_code == known.status_code == 302
    assert new["Location"] == known["Location"] == "/portal/register/done/"
    assert RegistrationRequest.objects.count() == 1


def test_registration_is_rate_limited_per_address(world, code, settings):
    settings.PORTAL_REGISTRATION_RATE_LIMIT = 3
    client = Client()
    statuses = [register(client, "WRONG").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert b"Too many attempts" in register(client, code).content


# --- temporary password ------------------------------------------------------------------------
@pytest.fixture
def approved(world, code):
    request = registration.registration_submit(
        first_name="New", last_name="Person", email="new.person@acme.example", registration_code=code
    )
    contact = registration.registration_approve(actor=world.users["customer_admin"], registration=request)
    mail = Notification.objects.get(event="account.registration_approved")
    password = re.search(r"Temporary password:\s+(\S+)", mail.body).group(1)
    return contact.user, password


def test_a_temporary_password_leads_every_page_to_the_password_change(world, approved):
    user, temporary = approved
    client = Client()
    assert client.post("/portal/login/", {"username": user.username, "password": temporary})["Location"] == "/portal/"
    for url in ("/portal/", "/portal/account/", "/portal/cases/", "/"):
        assert client.get(url)["Location"] == "/portal/password/change/", url
    assert client.get("/api/v1/users/me/").status_code == 403
    page = client.get("/portal/password/change/")
    assert b"temporary password" in page.content
    response = client.post("/portal/password/change/", {"old_password": temporary, "new_password1": NEW_PASSWORD,
                                                          "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/portal/"
    user.refresh_from_db()
    assert not user.password_change_required and user.check_password(NEW_PASSWORD)
    assert client.get("/portal/account/").status_code == 200  # still signed in, and free to go


def test_the_new_password_must_pass_the_validators(world, approved):
    user, temporary = approved
    client = Client()
    client.post("/portal/login/", {"username": user.username, "password": temporary})
    response = client.post("/portal/password/change/", {"old_password": temporary, "new_password1": "123",
                                                          "new_password2": "123"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password_change_required


# --- password reset ----------------------------------------------------------------------------
def test_password_reset_mails_a_link_through_the_outbox_that_sets_a_new_password(world):
    user = world.users["customer"]
    response = Client().post("/portal/password/reset/", {"email": user.email})
    assert response["Location"] == "/portal/password/reset/done/"
    mail = Notification.objects.get(event="account.password_reset")
    assert (mail.recipient, mail.to_address, mail.state) == (user, user.email, "pending")
    link = re.search(r"https?://\S+(/portal/password/reset/\S+/\S+/)", mail.body).group(1)
    client = Client()
    form_url = client.get(link)["Location"]  # Django swaps the token for a session marker
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response["Location"] == "/portal/password/reset/complete/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_password_reset_never_mails_staff_or_unknown_addresses(world):
    for email in (world.users["admin"].email, "nobody@example.com"):
        assert Client().post("/portal/password/reset/", {"email": email}).status_code == 302
    assert not Notification.objects.filter(event="account.password_reset").exists()


def test_password_reset_is_rate_limited(world, settings):
    settings.PORTAL_PASSWORD_RESET_RATE_LIMIT = 2
    client = Client()
    statuses = [client.post("/portal/password/reset/", {"email": world.users["customer"].email}).status_code
                for _ in range(3)]
    assert statuses == [302, 302, 429]
    assert Notification.objects.filter(event="account.password_reset").count() == 2


# --- the customer admin's pages ------------------------------------------------------------------
def test_pending_requests_are_listed_and_approved_from_the_page(world, code, client_as):
    registration.registration_submit(first_name="New", last_name="Person", email="new.person@acme.example",
                                     registration_code=code)
    client = client_as("customer_admin")
    page = client.get("/portal/account/registrations/")
    assert b"new.person@acme.example" in page.content
    request = RegistrationRequest.objects.get()
    response = client.post(f"/portal/account/registrations/{request.pk}/approve/", follow=True)
    assert b"can now sign in" in response.content
    assert User.objects.filter(username="new.person@acme.example", contact__account=world.account).exists()
    again = client.post(f"/portal/account/registrations/{request.pk}/reject/", follow=True)
    assert b"already approved" in again.content


def test_the_users_page_lists_the_accounts_and_child_accounts_contacts_only(world, client_as):
    customer_services.contact_create(actor=None, account=world.child_account, first_name="Euro", last_name="Pean")
    content = client_as("customer_admin").get("/portal/account/users/").content.decode()
    assert "Dana Diaz" in content and "Euro Pean" in content and "Carl Cruz" in content
    assert "Erin Eng" not in content and "Pat Park" not in content


def test_the_users_page_costs_the_same_queries_for_many_contacts(world, client_as, django_assert_max_num_queries):
    client = client_as("customer_admin")
    for i in range(30):
        registration.contact_login_create(actor=None, account=world.account, first_name=f"P{i}", last_name="Q",
                                          email=f"p{i}@acme.example")
    with django_assert_max_num_queries(14):
        assert client.get("/portal/account/users/").status_code == 200


def test_the_registrations_page_costs_the_same_queries_for_many_requests(world, code, client_as,
                                                                          django_assert_max_num_queries):
    client = client_as("customer_admin")
    for i in range(25):
        request = registration.registration_submit(first_name="N", last_name=str(i), email=f"n{i}@acme.example",
                                                   registration_code=code)
        if i % 2:
            registration.registration_reject(actor=None, registration=request)
    with django_assert_max_num_queries(12):
        assert client.get("/portal/account/registrations/").status_code == 200


def test_a_customer_admin_creates_a_user_from_the_page(world, client_as):
    response = client_as("customer_admin").post("/portal/account/users/new/", {
        "account": world.child_account.pk, "first_name": "Eve", "last_name": "Euro", "email": "eve@acme.example",
        "customer_admin": "on"})
    assert response["Location"] == "/portal/account/users/"
    user = User.objects.get(username="eve@acme.example")
    assert user.password_change_required and user.roles == ["customer_admin"]
    assert Notification.objects.filter(event="account.login_created", to_address="eve@acme.example").exists()


def test_an_account_outside_the_admins_scope_cannot_be_chosen(world, client_as):
    response = client_as("customer_admin").post("/portal/account/users/new/", {
        "account": world.other_account.pk, "first_name": "X", "last_name": "Y", "email": "x@globex.example"})
    assert response.status_code == 200
    assert not User.objects.filter(username="x@globex.example").exists()


def test_deactivate_from_the_page_refuses_the_admin_themself_with_a_message(world, client_as):
    carl = world.contacts["customer_admin"]
    response = client_as("customer_admin").post(f"/portal/account/users/{carl.pk}/deactivate/", follow=True)
    assert b"cannot deactivate your own login" in response.content
    assert User.objects.get(pk=carl.user_id).is_active


# --- branding ------------------------------------------------------------------------------------
def test_every_portal_page_wears_the_active_brand(world, client_as, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services_branding.branding_create(actor=None, name="Acme Care", primary_color="#FFD400",
                                          accent_color="#0b7285", welcome_text="Welcome, Acme folks", active=True)
    login = Client().get("/portal/login/").content.decode()
    assert "<title>Sign in · Acme Care</title>" in login
    assert "--brand: #ffd400; --brand-ink: #111827;" in login
    assert "Welcome, Acme folks" in login
    users = client_as("customer_admin").get("/portal/account/users/").content.decode()
    assert "Acme Care" in users and 'href="/portal/catalog/"' in users and 'href="/portal/cases/"' in users


def test_without_branding_the_pages_use_the_defaults(world):
    content = Client().get("/portal/login/").content.decode()
    assert "Customer support" in content and "--brand: #1f5fbf; --brand-ink: #ffffff;" in content
