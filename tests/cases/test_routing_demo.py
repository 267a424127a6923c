"""seed_demo's routing: rules, presence, and two new portal cases the rules route."""
import pytest
from django.core.management import call_command

from cases.models import AssignmentRule, Case, CaseOffer
from cases.models.routing import OfferState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_world")]


def test_seed_demo_sets_up_routing_and_routes_two_cases():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert AssignmentRule.objects.filter(active=True).count() == 3
    printer = Case.objects.get(short_description="Demo routing: the printer prints blank pages")
    router = Case.objects.get(short_description="Demo routing: the EdgeRouter drops VPN tunnels")
    assert printer.assignment_group.name == router.assignment_group.name == "Tier 1"
    offers = {o.case_id: o.agent.username for o in CaseOffer.objects.filter(state=OfferState.OFFERED)}
    assert offers[router.pk] == "alice"  # the only available networker
    assert offers[printer.pk] in ("alice", "bob")  # round robin among the available
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert CaseOffer.objects.count() == 2 and AssignmentRule.objects.count() == 3
