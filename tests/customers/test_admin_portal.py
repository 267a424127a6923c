"""The portal's branding and registration requests in the admin console: writes go through the
same services as the portal (logo checked, one active; approve/reject as actions)."""
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from customers import services as customer_services
from customers import services_registration as registration
from customers.models import PortalBranding, RegistrationRequest
from customers.selectors_portal import BRANDING_CACHE_KEY
from tests.factories import PortalBrandingFactory

pytestmark = pytest.mark.django_db

ADD = "/admin/customers/portalbranding/add/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    yield
    cache.delete(BRANDING_CACHE_KEY)


def _form(**extra):
    return {"name": "Acme Care", "primary_color": "#123456", "accent_color": "#abcdef", "welcome_text": "", **extra}


def test_admin_adds_an_active_branding_with_a_logo_and_the_old_one_steps_down(world, client_as):
    old = PortalBrandingFactory(active=True)
    response = client_as("admin").post(ADD, _form(active="on", logo=SimpleUploadedFile("logo.png", PNG)))
    assert response.status_code == 302, response.context["adminform"].form.errors
    new = PortalBranding.objects.get(name="Acme Care")
    old.refresh_from_db()
    assert (new.active, new.logo_content_type, old.active) == (True, "image/png", False)


def test_admin_form_refuses_an_svg_logo_and_a_bad_colour(world, client_as):
    svg = SimpleUploadedFile("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    response = client_as("admin").post(ADD, _form(logo=svg, primary_color="blue"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "logo" in errors and "primary_color" in errors
    assert not PortalBranding.objects.exists()


def _pending(world, email):
    customer_services.account_update(actor=None, instance=world.account, registration_code="ACME-JOIN")
    return registration.registration_submit(first_name="A", last_name="B", email=email, registration_code="ACME-JOIN")


@pytest.mark.parametrize(("action", "state"), [("approve_selected", "approved"), ("reject_selected", "rejected")])
def test_admin_decides_registration_requests_with_actions(world, client_as, action, state):
    items = [_pending(world, f"r{i}@acme.example") for i in range(2)]
    response = client_as("admin").post(
        "/admin/customers/registrationrequest/", {"action": action, "_selected_action": [i.pk for i in items]}
    )
    assert response.status_code == 302
    assert set(RegistrationRequest.objects.values_list("state", flat=True)) == {state}
