"""Case tasks and case lines, created through their services (numbers, derived parties and the
"blocked by" record are real). Without a `case`, each makes a new case for a new account."""
import factory
from factory.django import DjangoModelFactory

from cases.models import CaseLine, CaseTask

__all__ = ["CaseTaskFactory", "CaseLineFactory", "case_for_work"]


def case_for_work():
    from cases.services import case_create
    from tests.factories.customers import AccountFactory

    return case_create(actor=None, short_description="Needs work", account=AccountFactory())


class CaseTaskFactory(DjangoModelFactory):
    class Meta:
        model = CaseTask

    case = factory.LazyFunction(case_for_work)
    short_description = factory.Sequence(lambda n: f"Task {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services import case_task_create

        return case_task_create(actor=None, **kwargs)


class CaseLineFactory(DjangoModelFactory):
    class Meta:
        model = CaseLine

    case = factory.LazyFunction(case_for_work)
    short_description = factory.Sequence(lambda n: f"Line {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services import case_line_create

        return case_line_create(actor=None, **kwargs)
