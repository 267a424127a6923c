"""FastReadMixin renders exactly what DRF renders, for every field of a fully filled case and of
timeline entries."""
import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from cases import services
from cases.api.serializers import CaseDetailSerializer, CaseEventSerializer, CaseSerializer
from cases.choices import CaseCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_case(world):
    from tests import factories as f

    agent = world.users["agent"]
    product = f.ProductFactory()
    case = services.case_create(
        actor=agent, short_description="Everything set", description="Long text", account=world.account,
        contact=world.contacts["customer"], product=product, assignment_group=world.group, assigned_to=agent,
        impact=1, urgency=2, channel="phone",
    )
    services.case_act(actor=agent, case=case, action="accept")
    services.case_comment_add(actor=agent, case=case, body="Looking")
    case.refresh_from_db()
    case.category = CaseCategory.QUESTION  # an enum member in memory renders as its value
    return case


@pytest.mark.parametrize("internal", [True, False])
def test_case_rendering_matches_drf(world, full_case, internal):
    request = APIRequestFactory().get("/")
    request.user = world.users["agent" if internal else "customer"]
    context = {"request": request, "internal": internal}
    for serializer_class in (CaseSerializer, CaseDetailSerializer):
        fast = serializer_class(full_case, context=context).data
        swap = FastReadMixinSwap(None)
        try:
            plain = serializer_class(full_case, context=context).data
        finally:
            swap.restore()
        assert fast == plain
        assert list(fast) == list(plain)
    assert CaseSerializer(full_case, context=context).data["category"] == "question"


class FastReadMixinSwap:
    """Temporarily route the mixin's to_representation to DRF's for this instance's class."""

    def __init__(self, obj):
        from core.api.rendering import FastReadMixin

        self.cls = FastReadMixin
        self.saved = FastReadMixin.to_representation
        FastReadMixin.to_representation = serializers.Serializer.to_representation

    def restore(self):
        self.cls.to_representation = self.saved


def test_event_rendering_matches_drf(world, full_case):
    request = APIRequestFactory().get("/")
    request.user = world.users["agent"]
    events = list(full_case.events.select_related("author"))
    fast = CaseEventSerializer(events, many=True, context={"request": request}).data
    swap = FastReadMixinSwap(None)
    try:
        plain = CaseEventSerializer(events, many=True, context={"request": request}).data
    finally:
        swap.restore()
    assert fast == plain and len(fast) >= 3


@pytest.mark.parametrize("zone", ["UTC", "Europe/Paris", "America/St_Johns"])
def test_datetimes_render_like_drf_in_any_current_time_zone(world, full_case, zone):
    """The fast path converts to the current time zone and writes UTC as 'Z', like DRF."""
    from django.utils import timezone

    request = APIRequestFactory().get("/")
    request.user = world.users["agent"]
    context = {"request": request, "internal": True}
    with timezone.override(zone):
        fast = CaseSerializer(full_case, context=context).data
        swap = FastReadMixinSwap(None)
        try:
            plain = CaseSerializer(full_case, context=context).data
        finally:
            swap.restore()
    assert fast == plain
    assert fast["opened_at"].endswith("Z") == (zone == "UTC")


def test_plan_is_per_class_and_keeps_no_instance():
    """The plan is built once per serializer class from bound fields and holds no serializer (so
    no request) of the instance that built it."""
    first = CaseSerializer(context={"internal": True})
    plan = first._render_plan()
    assert CaseSerializer(context={"internal": False})._render_plan() is plan
    assert CaseDetailSerializer(context={})._render_plan() is not plan
    kinds = {step[0]: step[1] for step in plan}
    assert kinds["id"] == kinds["number"] == "plain"
    assert kinds["opened_at"] == "datetime" and kinds["escalation"] == "method"
    assert not any(isinstance(part, serializers.BaseSerializer) for step in plan for part in step)


def test_input_fields_are_copies_bound_to_their_own_serializer(world):
    """SimpleInputMixin hands each serializer its own copies: scoped ids resolve for the user of
    that serializer's request, never for another's."""
    from cases.api.serializers import CaseCreateSerializer

    def serializer(persona, contact):
        request = APIRequestFactory().post("/")
        request.user = world.users[persona]
        return CaseCreateSerializer(data={"short_description": "x", "contact": contact.pk}, context={"request": request})

    outsider = world.contacts.get("other_customer") or next(
        c for c in world.contacts.values() if c.account_id != world.account.pk
    )
    agent, customer = serializer("agent", outsider), serializer("customer", outsider)
    assert agent.fields["contact"] is not customer.fields["contact"]
    assert agent.fields["contact"].parent is agent and customer.fields["contact"].parent is customer
    assert agent.is_valid(), agent.errors
    assert not customer.is_valid() and "contact" in customer.errors
    assert agent.validated_data["contact"] == outsider
