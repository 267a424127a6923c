"""Needs attention and "blocked by" (reference 2.3): who sets the flag, who clears it, and the
"Need information from the customer" entry of a request for information."""
import pytest
from django.core.exceptions import PermissionDenied

from cases import services
from cases.models import Case, CaseBlocker
from cases.services import attention
from core.exceptions import InvalidTransition
from tests.cases.conftest import act
from tests.factories import user_with_roles
from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(world, open_case):
    """Dana's case, taken by agent_alice (open)."""
    return act(world, "agent", open_case, "assign-to-me")


@pytest.fixture
def other_agent(world):
    return user_with_roles("agent", username="agent_bob")


def comment(world, case, persona_or_user, body="Hello"):
    actor = world.users[persona_or_user] if isinstance(persona_or_user, str) else persona_or_user
    services.case_comment_add(actor=actor, case=case, body=body)
    return Case.objects.get(pk=case.pk)


def flag(case):
    return Case.objects.get(pk=case.pk).needs_attention


# --- who sets it ---------------------------------------------------------------------------------
@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner"])
def test_a_customer_side_comment_flags_the_case(world, assigned, persona):
    assert comment(world, assigned, persona).needs_attention is True


def test_the_assignees_own_comment_does_not(world, assigned):
    assert comment(world, assigned, "agent").needs_attention is False


def test_another_agents_comment_flags_an_assigned_case(world, assigned, other_agent):
    assert comment(world, assigned, other_agent).needs_attention is True


def test_an_agents_comment_on_an_unassigned_case_does_not(world, open_case):
    assert comment(world, open_case, "agent").needs_attention is False


def test_a_work_note_does_not(world, assigned, other_agent):
    services.case_work_note_add(actor=other_agent, case=assigned, body="Internal")
    assert flag(assigned) is False


def test_a_closing_task_flags_the_case(world, assigned):
    task = services.case_task_create(actor=world.users["agent"], case=assigned, short_description="Order part")
    services.case_task_close(actor=world.users["agent"], task=task, close_notes="Arrived")
    assert flag(assigned) is True


# --- who clears it -------------------------------------------------------------------------------
@pytest.fixture
def flagged(world, assigned):
    return comment(world, assigned, "customer", "Any news?")


@persona_matrix(
    anonymous=401, other_customer=404, customer=403, customer_admin=403, partner=403, agent=200, manager=200,
    admin=200,
)
def test_clear_attention_access(persona, expected, api_as, flagged):
    response = api_as(persona).post(f"/api/v1/cases/{flagged.pk}/clear-attention/")
    assert_status(response, expected)
    assert flag(flagged) is (expected != 200)
    if expected == 200:
        assert response.data["needs_attention"] is False


def test_an_agent_who_is_not_the_assignee_cannot_clear_it(world, flagged, other_agent):
    with pytest.raises(PermissionDenied):
        attention.case_attention_clear(actor=other_agent, case=flagged)
    assert flag(flagged) is True


def test_patch_clear_follows_the_same_rule(api_as, world, flagged, other_agent):
    from rest_framework.test import APIClient

    bob = APIClient()
    bob.force_authenticate(other_agent)
    assert_status(bob.patch(f"/api/v1/cases/{flagged.pk}/", {"needs_attention": False}), 403)
    assert flag(flagged) is True
    assert_status(api_as("agent").patch(f"/api/v1/cases/{flagged.pk}/", {"needs_attention": False}), 200)
    assert flag(flagged) is False


def test_any_agent_may_raise_the_flag(api_as, world, assigned, other_agent):
    from rest_framework.test import APIClient

    bob = APIClient()
    bob.force_authenticate(other_agent)
    assert_status(bob.patch(f"/api/v1/cases/{assigned.pk}/", {"needs_attention": True}), 200)
    assert flag(assigned) is True


def test_clearing_is_on_the_timeline_for_agents_only(world, flagged):
    attention.case_attention_clear(actor=world.users["manager"], case=flagged)
    change = flagged.events.get(kind="field_changed", field="needs_attention")
    assert (change.old, change.new, change.customer_visible) == ("True", "False", False)


def test_clearing_a_clear_case_changes_nothing(world, assigned):
    before = Case.objects.get(pk=assigned.pk).version
    attention.case_attention_clear(actor=world.users["agent"], case=assigned)
    assert Case.objects.get(pk=assigned.pk).version == before


def test_a_closed_case_cannot_be_cleared(world, flagged):
    act(world, "agent", flagged, "close", resolution_code="solved_fixed", close_notes="Done")
    with pytest.raises(InvalidTransition):
        attention.case_attention_clear(actor=world.users["agent"], case=flagged)


# --- blocked by: need information from the customer ----------------------------------------------
def customer_info(case):
    return CaseBlocker.objects.filter(case=case, reason="customer_info")


def test_requesting_info_blocks_the_case_on_the_customer(world, assigned):
    act(world, "agent", assigned, "request-info", comment="Which model is it?")
    blocker = customer_info(assigned).get()
    assert blocker.resolved_at is None and blocker.task is None
    assert str(blocker).endswith("Need information from the customer")


def test_the_customers_reply_resolves_it_and_flags_the_case(world, assigned):
    act(world, "agent", assigned, "request-info", comment="Which model is it?")
    case = comment(world, assigned, "customer", "An LJ-4000.")
    assert case.state == "open" and case.needs_attention is True
    assert customer_info(case).get().resolved_at is not None


def test_the_customers_info_received_action_flags_the_case_too(world, assigned):
    act(world, "agent", assigned, "request-info", comment="Which model is it?")
    case = act(world, "customer", assigned, "info-received")
    assert flag(case) is True and customer_info(case).get().resolved_at is not None


def test_an_agent_taking_info_received_resolves_it_without_a_flag(world, assigned):
    act(world, "agent", assigned, "request-info", comment="Which model is it?")
    case = act(world, "agent", assigned, "info-received")
    assert flag(case) is False and customer_info(case).get().resolved_at is not None


def test_each_request_gets_its_own_entry_one_open_at_a_time(world, assigned):
    act(world, "agent", assigned, "request-info", comment="First?")
    act(world, "agent", assigned, "info-received")
    act(world, "agent", assigned, "request-info", comment="Second?")
    assert customer_info(assigned).count() == 2 and customer_info(assigned).filter(resolved_at=None).count() == 1


def test_the_database_holds_one_open_customer_info_entry(world, assigned):
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    act(world, "agent", assigned, "request-info", comment="First?")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseBlocker.objects.create(case=assigned, reason="customer_info", created_at=timezone.now())


# --- GET /cases/{id}/blocked-by/ -----------------------------------------------------------------
@matrix(customer=403, customer_admin=403, partner=403)
def test_blocked_by_access(persona, expected, api_as, world, assigned):
    act(world, "agent", assigned, "request-info", comment="Model?")
    response = api_as(persona).get(f"/api/v1/cases/{assigned.pk}/blocked-by/")
    assert_status(response, expected)
    if expected == 200:
        assert [r["reason"] for r in response.data["results"]] == ["customer_info"]


def test_blocked_by_lists_open_entries_first(api_as, world, assigned):
    task = services.case_task_create(actor=world.users["agent"], case=assigned, short_description="Part")
    act(world, "agent", assigned, "request-info", comment="Model?")
    services.case_task_close(actor=world.users["agent"], task=task, close_notes="Done")
    rows = api_as("agent").get(f"/api/v1/cases/{assigned.pk}/blocked-by/").data["results"]
    assert [(r["reason"], r["resolved_at"] is None) for r in rows] == [("customer_info", True), ("task", False)]
    assert rows[1]["task_number"] == task.number


def test_blocked_by_query_count_is_bounded(api_as, world, assigned, django_assert_max_num_queries):
    counts = []
    for total in (2, 10):
        while assigned.blockers.count() < total:
            services.case_task_create(actor=world.users["agent"], case=assigned, short_description="Part")
        with django_assert_max_num_queries(8) as captured:
            response = api_as("agent").get(f"/api/v1/cases/{assigned.pk}/blocked-by/?page_size=50")
        assert response.data["count"] == total
        counts.append(len(captured))
    assert counts[0] == counts[1]
