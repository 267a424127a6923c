import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases.choices import EventKind, StateCategory
from cases.models import Case, CaseEvent, CaseTypeField, Lifecycle, LifecycleState, LifecycleTransition
from tests.factories.cases import CaseTypeFactory
from tests.factories.customers import AccountFactory

__all__ = [
    "CaseFactory", "CaseEventFactory", "CaseTypeFieldFactory", "LifecycleFactory", "LifecycleStateFactory",
    "LifecycleTransitionFactory",
]


class CaseFactory(DjangoModelFactory):
    """A new case (initial state of the default lifecycle), opened through the service."""

    class Meta:
        model = Case

    short_description = factory.Faker("sentence", nb_words=5)
    account = factory.SubFactory(AccountFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services import case_create

        return case_create(actor=None, **kwargs)  # number, lifecycle, state and timeline are derived


class CaseEventFactory(DjangoModelFactory):
    class Meta:
        model = CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = EventKind.WORK_NOTE
    body = factory.Faker("sentence")
    created_at = factory.LazyFunction(timezone.now)


class CaseTypeFieldFactory(DjangoModelFactory):
    class Meta:
        model = CaseTypeField

    case_type = factory.SubFactory(CaseTypeFactory)
    name = factory.Sequence(lambda n: f"field_{n}")
    label = factory.Sequence(lambda n: f"Field {n}")


class LifecycleFactory(DjangoModelFactory):
    class Meta:
        model = Lifecycle

    name = factory.Sequence(lambda n: f"Lifecycle {n}")
    code = factory.Sequence(lambda n: f"lifecycle_{n}")


class LifecycleStateFactory(DjangoModelFactory):
    class Meta:
        model = LifecycleState

    lifecycle = factory.SubFactory(LifecycleFactory)
    code = factory.Sequence(lambda n: f"state_{n}")
    label = factory.Sequence(lambda n: f"State {n}")
    category = StateCategory.OPEN


class LifecycleTransitionFactory(DjangoModelFactory):
    class Meta:
        model = LifecycleTransition

    lifecycle = factory.SubFactory(LifecycleFactory)
    action = factory.Sequence(lambda n: f"action-{n}")
    label = factory.Sequence(lambda n: f"Action {n}")
    source = factory.SubFactory(LifecycleStateFactory, lifecycle=factory.SelfAttribute("..lifecycle"))
    target = factory.SubFactory(LifecycleStateFactory, lifecycle=factory.SelfAttribute("..lifecycle"))
