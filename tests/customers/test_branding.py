"""The portal's branding: one active at most, colours validated, the logo's type sniffed, the
cached brand refreshed after a change, and readable text colours computed."""
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from customers import selectors_portal as selectors
from customers import services_branding as services
from customers.models import PortalBranding

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture(autouse=True)
def _fresh_cache(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cache.delete(selectors.BRANDING_CACHE_KEY)
    yield
    cache.delete(selectors.BRANDING_CACHE_KEY)


def test_without_branding_the_portal_uses_the_defaults(world):
    brand = selectors.branding_active()
    assert (brand.name, brand.primary, brand.has_logo) == (selectors.DEFAULT_NAME, selectors.DEFAULT_PRIMARY, False)


def test_activating_a_branding_deactivates_the_others(world):
    first = services.branding_create(actor=None, name="First", active=True)
    second = services.branding_create(actor=None, name="Second", active=True)
    first.refresh_from_db()
    assert (first.active, second.active) == (False, True)
    services.branding_update(actor=None, instance=first, active=True)
    assert list(PortalBranding.objects.filter(active=True).values_list("name", flat=True)) == ["First"]


def test_only_admins_change_the_branding(world):
    with pytest.raises(PermissionDenied):
        services.branding_create(actor=world.users["manager"], name="Nope")
    assert services.branding_create(actor=world.users["admin"], name="Yes").pk


@pytest.mark.parametrize("colour", ["red", "#12345", "#12345g", "123456", "#1234567"])
def test_colours_must_be_hex(world, colour):
    with pytest.raises(ValidationError) as exc:
        services.branding_create(actor=None, name="Bad", primary_color=colour)
    assert "primary_color" in exc.value.message_dict


def test_a_png_logo_is_stored_under_a_random_name_with_its_sniffed_type(world):
    branding = services.branding_create(
        actor=None, name="Logo", active=True, logo=SimpleUploadedFile("../../evil.svg", PNG, content_type="image/svg+xml")
    )
    assert branding.logo_content_type == "image/png"
    assert branding.logo.name.startswith("branding/") and branding.logo.name.endswith(".png")
    assert "evil" not in branding.logo.name


def test_an_svg_logo_is_refused_whatever_its_name(world):
    with pytest.raises(ValidationError) as exc:
        services.branding_create(actor=None, name="Logo", logo=SimpleUploadedFile("logo.png", SVG, content_type="image/png"))
    assert "SVG" in exc.value.message_dict["logo"][0]


def test_a_logo_over_the_limit_is_refused(world, settings):
    settings.PORTAL_LOGO_MAX_BYTES = 32
    with pytest.raises(ValidationError) as exc:
        services.branding_create(actor=None, name="Logo", logo=SimpleUploadedFile("logo.png", PNG))
    assert "logo" in exc.value.message_dict


def test_the_cached_brand_follows_a_change_after_commit(world, django_capture_on_commit_callbacks):
    assert selectors.branding_active().name == selectors.DEFAULT_NAME  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        services.branding_create(actor=None, name="Initech Care", primary_color="#FFD400", active=True)
    brand = selectors.branding_active()
    assert (brand.name, brand.primary) == ("Initech Care", "#ffd400")


@pytest.mark.parametrize(("background", "ink"), [("#1f5fbf", "#ffffff"), ("#ffd400", "#111827"), ("#000000", "#ffffff"),
                                                 ("#ffffff", "#111827")])
def test_the_ink_is_the_readable_one(background, ink):
    assert selectors.ink_for(background) == ink
    assert selectors.contrast_ratio(background, ink) >= 4.5
