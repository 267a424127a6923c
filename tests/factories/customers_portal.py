import factory
from factory.django import DjangoModelFactory

from customers.models import PortalBranding, RegistrationRequest
from tests.factories.customers import AccountFactory

__all__ = ["PortalBrandingFactory", "RegistrationRequestFactory"]


class PortalBrandingFactory(DjangoModelFactory):
    """Inactive by default, so a test that makes one does not change every page's look."""

    class Meta:
        model = PortalBranding

    name = factory.Sequence(lambda n: f"Brand {n}")
    primary_color = "#1f5fbf"
    accent_color = "#e8a33d"
    active = False


class RegistrationRequestFactory(DjangoModelFactory):
    """Pending, as submitted (approval and rejection come from the services)."""

    class Meta:
        model = RegistrationRequest

    account = factory.SubFactory(AccountFactory, registration_code=factory.Sequence(lambda n: f"CODE-{n}"))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"registrant{n}@example.org")
