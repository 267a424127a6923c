"""The demo data of escalations, entitlements and time worked (cases.demo_escalations)."""
from decimal import Decimal

import pytest
from django.core.management import call_command

from cases.models import Case, CaseTimeEntry, Escalation, EscalationTemplate
from catalog.models import Entitlement

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_world")]


def test_demo_escalations_entitlements_and_time():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert set(EscalationTemplate.objects.values_list("name", "is_default")) == {
        ("Case escalation", True), ("Account escalation", True)
    }
    export = Escalation.objects.get(case__short_description="Export to CSV returns error 500")
    assert (export.state, export.request_source, export.approved_by.username) == ("escalated", "customer", "mike")
    lyon = Escalation.objects.get(case__short_description="Lyon office: VPN slow in the mornings")
    assert lyon.state == "requested" and [u.username for u in lyon.approvers.all()] == ["maria"]

    printer = Case.objects.get(short_description="Printer GLX-PRN-001 makes a grinding noise")
    hours = Entitlement.objects.get(name="Globex printer hours")
    assert printer.entitlement == hours
    assert sum(e.minutes for e in CaseTimeEntry.objects.filter(case=printer)) == 75
    assert hours.remaining_units == Decimal("38.75")
    router = Case.objects.get(short_description="Router ACME-RTR-002 reboots at night")
    assert router.entitlement.name == "Acme premium (contract)"

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # a second run adds nothing
    assert Escalation.objects.count() == 2 and CaseTimeEntry.objects.count() == 3
