"""The state table of reference 2.1, enforced through the lifecycle data and django-fsm."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.choices import StateCategory
from cases.lifecycles import lifecycle_install
from cases.models import CaseEvent
from core.exceptions import InvalidTransition
from tests.cases.conftest import act
from tests.factories import CaseTypeFactory

pytestmark = pytest.mark.django_db

RESOLVE = {"resolution_code": "solved_fixed", "close_notes": "Replaced the fuser."}


def to_open(world, case):
    return act(world, "agent", case, "assign-to-me")


def to_resolved(world, case):
    return act(world, "agent", to_open(world, case), "propose-solution", **RESOLVE)


def test_new_case_starts_new_with_defaults(open_case, world):
    assert (open_case.state, open_case.state_category) == ("new", StateCategory.NEW)
    assert open_case.priority == 4 and open_case.number.startswith("CS") and len(open_case.number) == 9
    assert open_case.account == world.account and open_case.opened_by == world.users["customer"]


def test_assign_to_me_opens_and_assigns(open_case, world):
    case = to_open(world, open_case)
    assert case.state == "open" and case.assigned_to == world.users["agent"] and case.assigned_at


def test_accept_is_for_the_assignee_only(open_case, world):
    services.case_assign(actor=world.users["manager"], case=open_case, assignment_group=world.group,
                         assigned_to=world.users["agent"])
    with pytest.raises(PermissionDenied):
        act(world, "manager", open_case, "accept")
    assert act(world, "agent", open_case, "accept").state == "open"


def test_request_info_needs_a_comment_and_posts_it_to_the_customer(open_case, world):
    case = to_open(world, open_case)
    with pytest.raises(ValidationError) as exc:
        act(world, "agent", case, "request-info")
    assert "comment" in exc.value.message_dict
    case = act(world, "agent", case, "request-info", comment="Which model?")
    assert case.state == "awaiting_info" and case.first_response_at is not None
    assert CaseEvent.objects.filter(case=case, kind="comment", body="Which model?", customer_visible=True).exists()


def test_customer_comment_on_awaiting_info_reopens(open_case, world):
    case = act(world, "agent", to_open(world, open_case), "request-info", comment="Which model?")
    services.case_comment_add(actor=world.users["customer"], case=case, body="LaserJet 4000")
    case.refresh_from_db()
    assert case.state == "open"


def test_agent_comment_on_awaiting_info_does_not_reopen(open_case, world):
    case = act(world, "agent", to_open(world, open_case), "request-info", comment="Which model?")
    services.case_comment_add(actor=world.users["agent"], case=case, body="Still waiting")
    case.refresh_from_db()
    assert case.state == "awaiting_info"


def test_propose_solution_requires_code_and_notes(open_case, world):
    case = to_open(world, open_case)
    with pytest.raises(ValidationError) as exc:
        act(world, "agent", case, "propose-solution", resolution_code="solved_fixed")
    assert "close_notes" in exc.value.message_dict
    case = act(world, "agent", case, "propose-solution", **RESOLVE)
    assert case.state == "resolved" and case.resolved_by == world.users["agent"]


def test_propose_solution_from_awaiting_info(open_case, world):
    case = act(world, "agent", to_open(world, open_case), "request-info", comment="?")
    assert act(world, "agent", case, "propose-solution", **RESOLVE).state == "resolved"


def test_notes_to_comments_copies_the_resolution_to_the_customer(open_case, world):
    case = act(world, "agent", to_open(world, open_case), "propose-solution", notes_to_comments=True, **RESOLVE)
    assert CaseEvent.objects.filter(case=case, kind="comment", body__contains="Replaced the fuser.").exists()


def test_only_the_customer_side_accepts_a_solution(open_case, world):
    case = to_resolved(world, open_case)
    with pytest.raises(PermissionDenied):
        act(world, "agent", case, "accept-solution")
    case = act(world, "customer", case, "accept-solution")
    assert case.state == "closed" and case.closed_by == world.users["customer"]


def test_customer_admin_of_the_account_may_accept(open_case, world):
    assert act(world, "customer_admin", to_resolved(world, open_case), "accept-solution").state == "closed"


def test_rejecting_a_solution_reopens_and_counts(open_case, world):
    case = to_resolved(world, open_case)
    with pytest.raises(ValidationError):
        act(world, "customer", case, "reject-solution")
    case = act(world, "customer", case, "reject-solution", reason="Still smoking")
    assert case.state == "open" and case.reopen_count == 1 and case.resolved_at is None


def test_agents_cannot_close_a_resolved_case(open_case, world):
    case = to_resolved(world, open_case)
    with pytest.raises(InvalidTransition) as exc:
        act(world, "agent", case, "close", **RESOLVE)
    assert exc.value.state == "resolved" and exc.value.allowed == []


def test_agent_close_needs_code_and_notes_customer_close_does_not(open_case, world):
    with pytest.raises(ValidationError):
        act(world, "agent", open_case, "close")
    case = act(world, "customer", open_case, "close")
    assert case.state == "closed" and case.resolution_code == "solved_by_customer"


def test_cancel_only_from_new_with_a_reason(open_case, world):
    with pytest.raises(ValidationError):
        act(world, "agent", open_case, "cancel")
    assert act(world, "agent", open_case, "cancel", reason="Duplicate").state == "cancelled"


def test_refused_action_names_state_and_allowed_actions(open_case, world):
    case = to_open(world, open_case)
    with pytest.raises(InvalidTransition) as exc:
        act(world, "agent", case, "accept-solution")
    assert exc.value.state == "open"
    assert "request-info" in exc.value.allowed and "propose-solution" in exc.value.allowed


@pytest.mark.parametrize("finish", ["close", "cancel"])
def test_closed_and_cancelled_cases_are_read_only(finish, open_case, world):
    inputs = {"reason": "x"} if finish == "cancel" else RESOLVE
    case = act(world, "agent", open_case, finish, **inputs)
    for attempt in (
        lambda: services.case_update(actor=world.users["agent"], instance=case, short_description="edit"),
        lambda: services.case_comment_add(actor=world.users["customer"], case=case, body="hello"),
        lambda: services.case_work_note_add(actor=world.users["agent"], case=case, body="note"),
        lambda: act(world, "agent", case, "assign-to-me"),
    ):
        with pytest.raises(InvalidTransition):
            attempt()


def test_outsiders_cannot_act(open_case, world):
    with pytest.raises(PermissionDenied):
        act(world, "other_customer", open_case, "close")


def test_every_state_change_is_on_the_timeline(open_case, world):
    to_resolved(world, open_case)
    changes = list(CaseEvent.objects.filter(case=open_case, kind="state_changed").values_list("old", "new"))
    assert changes == [("new", "open"), ("open", "resolved")]


def test_custom_lifecycle_states_are_enforced(world):
    onboarding = lifecycle_install("onboarding")
    case_type = CaseTypeFactory(code="onboard-x", lifecycle=onboarding)
    case = services.case_create(actor=world.users["agent"], short_description="New site", account=world.account,
                                case_type=case_type)
    case = act(world, "agent", case, "assign-to-me")
    with pytest.raises(InvalidTransition):
        act(world, "agent", case, "propose-solution", **RESOLVE)  # onboarding reviews first
    case = act(world, "agent", case, "submit-for-review", comment="Ready")
    assert (case.state, case.state_category) == ("under_review", StateCategory.OPEN)
    case = act(world, "agent", case, "complete-review")
    assert act(world, "agent", case, "propose-solution", **RESOLVE).state == "resolved"


def test_allowed_actions_follow_the_side(open_case, world):
    case = to_resolved(world, open_case)
    assert services.case_allowed_actions(case, world.users["customer"]) == ["accept-solution", "reject-solution"]
    assert services.case_allowed_actions(case, world.users["agent"]) == []
