"""SLA definitions (through their service, so conditions are cleaned) and task SLAs (attached the
real way: a definition scoped to a fresh account, then a case of that account is opened)."""
import datetime

import factory
from factory.django import DjangoModelFactory

from cases.models import SlaDefinition, TaskSla

__all__ = ["SlaDefinitionFactory", "TaskSlaFactory", "NEW", "AWAITING", "RESOLVED"]

NEW = [{"field": "state_category", "op": "eq", "value": "new"}]
AWAITING = [{"field": "state_category", "op": "eq", "value": "awaiting"}]
RESOLVED = [{"field": "state_category", "op": "in", "value": ["resolved", "closed"]}]


class SlaDefinitionFactory(DjangoModelFactory):
    class Meta:
        model = SlaDefinition

    name = factory.Sequence(lambda n: f"SLA {n}")
    target = "resolution"
    duration = datetime.timedelta(hours=8)
    start_condition = factory.LazyFunction(lambda: list(NEW))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services import sla_definition_create

        return sla_definition_create(actor=None, **kwargs)


def _task_sla(**definition_fields) -> TaskSla:
    from cases.services import case_create
    from tests.factories.customers import AccountFactory

    account = AccountFactory()
    definition = SlaDefinitionFactory(account=account, **definition_fields)
    case = case_create(actor=None, short_description="Has an SLA", account=account)
    return TaskSla.objects.get(case=case, definition=definition)


class TaskSlaFactory(DjangoModelFactory):
    """TaskSlaFactory() -> the task SLA a new case got from a new definition (kwargs go to the
    definition)."""

    class Meta:
        model = TaskSla

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return _task_sla(**kwargs)
