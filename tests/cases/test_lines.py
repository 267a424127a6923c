"""Case lines (reference 5.3): their own states, validation, and the roll-up rules with the case."""
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.exceptions import PermissionDenied, ValidationError

from cases import selectors_work, services
from cases.models import CaseEvent
from core.exceptions import InvalidTransition
from tests.cases.conftest import act
from tests.factories import AssetFactory, SoldProductFactory

pytestmark = pytest.mark.django_db

ACCEPT = {"resolution_code": "change_approved", "resolution_notes": "Quantity raised to 12."}


@pytest.fixture
def line(world, open_case):
    return services.case_line_create(actor=world.users["agent"], case=open_case, short_description="12 licences")


def add_line(world, case, **fields):
    return services.case_line_create(actor=world.users["agent"], case=case, short_description="line", **fields)


def agent_does(world, service, line, **kwargs):
    return service(actor=world.users["agent"], line=line, **kwargs)


def test_line_number_is_csl_and_seven_digits(line):
    assert re.fullmatch(r"CSL\d{7}", line.number)


def test_line_takes_account_and_contact_from_its_case(line, world):
    assert (line.account, line.contact, line.state, line.priority) == (
        world.account, world.contacts["customer"], "new", 4,
    )


def test_line_can_start_in_draft_and_be_submitted(world, open_case):
    line = add_line(world, open_case, draft=True)
    assert line.state == "draft"
    assert agent_does(world, services.case_line_submit, line).state == "new"


def test_priority_five_is_planning_and_six_is_refused(world, open_case):
    assert add_line(world, open_case, priority=5).get_priority_display() == "5 - Planning"
    with pytest.raises(ValidationError) as exc:
        add_line(world, open_case, priority=6)
    assert "priority" in exc.value.message_dict


def test_line_walks_its_states_to_accepted(line, world):
    line = agent_does(world, services.case_line_start, line)
    line = agent_does(world, services.case_line_request_info, line)
    assert line.state == "awaiting_info"
    line = agent_does(world, services.case_line_info_received, line)
    line = agent_does(world, services.case_line_accept, line, **ACCEPT)
    assert (line.state, line.resolution_code, line.resolved_by) == ("resolved_accepted", "change_approved", world.users["agent"])


def test_accept_needs_a_resolution_code_and_notes(line, world):
    line = agent_does(world, services.case_line_start, line)
    with pytest.raises(ValidationError) as exc:
        agent_does(world, services.case_line_accept, line)
    assert {"resolution_code", "resolution_notes"} <= set(exc.value.message_dict)


def test_deny_needs_notes(line, world):
    line = agent_does(world, services.case_line_start, line)
    with pytest.raises(ValidationError) as exc:
        agent_does(world, services.case_line_deny, line)
    assert "resolution_notes" in exc.value.message_dict
    assert agent_does(world, services.case_line_deny, line, resolution_notes="Out of stock").state == "resolved_denied"


def test_accepting_a_new_line_is_409_naming_state_and_allowed(line, world):
    with pytest.raises(InvalidTransition) as exc:
        agent_does(world, services.case_line_accept, line, **ACCEPT)
    assert (exc.value.state, exc.value.allowed) == ("new", ["cancel", "start"])


def test_terminal_line_cannot_be_edited(line, world):
    agent_does(world, services.case_line_cancel, line)
    with pytest.raises(InvalidTransition):
        services.case_line_update(actor=world.users["agent"], instance=line, priority=1)


def test_line_of_closed_case_is_read_only(line, open_case, world):
    act(world, "agent", open_case, "cancel", reason="Duplicate")
    with pytest.raises(InvalidTransition):
        agent_does(world, services.case_line_start, line)
    with pytest.raises(InvalidTransition):
        add_line(world, open_case)


def test_parent_line_must_be_on_the_same_case(line, world):
    other = services.case_create(actor=world.users["agent"], short_description="Other", account=world.account)
    with pytest.raises(ValidationError) as exc:
        add_line(world, other, parent_line=line)
    assert "parent_line" in exc.value.message_dict


def test_line_cannot_be_below_itself(line, world, open_case):
    child = add_line(world, open_case, parent_line=line)
    with pytest.raises(ValidationError) as exc:
        services.case_line_update(actor=world.users["agent"], instance=line, parent_line=child)
    assert "parent_line" in exc.value.message_dict


def test_asset_must_belong_to_the_case_customer_and_gives_the_product(world, open_case):
    mine = AssetFactory(account=world.account)
    assert add_line(world, open_case, asset=mine).product == mine.product
    with pytest.raises(ValidationError) as exc:
        add_line(world, open_case, asset=AssetFactory(account=world.other_account))
    assert "asset" in exc.value.message_dict


def test_sold_product_of_another_customer_is_refused(world, open_case):
    with pytest.raises(ValidationError) as exc:
        add_line(world, open_case, sold_product=SoldProductFactory(account=world.other_account))
    assert "sold_product" in exc.value.message_dict


def test_customer_cannot_create_or_work_lines(line, world, open_case):
    with pytest.raises(PermissionDenied):
        services.case_line_create(actor=world.users["customer"], case=open_case, short_description="x")
    with pytest.raises(PermissionDenied):
        services.case_line_start(actor=world.users["customer"], line=line)


def test_customer_sees_the_lines_of_their_cases_only(line, world):
    assert list(selectors_work.case_line_list_for_user(user=world.users["customer"])) == [line]
    assert not selectors_work.case_line_list_for_user(user=world.users["other_customer"]).exists()


def test_line_events_are_internal(line, open_case):
    event = CaseEvent.objects.get(case=open_case, body__contains=line.number)
    assert event.kind == "task" and not event.customer_visible


# --- roll-up with the case ------------------------------------------------------------------------
def test_starting_a_line_opens_a_new_case(line, open_case, world):
    agent_does(world, services.case_line_start, line)
    open_case.refresh_from_db()
    assert (open_case.state, open_case.assigned_to) == ("open", world.users["agent"])


def test_starting_a_line_leaves_the_case_when_the_actor_may_not_open_it(world, open_case):
    services.case_assign(actor=world.users["manager"], case=open_case, assigned_to=world.users["manager"])
    line = add_line(world, open_case)
    # The agent is not the assignee (no "accept"), but may still "assign to me" in Tier 1.
    agent_does(world, services.case_line_start, line)
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_case_opening_moves_new_lines_to_work_in_progress(world, open_case):
    new, draft = add_line(world, open_case), add_line(world, open_case, draft=True)
    act(world, "agent", open_case, "assign-to-me")  # case_act runs the roll-up
    new.refresh_from_db()
    draft.refresh_from_db()
    assert (new.state, draft.state) == ("work_in_progress", "draft")


def test_starting_one_line_opens_the_case_and_moves_the_other_new_lines(world, open_case):
    first, second = add_line(world, open_case), add_line(world, open_case)
    agent_does(world, services.case_line_start, first)
    open_case.refresh_from_db()
    second.refresh_from_db()
    assert open_case.state == "open" and second.state == "work_in_progress"


def test_case_cancel_cancels_draft_and_new_lines(world, open_case):
    draft, new = add_line(world, open_case, draft=True), add_line(world, open_case)
    act(world, "agent", open_case, "cancel", reason="Customer withdrew")
    for row in (draft, new):
        row.refresh_from_db()
    assert (draft.state, new.state) == ("cancelled", "cancelled")


def test_cancel_roll_up_leaves_lines_in_work(world, open_case):
    working = add_line(world, open_case)
    agent_does(world, services.case_line_start, working)
    services.case_lines_on_case_transition(open_case, "open", "cancelled", world.users["agent"])
    working.refresh_from_db()
    assert working.state == "work_in_progress"


def test_a_case_with_open_lines_cannot_be_resolved(world, open_case):
    line = add_line(world, open_case)
    act(world, "agent", open_case, "assign-to-me")
    with pytest.raises(ValidationError) as exc:
        act(world, "agent", open_case, "propose-solution", resolution_code="solved_fixed", close_notes="x")
    line.refresh_from_db()
    assert line.number in exc.value.message_dict["lines"][0]


def test_other_case_transitions_leave_lines_alone(line, world, open_case):
    assert services.case_lines_on_case_transition(open_case, "open", "awaiting", world.users["agent"]) == []


def test_case_may_close_only_when_every_line_is_terminal(world, open_case):
    first, second = add_line(world, open_case), add_line(world, open_case)
    assert services.case_lines_block_close(open_case) == [first.number, second.number]
    assert not services.case_lines_allow_close(open_case)
    agent_does(world, services.case_line_cancel, first)
    agent_does(world, services.case_line_start, second)
    agent_does(world, services.case_line_accept, second, **ACCEPT)
    assert services.case_lines_block_close(open_case) == [] and services.case_lines_allow_close(open_case)
    assert CaseEvent.objects.filter(case=open_case, body__startswith="Every case line is resolved").exists()


def test_case_without_lines_may_close(open_case):
    assert services.case_lines_allow_close(open_case)
