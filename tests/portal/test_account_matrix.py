"""The persona matrix over every page of the portal's account half: anonymous visitors go to the
portal sign-in, staff get 404 on customer pages, and the customer-admin pages exist only for a
customer admin of the account (everyone else 404)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from customers import services as customer_services
from customers import services_branding
from customers import services_registration as registration
from tests.matrix import assert_status, persona_matrix
from users import services as user_services
from users.models import ApiToken

pytestmark = pytest.mark.django_db

SIGN_IN = "/portal/login/"


@pytest.fixture
def pending(world):
    customer_services.account_update(actor=None, instance=world.account, registration_code="ACME-JOIN")
    return registration.registration_submit(
        first_name="New", last_name="Person", email="new.person@acme.example", registration_code="ACME-JOIN"
    )


def _get(client_as, persona, url, expected):
    response = client_as(persona).get(url)
    assert_status(response, expected)
    if persona == "anonymous" and expected == 302:
        assert response["Location"].startswith(f"{SIGN_IN}?next=")
    return response


@persona_matrix(anonymous=200, other_customer=302, customer=302, customer_admin=302, partner=302,
                agent=302, manager=302, admin=302)
def test_sign_in_page(persona, expected, client_as):
    response = client_as(persona).get(SIGN_IN)
    assert_status(response, expected)
    if expected == 302:  # already signed in: straight to where they belong
        assert response["Location"] == ("/" if persona in ("agent", "manager", "admin") else "/portal/")


@persona_matrix(anonymous=302, other_customer=302, customer=302, customer_admin=302, partner=302,
                agent=302, manager=302, admin=302)
def test_sign_out(persona, expected, client_as):
    response = client_as(persona).post("/portal/logout/")
    assert_status(response, expected)
    assert response["Location"] == SIGN_IN


@pytest.mark.parametrize("url", ["/portal/password/reset/", "/portal/password/reset/done/",
                                 "/portal/password/reset/complete/", "/portal/password/reset/MQ/bad-token/",
                                 "/portal/register/done/"])
@persona_matrix(anonymous=200, other_customer=200, customer=200, customer_admin=200, partner=200,
                agent=200, manager=200, admin=200)
def test_public_pages(persona, expected, client_as, url):
    _get(client_as, persona, url, expected)


@persona_matrix(anonymous=200, other_customer=302, customer=302, customer_admin=302, partner=302,
                agent=302, manager=302, admin=302)
def test_registration_page(persona, expected, client_as):
    _get(client_as, persona, "/portal/register/", expected)


@pytest.mark.parametrize("url", ["/portal/password/change/", "/portal/account/", "/portal/account/tokens/"])
@persona_matrix(anonymous=302, other_customer=200, customer=200, customer_admin=200, partner=200,
                agent=404, manager=404, admin=404)
def test_own_account_pages(persona, expected, client_as, url):
    _get(client_as, persona, url, expected)


@pytest.mark.parametrize("url", ["/portal/account/registrations/", "/portal/account/users/", "/portal/account/users/new/"])
@persona_matrix(anonymous=302, other_customer=404, customer=404, customer_admin=200, partner=404,
                agent=404, manager=404, admin=404)
def test_customer_admin_pages(persona, expected, client_as, url):
    _get(client_as, persona, url, expected)


@pytest.mark.parametrize("action", ["approve", "reject"])
@persona_matrix(anonymous=302, other_customer=404, customer=404, customer_admin=302, partner=404,
                agent=404, manager=404, admin=404)
def test_registration_decisions(persona, expected, client_as, pending, action):
    response = client_as(persona).post(f"/portal/account/registrations/{pending.pk}/{action}/")
    assert_status(response, expected)
    pending.refresh_from_db()
    assert pending.state == ("pending" if persona != "customer_admin" else {"approve": "approved", "reject": "rejected"}[action])


@pytest.mark.parametrize("action", ["deactivate", "reactivate", "make-admin", "remove-admin"])
@persona_matrix(anonymous=302, other_customer=404, customer=404, customer_admin=302, partner=404,
                agent=404, manager=404, admin=404)
def test_account_user_actions(persona, expected, client_as, world, action):
    response = client_as(persona).post(f"/portal/account/users/{world.contacts['customer'].pk}/{action}/")
    assert_status(response, expected)


@persona_matrix(anonymous=200, other_customer=200, customer=200, customer_admin=200, partner=200,
                agent=200, manager=200, admin=200)
def test_branding_logo(persona, expected, client_as, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services_branding.branding_create(
        actor=None, name="Acme Care", active=True, logo=SimpleUploadedFile("l.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    )
    response = client_as(persona).get("/portal/branding/logo/")
    assert_status(response, expected)
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    b"".join(response.streaming_content)


@persona_matrix(anonymous=302, other_customer=404, customer=302, customer_admin=404, partner=404,
                agent=404, manager=404, admin=404)
def test_token_revoke_page_action(persona, expected, client_as, world):
    """Only the token's owner revokes it here (everyone else: 404, as out of scope)."""
    token, _ = user_services.api_token_create(user=world.users["customer"], name="dana's script")
    response = client_as(persona).post(f"/portal/account/tokens/{token.pk}/revoke/")
    assert_status(response, expected)
    assert ApiToken.objects.filter(pk=token.pk).exists() == (persona != "customer")
