"""The portal's registration in a real browser (issue 6): a wrong code is refused, a right one
waits for a customer admin, who approves it; the new person signs in with the mailed temporary
password, must choose their own, and lands on the portal home. Screenshots at laptop and phone
sizes, with a brand (name, logo, colours) set in the admin."""
import re
import struct
import zlib
from urllib.parse import urlparse

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from customers import services as customer_services
from customers import services_branding
from customers.models import RegistrationRequest
from customers.selectors_portal import BRANDING_CACHE_KEY
from notifications.models import Notification
from tests.e2e.conftest import PHONE, shot

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "My-Own-Passw0rd-77"


def _png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG of one colour, so the header shows an actual logo."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


LOGO = _png(48, (242, 169, 0))


@pytest.fixture
def brand(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    customer_services.account_update(actor=None, instance=world.account, registration_code="ACME-2026")
    services_branding.branding_create(
        actor=None, name="Acme Care", primary_color="#0b3d91", accent_color="#f2a900", active=True,
        welcome_text="Support for Acme customers. Ask your administrator for the registration code.",
        logo=SimpleUploadedFile("logo.png", LOGO),
    )
    cache.delete(BRANDING_CACHE_KEY)
    yield
    cache.delete(BRANDING_CACHE_KEY)
    cache.clear()  # the registration rate counters


def _fill_registration(page, code):
    page.fill("#id_first_name", "Nina")
    page.fill("#id_last_name", "Newcomer")
    page.fill("#id_email", "nina.newcomer@acme.example")
    page.fill("#id_registration_code", code)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def test_register_approve_first_sign_in_and_password_change(portal_page_as, brand, world):
    visitor = portal_page_as(None)
    visitor.goto("/portal/register/")
    _fill_registration(visitor, "ACME-2027")
    assert "Invalid registration code" in visitor.locator(".field-error").inner_text()
    assert not RegistrationRequest.objects.exists()
    shot(visitor, "portal-01-register-wrong-code")

    visitor.fill("#id_registration_code", "ACME-2026")
    visitor.click("main button[type=submit]")
    visitor.wait_for_url("**/portal/register/done/")
    shot(visitor, "portal-02-register-done")
    assert RegistrationRequest.objects.get().state == "pending"

    admin = portal_page_as("customer_admin")
    assert urlparse(admin.url).path == "/portal/"  # a customer signs in to the portal home
    admin.goto("/portal/account/registrations/")
    row = admin.locator(".request", has_text="nina.newcomer@acme.example")
    shot(admin, "portal-03-registrations-pending")
    row.get_by_role("button", name="Approve").click()
    admin.wait_for_load_state()
    assert "can now sign in" in admin.locator(".portal-messages").inner_text()
    shot(admin, "portal-04-registration-approved")
    admin.goto("/portal/account/users/")
    assert admin.locator("tr", has_text="Nina Newcomer").count() == 1
    shot(admin, "portal-05-account-users")

    mail = Notification.objects.get(event="account.registration_approved", to_address="nina.newcomer@acme.example")
    temporary = re.search(r"Temporary password:\s+(\S+)", mail.body).group(1)

    newcomer = portal_page_as(None)
    newcomer.goto("/portal/login/")
    shot(newcomer, "portal-06-sign-in")
    newcomer.fill("#id_username", "nina.newcomer@acme.example")
    newcomer.fill("#id_password", temporary)
    newcomer.click("main button[type=submit]")
    newcomer.wait_for_url("**/portal/password/change/")
    assert "temporary password" in newcomer.locator("main").inner_text()
    shot(newcomer, "portal-07-forced-password-change")
    newcomer.goto("/portal/account/")  # nothing else opens until the password is changed
    assert urlparse(newcomer.url).path == "/portal/password/change/"
    newcomer.fill("#id_old_password", temporary)
    newcomer.fill("#id_new_password1", NEW_PASSWORD)
    newcomer.fill("#id_new_password2", NEW_PASSWORD)
    newcomer.click("main button[type=submit]")
    newcomer.wait_for_url(re.compile(r".*/portal/$"))
    assert urlparse(newcomer.url).path == "/portal/"
    newcomer.goto("/portal/account/")
    assert "nina.newcomer@acme.example" in newcomer.locator("main").inner_text()
    shot(newcomer, "portal-08-account-after-change")


def test_the_account_pages_at_phone_size(portal_page_as, brand, world):
    phone = portal_page_as(None, viewport=PHONE)
    phone.goto("/portal/login/")
    shot(phone, "portal-09-sign-in-phone")
    phone.goto("/portal/register/")
    _fill_registration(phone, "WRONG")
    assert "Invalid registration code" in phone.locator("main").inner_text()
    shot(phone, "portal-10-register-wrong-code-phone")
    _fill_registration(phone, "ACME-2026")

    admin = portal_page_as("customer_admin", viewport=PHONE)
    admin.goto("/portal/account/registrations/")
    shot(admin, "portal-11-registrations-phone")
    admin.goto("/portal/account/users/")
    shot(admin, "portal-12-users-phone")
