"""Auto-close of resolved cases (reference 2.2): the Mark/Clear flag, the day-5 reminder and the
day-10 close, what is skipped, re-runs and interrupted scans, the task, the beat entry and the
indexes the scans read through."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Case, CaseEvent
from cases.services import autoclose, escalations, notify
from cases.tasks.autoclose import scan_auto_close_task
from notifications.models import Notification
from tests.cases.conftest import act
from tests.matrix import assert_status

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


def resolve(world, case):
    act(world, "agent", case, "assign-to-me")
    return act(world, "agent", case, "propose-solution", resolution_code="solved_fixed", close_notes="Rebooted")


@pytest.fixture
def resolved(world, open_case):
    case = resolve(world, open_case)
    return Case.objects.get(pk=case.pk)


def scan(case, days, minutes=1):
    """Run the scan as if `days` (and a minute) had passed since the case was resolved."""
    return autoclose.auto_close_scan(now=case.resolved_at + days * DAY + datetime.timedelta(minutes=minutes))


def fresh(case):
    return Case.objects.get(pk=case.pk)


# --- the flag ------------------------------------------------------------------------------------
def test_resolving_marks_the_case_for_auto_close(resolved):
    assert resolved.auto_close is True and resolved.auto_close_reminded_at is None


def test_a_case_needing_attention_is_not_marked(world, open_case):
    services.case_comment_add(actor=world.users["customer"], case=open_case, body="Any news?")
    assert resolve(world, open_case).auto_close is False


def test_an_escalated_case_is_not_marked(world, open_case):
    escalations.escalation_request(actor=world.users["agent"], case=open_case, reason="inactivity")
    assert resolve(world, open_case).auto_close is False


def test_a_case_of_an_escalated_account_is_not_marked(world, open_case):
    escalations.escalation_request(actor=world.users["agent"], account=world.account, reason="inactivity")
    assert resolve(world, open_case).auto_close is False


def test_rejecting_the_solution_clears_the_flag_and_the_reminder(world, resolved):
    autoclose.auto_close_scan(now=resolved.resolved_at + 6 * DAY)
    case = act(world, "customer", fresh(resolved), "reject-solution", reason="Still broken")
    case = fresh(case)
    assert (case.auto_close, case.auto_close_reminded_at) == (False, None)


def test_a_second_resolution_gets_a_fresh_reminder(world, resolved):
    scan(resolved, 5)
    act(world, "customer", fresh(resolved), "reject-solution", reason="Still broken")
    again = fresh(act(world, "agent", fresh(resolved), "propose-solution", resolution_code="solved_fixed", close_notes="Replaced"))
    assert again.auto_close is True
    assert scan(again, 5)["reminded"] == 1
    assert Notification.objects.filter(event="case.auto_close_reminder").count() == 2


def test_agents_opt_a_resolved_case_out_and_back_in(api_as, resolved):
    client = api_as("agent")
    assert_status(client.patch(f"/api/v1/cases/{resolved.pk}/", {"auto_close": False}), 200)
    assert fresh(resolved).auto_close is False
    response = client.patch(f"/api/v1/cases/{resolved.pk}/", {"auto_close": True})
    assert_status(response, 200)
    assert response.data["auto_close"] is True


def test_auto_close_cannot_be_set_on_an_open_case(api_as, open_case):
    response = api_as("agent").patch(f"/api/v1/cases/{open_case.pk}/", {"auto_close": True})
    assert_status(response, 400)
    assert "auto_close" in response.data["errors"]


def test_customers_do_not_see_the_flag(api_as, resolved):
    assert "auto_close" not in api_as("customer").get(f"/api/v1/cases/{resolved.pk}/").data


# --- the reminder --------------------------------------------------------------------------------
def test_nothing_happens_before_day_five(resolved):
    assert scan(resolved, 4, minutes=23 * 60) == {"reminded": 0, "closed": 0, "failed": 0}


def test_day_five_reminds_the_customer_on_the_case_and_by_message(world, resolved):
    assert scan(resolved, 5)["reminded"] == 1
    comment = CaseEvent.objects.filter(case=resolved, kind="comment", body=autoclose.REMINDER_TEXT).get()
    assert comment.customer_visible and comment.author is None
    sent = Notification.objects.get(event="case.auto_close_reminder")
    assert sent.recipient == world.users["customer"] and sent.related == f"cases.case:{resolved.pk}"
    key = f"case-auto-close-reminder:{resolved.pk}:{resolved.resolved_at.isoformat()}:u{world.users['customer'].pk}"
    assert sent.dedupe_key == key
    case = fresh(resolved)
    assert case.state == "resolved" and case.auto_close_reminded_at is not None


def test_the_reminder_does_not_flag_the_case(resolved):
    scan(resolved, 5)
    case = fresh(resolved)
    assert case.needs_attention is False and case.auto_close is True


def test_a_rerun_reminds_nobody_twice(resolved):
    scan(resolved, 5)
    assert scan(resolved, 6) == {"reminded": 0, "closed": 0, "failed": 0}
    assert autoclose.case_auto_close_remind(case_id=resolved.pk, now=resolved.resolved_at + 7 * DAY) is False
    assert Notification.objects.filter(event="case.auto_close_reminder").count() == 1
    assert CaseEvent.objects.filter(case=resolved, body=autoclose.REMINDER_TEXT).count() == 1


def test_a_case_without_a_reachable_customer_still_gets_the_comment(world):
    case = services.case_create(actor=world.users["agent"], short_description="No contact", account=world.account)
    case = fresh(resolve(world, case))
    assert scan(case, 5)["reminded"] == 1
    assert not Notification.objects.filter(event="case.auto_close_reminder").exists()


# --- the close -----------------------------------------------------------------------------------
def test_day_ten_closes_through_the_lifecycle_as_the_system(resolved):
    scan(resolved, 5)
    assert scan(resolved, 10)["closed"] == 1
    case = fresh(resolved)
    assert (case.state, case.closed_by, case.resolution_code) == ("closed", None, "solved_fixed")
    comment = CaseEvent.objects.filter(case=case, kind="comment", body=autoclose.CLOSED_TEXT).get()
    assert comment.customer_visible and comment.author is None
    change = CaseEvent.objects.get(case=case, kind="state_changed", new="closed")
    assert change.author is None


def test_a_case_is_not_closed_without_its_reminder_and_a_warning_period(resolved):
    """After an outage the close waits: first the reminder, then the rest of the period."""
    result = scan(resolved, 11)
    assert result == {"reminded": 1, "closed": 0, "failed": 0}
    assert fresh(resolved).state == "resolved"
    reminded = fresh(resolved).auto_close_reminded_at
    assert autoclose.auto_close_scan(now=reminded + 4 * DAY)["closed"] == 0
    assert autoclose.auto_close_scan(now=reminded + 5 * DAY)["closed"] == 1


def test_closing_twice_is_harmless(resolved):
    scan(resolved, 5)
    scan(resolved, 10)
    assert scan(resolved, 12) == {"reminded": 0, "closed": 0, "failed": 0}
    assert autoclose.case_auto_close(case_id=resolved.pk, now=resolved.resolved_at + 12 * DAY) is False
    assert CaseEvent.objects.filter(case=resolved, body=autoclose.CLOSED_TEXT).count() == 1


def test_an_onboarding_case_closes_through_its_own_lifecycle(world):
    from cases.models import Lifecycle
    from tests.factories import CaseTypeFactory

    onboarding = CaseTypeFactory(name="Onboarding", code="onb", lifecycle=Lifecycle.objects.get(code="onboarding"))
    case = services.case_create(actor=world.users["customer"], short_description="Welcome", case_type=onboarding)
    act(world, "agent", case, "assign-to-me")
    act(world, "agent", case, "submit-for-review", comment="Ready")
    act(world, "agent", case, "complete-review")
    case = fresh(act(world, "agent", case, "propose-solution", resolution_code="solved_fixed", close_notes="Live"))
    scan(case, 5)
    scan(case, 10)
    assert fresh(case).state_category == "closed"


def test_auto_close_charges_a_cases_entitlement_once(world):
    from catalog.services import entitlement_create

    units = entitlement_create(
        actor=None, name="10 cases", account=world.account, starts_on=datetime.date(2020, 1, 1), channels=["web"],
        per_unit=True, unit="cases", total_units=10,
    )
    case = services.case_create(actor=world.users["customer"], short_description="Counted")
    case = fresh(resolve(world, case))
    scan(case, 5)
    scan(case, 10)
    scan(case, 11)
    units.refresh_from_db()
    assert case.entitlement == units and units.remaining_units == 9


# --- what is skipped -----------------------------------------------------------------------------
def test_needs_attention_holds_a_case_open(world, resolved):
    services.case_comment_add(actor=world.users["customer"], case=resolved, body="Let me check first.")
    assert scan(resolved, 5)["reminded"] == 0
    assert scan(resolved, 20) == {"reminded": 0, "closed": 0, "failed": 0}


def test_an_opted_out_case_is_left_alone(world, resolved):
    services.case_update(actor=world.users["agent"], instance=resolved, auto_close=False)
    assert scan(resolved, 20) == {"reminded": 0, "closed": 0, "failed": 0}


def test_an_escalation_after_the_reminder_holds_the_close(world, resolved):
    scan(resolved, 5)
    e = escalations.escalation_request(actor=world.users["agent"], case=resolved, reason="customer_deadline")
    assert scan(resolved, 10)["closed"] == 0
    escalations.escalation_deescalate(actor=world.users["agent"], escalation=e)
    assert scan(resolved, 10)["closed"] == 1


def test_an_account_escalation_holds_its_cases(world, resolved):
    escalations.escalation_request(actor=world.users["agent"], account=world.account, reason="inactivity")
    assert scan(resolved, 20) == {"reminded": 0, "closed": 0, "failed": 0}


def test_another_accounts_escalation_does_not(world, resolved):
    escalations.escalation_request(actor=world.users["agent"], account=world.other_account, reason="inactivity")
    assert scan(resolved, 5)["reminded"] == 1


def test_disabled_auto_close_does_nothing(settings, resolved):
    settings.AUTO_CLOSE_ENABLED = False
    assert scan(resolved, 20) == {"reminded": 0, "closed": 0, "failed": 0}


def test_the_days_are_settings(settings, resolved):
    settings.AUTO_CLOSE_REMINDER_DAYS, settings.AUTO_CLOSE_DAYS = 1, 3
    assert scan(resolved, 1)["reminded"] == 1
    assert scan(resolved, 3)["closed"] == 1


# --- faults: interrupted and repeated scans ------------------------------------------------------
def test_a_scan_killed_midway_loses_and_duplicates_nothing(world, mocker):
    cases = [fresh(resolve(world, services.case_create(actor=world.users["customer"], short_description=f"C{i}"))) for i in range(3)]
    now = max(c.resolved_at for c in cases) + 5 * DAY + datetime.timedelta(minutes=1)
    real = notify.notification_fanout
    calls = {"n": 0}

    def dies_on_the_second(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return real(**kwargs)

    mocker.patch.object(notify, "notification_fanout", side_effect=dies_on_the_second)
    with pytest.raises(SystemExit):
        autoclose.auto_close_scan(now=now)
    mocker.stopall()
    assert Notification.objects.filter(event="case.auto_close_reminder").count() == 1
    assert autoclose.auto_close_scan(now=now)["reminded"] == 2
    assert autoclose.auto_close_scan(now=now)["reminded"] == 0
    reminders = Notification.objects.filter(event="case.auto_close_reminder")
    assert sorted(reminders.values_list("related", flat=True)) == sorted(f"cases.case:{c.pk}" for c in cases)
    assert CaseEvent.objects.filter(body=autoclose.REMINDER_TEXT).count() == 3


def test_a_case_that_cannot_close_is_counted_and_retried(world, resolved, mocker):
    scan(resolved, 5)
    mocker.patch.object(autoclose, "_closing_action", return_value=None)
    assert scan(resolved, 10) == {"reminded": 0, "closed": 0, "failed": 1}
    mocker.stopall()
    assert scan(resolved, 10)["closed"] == 1


def test_the_scan_works_in_batches(world):
    cases = [fresh(resolve(world, services.case_create(actor=world.users["customer"], short_description=f"B{i}"))) for i in range(5)]
    now = max(c.resolved_at for c in cases) + 5 * DAY + datetime.timedelta(minutes=1)
    assert autoclose.auto_close_scan(now=now, batch=2)["reminded"] == 5


def test_the_scan_queries_do_not_grow_with_cases_not_due(world):
    for i in range(6):
        resolve(world, services.case_create(actor=world.users["customer"], short_description=f"N{i}"))
    with CaptureQueriesContext(connection) as captured:
        autoclose.auto_close_scan()
    assert len(captured) == 2  # one due-list query per kind of work, nothing per case


@pytest.mark.services
@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
@pytest.mark.parametrize(
    "due, key, index",
    [
        (autoclose._due_for_reminder, "resolved_at", "case_autoclose_remind"),
        (autoclose._due_for_close, "auto_close_reminded_at", "case_autoclose_close"),
    ],
)
def test_the_due_lists_read_through_their_partial_index(due, key, index):
    """The scan's own query (due rows, minus escalated ones, by id batches). A test table is tiny,
    so sequential scans are switched off to see which index the planner picks."""
    from django.db import transaction
    from django.utils import timezone

    now = timezone.now()  # a later batch: the cursor's conditions must not lose the index
    sql, params = autoclose._due_batch(due(now), key, now - 30 * DAY, {1, 2}, 200).query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert index in plan, plan


# --- the task and the beat -----------------------------------------------------------------------
def test_the_task_runs_the_scan_and_acks_late(resolved, mocker):
    spy = mocker.patch("cases.services.autoclose.auto_close_scan", return_value={"reminded": 0})
    assert scan_auto_close_task() == {"reminded": 0}
    spy.assert_called_once_with()
    assert scan_auto_close_task.acks_late is True


def test_the_beat_runs_the_scan_hourly():
    from config.celery import app

    entry = app.conf.beat_schedule["scan-auto-close"]
    assert entry["task"] == scan_auto_close_task.name and entry["schedule"] == 3600.0
