"""Case tasks (reference 5.4) and the "blocked by" record they put on their case (2.3)."""
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import selectors_work, services
from cases.models import CaseBlocker, CaseEvent
from core.exceptions import InvalidTransition
from tests.cases.conftest import act
from tests.factories import user_with_roles
from users import services as user_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(world, open_case):
    return services.case_task_create(actor=world.users["agent"], case=open_case, short_description="Ship a fuser")


@pytest.fixture
def back_office(world):
    """A case_task_agent in the Back office group."""
    clerk = user_with_roles("case_task_agent", username="clerk_cleo")
    group = user_services.assignment_group_create(actor=None, name="Back office", members=[clerk])
    return clerk, group


def test_task_number_is_cstask_and_seven_digits(task):
    assert re.fullmatch(r"CSTASK\d{7}", task.number)


def test_task_starts_open_with_default_priority(task, world):
    assert (task.state, task.priority, task.opened_by) == ("open", 4, world.users["agent"])


def test_task_takes_account_and_contact_from_its_case(task, open_case, world):
    assert (task.account, task.contact, task.consumer) == (world.account, world.contacts["customer"], None)


def test_creating_a_task_blocks_the_case(task, open_case):
    blockers = list(selectors_work.case_blockers(open_case))
    assert [b.task_id for b in blockers] == [task.pk] and selectors_work.case_is_blocked(open_case)


def test_closing_the_task_resolves_the_block_and_flags_the_case(task, open_case, world):
    services.case_task_close(actor=world.users["agent"], task=task, close_notes="Shipped")
    open_case.refresh_from_db()
    assert not selectors_work.case_is_blocked(open_case) and open_case.needs_attention
    assert CaseBlocker.objects.get(task=task).resolved_at is not None


def test_cancelling_the_task_resolves_the_block(task, open_case, world):
    task = services.case_task_cancel(actor=world.users["agent"], task=task, reason="Not needed")
    assert task.state == "cancelled" and task.closed_by == world.users["agent"]
    assert not selectors_work.case_is_blocked(open_case)


def test_close_needs_close_notes(task, world):
    with pytest.raises(ValidationError) as exc:
        services.case_task_close(actor=world.users["agent"], task=task, close_notes=" ")
    assert "close_notes" in exc.value.message_dict


def test_closing_a_closed_task_is_409_naming_state_and_allowed(task, world):
    services.case_task_close(actor=world.users["agent"], task=task, close_notes="Done")
    with pytest.raises(InvalidTransition) as exc:
        services.case_task_cancel(actor=world.users["agent"], task=task)
    assert (exc.value.state, exc.value.allowed, exc.value.action) == ("closed", [], "cancel")


def test_open_task_allows_close_and_cancel(task, world):
    assert services.case_task_allowed_actions(task, world.users["agent"]) == ["cancel", "close", "comment"]
    assert services.case_task_allowed_actions(task, world.users["customer"]) == []


def test_closed_task_cannot_be_edited(task, world):
    services.case_task_close(actor=world.users["agent"], task=task, close_notes="Done")
    with pytest.raises(InvalidTransition):
        services.case_task_update(actor=world.users["agent"], instance=task, priority=1)


def test_task_on_closed_case_is_read_only(task, open_case, world):
    act(world, "agent", open_case, "cancel", reason="Duplicate")
    with pytest.raises(InvalidTransition):
        services.case_task_close(actor=world.users["agent"], task=task, close_notes="Done")
    with pytest.raises(InvalidTransition):
        services.case_task_create(actor=world.users["agent"], case=open_case, short_description="More")


def test_assignee_must_belong_to_the_group(world, open_case, back_office):
    clerk, group = back_office
    with pytest.raises(ValidationError) as exc:
        services.case_task_create(
            actor=world.users["agent"], case=open_case, short_description="x", assignment_group=group,
            assigned_to=world.users["agent"],
        )
    assert "assigned_to" in exc.value.message_dict


def test_assignee_must_be_internal(world, open_case):
    with pytest.raises(ValidationError) as exc:
        services.case_task_create(
            actor=world.users["agent"], case=open_case, short_description="x", assigned_to=world.users["customer"]
        )
    assert "assigned_to" in exc.value.message_dict


def test_moving_a_task_to_another_case_is_refused(task, world):
    other = services.case_create(actor=world.users["agent"], short_description="Other", account=world.account)
    with pytest.raises(ValidationError) as exc:
        services.case_task_update(actor=world.users["agent"], instance=task, case=other)
    assert "case" in exc.value.message_dict


def test_customer_cannot_create_tasks(world, open_case):
    with pytest.raises(PermissionDenied):
        services.case_task_create(actor=world.users["customer"], case=open_case, short_description="x")


def test_internal_task_event_is_hidden_from_the_customer(task, open_case):
    event = CaseEvent.objects.get(case=open_case, body__startswith=f"Case task {task.number} opened")
    assert event.kind == "task" and not event.customer_visible


def test_visible_task_event_is_shown_to_the_customer(world, open_case):
    task = services.case_task_create(
        actor=world.users["agent"], case=open_case, short_description="Send photos", visible_to_customer=True
    )
    assert CaseEvent.objects.get(case=open_case, body__contains=task.number).customer_visible


def test_update_records_the_changes_on_the_case(task, open_case, world):
    services.case_task_update(actor=world.users["agent"], instance=task, priority=2)
    assert CaseEvent.objects.filter(case=open_case, body__contains="priority: 4 → 2").exists()


def test_back_office_works_tasks_routed_to_its_group(world, open_case, back_office):
    clerk, group = back_office
    task = services.case_task_create(
        actor=world.users["agent"], case=open_case, short_description="Refund", assignment_group=group
    )
    assert list(selectors_work.case_task_list_for_user(user=clerk)) == [task]
    assert services.case_task_close(actor=clerk, task=task, close_notes="Refunded").state == "closed"


def test_back_office_does_not_see_or_work_other_tasks(task, world, back_office):
    clerk, _ = back_office
    assert not selectors_work.case_task_list_for_user(user=clerk).exists()
    with pytest.raises(PermissionDenied):
        services.case_task_close(actor=clerk, task=task, close_notes="x")


def test_back_office_cannot_create_tasks(world, open_case, back_office):
    with pytest.raises(PermissionDenied):
        services.case_task_create(actor=back_office[0], case=open_case, short_description="x")


def test_customer_sees_only_visible_tasks_of_their_cases(world, open_case, task):
    visible = services.case_task_create(
        actor=world.users["agent"], case=open_case, short_description="Send photos", visible_to_customer=True
    )
    assert list(selectors_work.case_task_list_for_user(user=world.users["customer"])) == [visible]
    assert not selectors_work.case_task_list_for_user(user=world.users["other_customer"]).exists()
