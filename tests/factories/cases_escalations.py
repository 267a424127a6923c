"""Escalations, their templates, time entries and entitlement usage, created through their
services (numbers, approvers, the case's work notes and the ledger are real). Without a case,
each makes a new case for a new account."""
import datetime

import factory
from factory.django import DjangoModelFactory

from cases.models import CaseTimeEntry, EntitlementUsage, Escalation, EscalationTemplate

__all__ = ["EscalationTemplateFactory", "EscalationFactory", "CaseTimeEntryFactory", "EntitlementUsageFactory"]


def _case():
    from tests.factories.cases_work import case_for_work

    return case_for_work()


def _agent():
    from tests.factories.users import user_with_roles

    return user_with_roles("agent")


class EscalationTemplateFactory(DjangoModelFactory):
    class Meta:
        model = EscalationTemplate

    name = factory.Sequence(lambda n: f"Escalation template {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services.escalations import escalation_template_create

        return escalation_template_create(actor=None, **kwargs)


class EscalationFactory(DjangoModelFactory):
    """A case escalation requested by the system (no template: escalated at once)."""

    class Meta:
        model = Escalation

    case = factory.LazyFunction(_case)
    reason = "lack_of_progress"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services.escalations import escalation_request

        return escalation_request(actor=None, **kwargs)


class CaseTimeEntryFactory(DjangoModelFactory):
    class Meta:
        model = CaseTimeEntry

    case = factory.LazyFunction(_case)
    minutes = 30
    note = "Diagnosis"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services.entitlements import case_time_entry_add

        actor = kwargs.pop("actor", None) or _agent()
        return case_time_entry_add(actor=actor, **kwargs)


class EntitlementUsageFactory(DjangoModelFactory):
    """Usage made the real way: time logged on a case whose entitlement is counted in hours."""

    class Meta:
        model = EntitlementUsage

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from cases.services import case_create
        from catalog.services import entitlement_create
        from tests.factories.customers import AccountFactory

        account = AccountFactory()
        entitlement = entitlement_create(
            actor=None, name=f"Hours for {account.name}", account=account, channels=["web"],
            starts_on=datetime.date(2020, 1, 1), per_unit=True, unit="hours", total_units=10,
        )
        case = case_create(actor=None, short_description="Billable work", account=account)
        assert case.entitlement_id == entitlement.pk
        entry = CaseTimeEntryFactory(case=case, minutes=kwargs.get("minutes", 90))
        return entry.usage
