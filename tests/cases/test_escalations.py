"""Escalations (reference 3.3) through their services: requests, templates and approvers, the
one-open-per-case rule, the commands and their refusals, work notes on the case, messages."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cases.models import Escalation
from cases.services import escalations as esc
from core.exceptions import InvalidTransition
from notifications.models import Notification
from tests.factories import EscalationTemplateFactory, user_with_roles
from users import services as user_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def approval_template(world):
    """The default case template: Tier 1 (agent_alice, manager_max) approves."""
    return EscalationTemplateFactory(name="Case escalation", approval_group=world.group, is_default=True)


def request(world, case, persona="agent", **fields):
    fields.setdefault("reason", "lack_of_progress")
    return esc.escalation_request(actor=world.users[persona], case=case, **fields)


def notes(case):
    return list(case.events.filter(kind="work_note", body__startswith="Escalation").values_list("body", "customer_visible"))


# --- request -------------------------------------------------------------------------------------
def test_without_a_template_an_escalation_is_escalated_at_once(world, open_case):
    e = request(world, open_case, severity="high", justification="Production down")
    assert e.number.startswith("ESC") and len(e.number) == 10
    assert (e.state, e.source, e.request_source, e.severity, e.account) == (
        "escalated", "case", "internal", "high", world.account
    )
    assert e.approved_at is not None and e.approved_by is None


def test_the_customer_is_told_once_when_escalated(world, open_case):
    e = request(world, open_case)
    sent = Notification.objects.get(dedupe_key__startswith=f"escalation-approved:{e.pk}:")
    assert sent.recipient == world.users["customer"] and sent.event == "escalation.approved"


def test_updates_reach_the_case_as_work_notes_never_customer_visible(world, open_case):
    e = request(world, open_case, justification="Production down")
    esc.escalation_update_trend(actor=world.users["agent"], escalation=e, trend="declining")
    esc.escalation_deescalate(actor=world.users["agent"], escalation=e, reason="Fixed")
    bodies = notes(open_case)
    assert len(bodies) == 4 and not any(visible for _, visible in bodies)
    assert "Production down" in bodies[0][0] and "declining" in bodies[2][0] and "Fixed" in bodies[3][0]


def test_a_template_with_approvers_leaves_it_requested(world, open_case, approval_template):
    e = request(world, open_case)
    assert e.state == "requested" and e.template == approval_template
    assert set(e.approvers.all()) == {world.users["agent"], world.users["manager"]}
    assert not Notification.objects.filter(dedupe_key__startswith=f"escalation-approved:{e.pk}:").exists()


def test_approvers_are_asked(world, open_case, approval_template):
    e = request(world, open_case)
    assert Notification.objects.filter(event="escalation.approval_requested", recipient=world.users["manager"]).exists()
    assert e.state == "requested"


def test_skip_approval_escalates_at_once(world, open_case):
    EscalationTemplateFactory(approval_group=world.group, skip_approval=True, is_default=True)
    assert request(world, open_case).state == "escalated"


def test_a_template_whose_group_is_empty_approves_at_once(world, open_case):
    empty = user_services.assignment_group_create(actor=None, name="Nobody")
    assert request(world, open_case, template=EscalationTemplateFactory(approval_group=empty)).state == "escalated"


def test_the_case_groups_manager_approves_when_the_template_says_so(world, open_case):
    boss = user_with_roles("manager", username="boss_bea")
    group = user_services.assignment_group_create(actor=None, name="Tier 3", manager=boss, members=[boss])
    from cases import services

    case = services.case_update(actor=world.users["agent"], instance=open_case, assignment_group=group)
    template = EscalationTemplateFactory(add_case_group_manager=True, approval_group=world.group)
    e = request(world, case, template=template)
    assert set(e.approvers.all()) == {boss, world.users["agent"], world.users["manager"]}


def test_an_inactive_or_account_template_is_refused_for_a_case(world, open_case):
    for template in (EscalationTemplateFactory(active=False), EscalationTemplateFactory(applies_to="account")):
        with pytest.raises(ValidationError) as exc:
            request(world, open_case, template=template)
        assert "template" in exc.value.message_dict


def test_one_default_template_per_kind(world):
    first = EscalationTemplateFactory(is_default=True)
    second = EscalationTemplateFactory(is_default=True)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)


def test_the_customer_side_requests_for_its_case(world, open_case):
    e = request(world, open_case, "customer_admin", severity="high")
    assert e.request_source == "customer" and e.requested_by == world.users["customer_admin"]


def test_customers_cannot_pick_the_template(world, open_case, approval_template):
    with pytest.raises(ValidationError) as exc:
        request(world, open_case, "customer", template=approval_template)
    assert "template" in exc.value.message_dict


def test_another_customer_cannot_escalate(world, open_case):
    with pytest.raises(PermissionDenied):
        request(world, open_case, "other_customer")


def test_bad_choices_are_400_naming_the_field(world, open_case):
    with pytest.raises(ValidationError) as exc:
        request(world, open_case, reason="boredom", severity="extreme")
    assert set(exc.value.message_dict) == {"reason", "severity"}


def test_one_open_escalation_per_case(world, open_case):
    request(world, open_case)
    with pytest.raises(InvalidTransition) as exc:
        request(world, open_case, "customer")
    assert exc.value.state == "escalated"


def test_the_database_holds_one_open_escalation_per_case(world, open_case):
    first = request(world, open_case)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            number="ESC9999999", source="case", case=open_case, account=world.account, reason="inactivity",
            requested_at=first.requested_at,
        )


def test_after_a_decline_the_case_may_be_escalated_again(world, open_case, approval_template):
    e = request(world, open_case)
    esc.escalation_decline(actor=world.users["manager"], escalation=e, reason="Within SLA")
    assert request(world, open_case, "customer").state == "requested"


def test_a_closed_case_cannot_be_escalated(world, open_case):
    from tests.cases.conftest import act

    act(world, "agent", open_case, "cancel", reason="Duplicate")
    with pytest.raises(InvalidTransition):
        request(world, open_case)


# --- approve / decline ---------------------------------------------------------------------------
def test_an_approver_approves_and_the_customer_is_told(world, open_case, approval_template):
    e = esc.escalation_approve(actor=world.users["manager"], escalation=request(world, open_case), comment="Go")
    assert (e.state, e.approved_by) == ("escalated", world.users["manager"])
    assert Notification.objects.filter(dedupe_key__startswith=f"escalation-approved:{e.pk}:").count() == 1
    assert "approved by" in notes(open_case)[-1][0]


def test_only_approvers_approve(world, open_case, approval_template):
    e = request(world, open_case)
    for persona in ("admin", "customer"):
        with pytest.raises(PermissionDenied):
            esc.escalation_approve(actor=world.users[persona], escalation=e)
    e.refresh_from_db()
    assert e.state == "requested"


def test_approving_twice_is_409_naming_state_and_allowed_actions(world, open_case, approval_template):
    e = esc.escalation_approve(actor=world.users["manager"], escalation=request(world, open_case))
    with pytest.raises(InvalidTransition) as exc:
        esc.escalation_approve(actor=world.users["manager"], escalation=e)
    assert exc.value.state == "escalated" and exc.value.allowed == ["de-escalate", "update-trend"]
    assert Notification.objects.filter(dedupe_key__startswith=f"escalation-approved:{e.pk}:").count() == 1


def test_decline_needs_a_reason_and_an_approver(world, open_case, approval_template):
    e = request(world, open_case)
    with pytest.raises(ValidationError):
        esc.escalation_decline(actor=world.users["agent"], escalation=e, reason=" ")
    with pytest.raises(PermissionDenied):
        esc.escalation_decline(actor=world.users["admin"], escalation=e, reason="No")
    e = esc.escalation_decline(actor=world.users["agent"], escalation=e, reason="Within SLA")
    assert (e.state, e.declined_by, e.decline_reason) == ("declined", world.users["agent"], "Within SLA")


# --- de-escalate, trend, edits -------------------------------------------------------------------
@pytest.mark.parametrize("start", ["requested", "escalated", "declined"])
def test_de_escalate_closes_from_every_other_state(world, open_case, approval_template, start):
    e = request(world, open_case)
    if start == "escalated":
        e = esc.escalation_approve(actor=world.users["manager"], escalation=e)
    elif start == "declined":
        e = esc.escalation_decline(actor=world.users["manager"], escalation=e, reason="No")
    e = esc.escalation_deescalate(actor=world.users["agent"], escalation=e, reason="Resolved")
    assert (e.state, e.closed_by, e.close_reason) == ("closed", world.users["agent"], "Resolved")
    with pytest.raises(InvalidTransition):
        esc.escalation_deescalate(actor=world.users["agent"], escalation=e)


def test_customers_do_not_de_escalate(world, open_case):
    e = request(world, open_case, "customer")
    with pytest.raises(PermissionDenied):
        esc.escalation_deescalate(actor=world.users["customer"], escalation=e)


def test_trend_changes_only_while_open_and_only_to_a_known_value(world, open_case):
    e = request(world, open_case)
    with pytest.raises(ValidationError):
        esc.escalation_update_trend(actor=world.users["agent"], escalation=e, trend="sideways")
    e = esc.escalation_update_trend(actor=world.users["agent"], escalation=e, trend="improving")
    assert Escalation.objects.get(pk=e.pk).trend == "improving"
    e = esc.escalation_deescalate(actor=world.users["agent"], escalation=e)
    with pytest.raises(InvalidTransition):
        esc.escalation_update_trend(actor=world.users["agent"], escalation=e, trend="same")


def test_edits_are_noted_and_refused_once_closed(world, open_case):
    e = esc.escalation_update(actor=world.users["agent"], instance=request(world, open_case), severity="high")
    assert e.severity == "high" and "severity: medium → high" in notes(open_case)[-1][0]
    e = esc.escalation_deescalate(actor=world.users["agent"], escalation=e)
    with pytest.raises(InvalidTransition):
        esc.escalation_update(actor=world.users["agent"], instance=e, severity="medium")
    assert esc.escalation_update(actor=world.users["agent"], instance=e, severity="high").severity == "high"


def test_a_case_escalation_is_not_assigned(world, open_case):
    with pytest.raises(ValidationError) as exc:
        request(world, open_case, assignment_group=world.group)
    assert "assignment_group" in exc.value.message_dict


def test_watchers_hear_of_every_change_but_not_their_own(world, open_case):
    watcher = user_with_roles("agent", username="watcher_wes", email="wes@example.com")
    e = request(world, open_case, watch_list=[watcher, world.users["agent"]])
    esc.escalation_update_trend(actor=world.users["agent"], escalation=e, trend="declining")
    esc.escalation_update_trend(actor=watcher, escalation=e, trend="same")
    rows = Notification.objects.filter(event="escalation.updated").values_list("recipient__username", flat=True)
    assert sorted(rows) == ["agent_alice", "watcher_wes", "watcher_wes"]  # request, trend by alice, trend by wes


# --- account escalations -------------------------------------------------------------------------
def test_agents_escalate_an_account_and_assign_it(world):
    e = esc.escalation_request(
        actor=world.users["agent"], account=world.account, reason="inactivity", assignment_group=world.group,
        assigned_to=world.users["manager"],
    )
    assert (e.source, e.case, e.account, e.assigned_to, e.state) == (
        "account", None, world.account, world.users["manager"], "escalated"
    )
    with pytest.raises(InvalidTransition):
        esc.escalation_request(actor=world.users["agent"], account=world.account, reason="inactivity")


def test_the_account_assignee_must_belong_to_the_group(world):
    outsider = user_with_roles("agent", username="outsider_otto")
    with pytest.raises(ValidationError) as exc:
        esc.escalation_request(
            actor=world.users["agent"], account=world.account, reason="inactivity", assignment_group=world.group,
            assigned_to=outsider,
        )
    assert "assigned_to" in exc.value.message_dict


def test_customers_do_not_escalate_accounts(world):
    with pytest.raises(PermissionDenied):
        esc.escalation_request(actor=world.users["customer_admin"], account=world.account, reason="inactivity")


def test_an_account_escalation_uses_an_account_template(world):
    template = EscalationTemplateFactory(applies_to="account", approval_group=world.group, is_default=True)
    e = esc.escalation_request(actor=world.users["agent"], account=world.account, reason="customer_deadline")
    assert e.template == template and e.state == "requested"


def test_escalate_either_a_case_or_an_account(world, open_case):
    with pytest.raises(ValidationError):
        esc.escalation_request(actor=world.users["agent"], reason="inactivity")
    with pytest.raises(ValidationError):
        esc.escalation_request(actor=world.users["agent"], case=open_case, account=world.account, reason="inactivity")
