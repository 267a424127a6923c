import factory
from factory.django import DjangoModelFactory

from cases.models import CaseType

__all__ = ["CaseTypeFactory"]


class CaseTypeFactory(DjangoModelFactory):
    class Meta:
        model = CaseType
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Case type {n}")
    code = factory.Sequence(lambda n: f"type_{n}")
