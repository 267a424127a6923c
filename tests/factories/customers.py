import factory
from factory.django import DjangoModelFactory

from customers.models import Account, AccountRelationship, Consumer, Contact, ContactRelationship, Location

__all__ = [
    "AccountFactory", "ContactFactory", "ConsumerFactory", "ContactRelationshipFactory",
    "AccountRelationshipFactory", "LocationFactory",
]


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Faker("company")
    parent = None
    is_customer = True
    is_partner = False

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from customers.services import account_create

        return account_create(actor=None, **kwargs)  # number and hierarchy path are derived


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@example.com".lower())


class ConsumerFactory(DjangoModelFactory):
    class Meta:
        model = Consumer

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda c: f"{c.first_name}.{c.last_name}@example.net".lower())


class ContactRelationshipFactory(DjangoModelFactory):
    class Meta:
        model = ContactRelationship

    contact = factory.SubFactory(ContactFactory)
    account = factory.SubFactory(AccountFactory)


class AccountRelationshipFactory(DjangoModelFactory):
    class Meta:
        model = AccountRelationship

    from_account = factory.SubFactory(AccountFactory, is_partner=True)
    to_account = factory.SubFactory(AccountFactory)


class LocationFactory(DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Faker("city")
    account = factory.SubFactory(AccountFactory)
    city = factory.Faker("city")
