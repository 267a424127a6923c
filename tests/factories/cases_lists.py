"""Saved case filters, created through their service (the owner is an agent)."""
import factory
from factory.django import DjangoModelFactory

from cases.models import SavedCaseFilter

__all__ = ["SavedCaseFilterFactory"]


def _agent():
    from tests.factories.users import user_with_roles

    return user_with_roles("agent")


class SavedCaseFilterFactory(DjangoModelFactory):
    class Meta:
        model = SavedCaseFilter

    owner = factory.LazyFunction(_agent)
    name = factory.Sequence(lambda n: f"My filter {n}")
    view = "all_open"
    query = "priority=1&priority=2"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services.lists import saved_case_filter_create

        return saved_case_filter_create(actor=kwargs.pop("owner"), **kwargs)
