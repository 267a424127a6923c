"""SLA evaluation on case changes (reference 3.4): attach, pause, resume, complete, cancel and
reset, with the interval log that explains the clock, and the case's sla_due and made_sla."""
import datetime

import pytest

from cases import services
from cases.models import Case, TaskSla
from catalog import services as catalog_services
from tests import factories as f
from tests.cases.sla_helpers import MONDAY_9, act, clock, new_case  # noqa: F401  (clock is a fixture)

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
CANCELLED = [{"field": "state_category", "op": "eq", "value": "cancelled"}]
P12 = {"field": "priority", "op": "in", "value": [1, 2]}


def resolution(**fields):
    """The reference's resolution SLA shape: pause while awaiting info, stop when resolved."""
    defaults = dict(
        pause_condition=f.AWAITING, stop_condition=f.RESOLVED, when_to_cancel="cancel_matches",
        cancel_condition=CANCELLED,
    )
    return f.SlaDefinitionFactory(**{**defaults, **fields})


def sla_of(case, definition=None) -> TaskSla:
    qs = TaskSla.objects.filter(case=case)
    return (qs.filter(definition=definition) if definition else qs).latest("id")


def office_hours(zone="UTC", holidays=()):
    schedule = catalog_services.schedule_create(actor=None, name=f"Office {zone} {len(holidays)}", time_zone=zone)
    for weekday in range(5):
        catalog_services.schedule_span_create(
            actor=None, schedule=schedule, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )
    for day in holidays:
        catalog_services.holiday_create(actor=None, schedule=schedule, name="Holiday", date=day)
    return schedule


# --- attach --------------------------------------------------------------------------------------
def test_a_case_matching_the_start_condition_gets_the_sla(world, clock):
    definition = resolution(duration=4 * H)
    case = new_case(world)
    task = sla_of(case)
    assert (task.definition, task.stage, task.start_time, task.breach_time) == (
        definition, "in_progress", MONDAY_9, MONDAY_9 + 4 * H,
    )
    assert task.original_breach_time == MONDAY_9 + 4 * H
    assert task.next_check_at == MONDAY_9 + 2 * H  # the 50 % notice
    interval = task.intervals.get()
    assert (interval.kind, interval.started_at, interval.ended_at) == ("counted", MONDAY_9, None)
    assert interval.begin_reason == "start condition matched (state category is new)"
    case.refresh_from_db()
    assert (case.sla_due, case.made_sla) == (MONDAY_9 + 4 * H, True)


def test_a_new_case_inserts_with_its_due_time_and_each_sla_with_its_own_interval(world, clock):
    """case_create computes the SLAs before the case's INSERT (no UPDATE of sla_due after) and
    writes them and their first intervals together; each interval belongs to its own SLA."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cases.models import SlaInterval

    short = resolution(duration=2 * H)
    long = resolution(duration=8 * H, schedule=office_hours())
    with CaptureQueriesContext(connection) as queries:
        case = new_case(world)
    assert not any(q["sql"].startswith('UPDATE "cases_case"') for q in queries.captured_queries)
    tasks = {t.definition_id: t for t in TaskSla.objects.filter(case=case)}
    assert set(tasks) == {short.pk, long.pk}
    assert tasks[short.pk].breach_time == MONDAY_9 + 2 * H and tasks[long.pk].breach_time == MONDAY_9 + 8 * H
    intervals = list(SlaInterval.objects.filter(task_sla__case=case))
    assert sorted(i.task_sla_id for i in intervals) == sorted(t.pk for t in tasks.values())
    assert all(i.kind == "counted" and i.started_at == MONDAY_9 and i.ended_at is None for i in intervals)
    case.refresh_from_db()
    assert case.sla_due == MONDAY_9 + 2 * H and case.made_sla is True


def test_the_new_slas_rows_hold_every_value_they_were_built_with(world, clock, mocker):
    """The new SLAs' INSERT (on PostgreSQL one written once per process) stores each column as the
    model built it: one SLA alone, and two with a watched value and a schedule."""
    from cases.services import slas as sla_services

    spy = mocker.spy(sla_services._Evaluation, "write_deferred")
    only = resolution(duration=2 * H, reset_condition=[{"field": "assignment_group", "op": "changes"}])
    cases = [new_case(world)]
    resolution(duration=8 * H, schedule=office_hours())
    cases.append(new_case(world))
    built = [task for call in spy.call_args_list for task in call.args[0].new_tasks]
    assert [len(call.args[0].new_tasks) for call in spy.call_args_list] == [1, 2]
    names = [f.attname for f in TaskSla._meta.concrete_fields]
    for task in built:
        stored = TaskSla.objects.get(pk=task.pk)
        assert {n: getattr(stored, n) for n in names} == {n: getattr(task, n) for n in names}
    assert TaskSla.objects.get(case=cases[0], definition=only).watched == {"assignment_group": world.group.pk}


def test_no_sla_when_the_start_condition_does_not_match(world, clock):
    f.SlaDefinitionFactory(start_condition=[P12])
    case = new_case(world, priority=4)
    assert not case.slas.exists()
    assert Case.objects.get(pk=case.pk).sla_due is None


def test_stop_matching_at_the_start_never_attaches(world, clock):
    # The reference's pitfall: a stop condition that contains the start never attaches.
    f.SlaDefinitionFactory(stop_condition=[{"field": "priority", "op": "in", "value": [1, 2, 3, 4]}])
    assert not new_case(world).slas.exists()


def test_inactive_definitions_do_not_attach(world, clock):
    f.SlaDefinitionFactory(active=False)
    assert not new_case(world).slas.exists()


def test_scope_to_an_account_product_or_contract(world, clock):
    product = f.ProductFactory()
    acme_only = f.SlaDefinitionFactory(account=world.account)
    product_only = f.SlaDefinitionFactory(product=product)
    globex_case = new_case(world, account=world.other_account, assignment_group=None)
    acme_case = new_case(world)
    acme_product_case = new_case(world, product=product)
    assert not globex_case.slas.exists()
    assert set(acme_case.slas.values_list("definition", flat=True)) == {acme_only.pk}
    assert set(acme_product_case.slas.values_list("definition", flat=True)) == {acme_only.pk, product_only.pk}


def test_retroactive_start_counts_from_the_opening(world, clock):
    definition = f.SlaDefinitionFactory(
        start_condition=[{"field": "priority", "op": "eq", "value": 1}], retroactive_start="opened_at", duration=4 * H,
    )
    case = new_case(world, priority=3)
    clock.advance(hours=1)
    services.case_update(actor=world.users["agent"], instance=case, priority=1)
    task = sla_of(case, definition)
    assert (task.start_time, task.breach_time) == (MONDAY_9, MONDAY_9 + 4 * H)
    assert "retroactive start" in task.intervals.get().begin_reason


# --- complete, pause, resume ---------------------------------------------------------------------
def test_response_sla_completes_when_the_case_leaves_new(world, clock):
    response = f.SlaDefinitionFactory(target="response", stop_condition=[{"field": "state_category", "op": "ne", "value": "new"}])
    case = new_case(world)
    clock.advance(hours=2)
    act(world, "agent", case, "assign-to-me")
    task = sla_of(case, response)
    assert (task.stage, task.stop_time, task.has_breached, task.next_check_at) == ("completed", clock.now, False, None)
    assert task.intervals.get().end_reason == "stop condition matched (state category is not new)"
    case.refresh_from_db()
    assert (case.sla_due, case.made_sla) == (None, True)


def test_pause_while_awaiting_info_moves_the_breach_time_out(world, clock):
    resolution(duration=8 * H)
    case = new_case(world)
    clock.advance(hours=1)
    act(world, "agent", case, "assign-to-me")
    clock.advance(hours=1)
    act(world, "agent", case, "request-info", comment="Which printer?")
    task = sla_of(case)
    assert (task.stage, task.counted_before, task.next_check_at, task.paused_at) == ("paused", 2 * H, None, clock.now)
    assert Case.objects.get(pk=case.pk).sla_due is None  # a paused SLA has no due time
    clock.advance(hours=3)
    act(world, "agent", case, "info-received")
    task.refresh_from_db()
    assert task.stage == "in_progress"
    assert task.breach_time == MONDAY_9 + 11 * H  # 8 h of counting plus the 3 h pause
    assert task.original_breach_time == MONDAY_9 + 8 * H
    assert (task.pause_duration, task.business_pause_duration) == (3 * H, 3 * H)
    kinds = list(task.intervals.values_list("kind", "started_at", "ended_at"))
    assert kinds == [
        ("counted", MONDAY_9, MONDAY_9 + 2 * H),
        ("paused", MONDAY_9 + 2 * H, MONDAY_9 + 5 * H),
        ("counted", MONDAY_9 + 5 * H, None),
    ]
    reasons = list(task.intervals.values_list("begin_reason", "end_reason"))
    assert reasons[1] == (
        "pause condition matched (state category is awaiting)",
        "pause condition no longer matches (state category is awaiting)",
    )
    assert reasons[2][0] == "pause condition no longer matches (state category is awaiting)"
    assert Case.objects.get(pk=case.pk).sla_due == MONDAY_9 + 11 * H


def test_resume_on_the_resume_condition_only_when_so_defined(world, clock):
    resolution(
        when_to_resume="resume_matches", pause_condition=[{"field": "needs_attention", "op": "eq", "value": True}],
        resume_condition=[{"field": "priority", "op": "eq", "value": 1}],
    )
    case = new_case(world, priority=3)
    agent = world.users["agent"]
    services.case_update(actor=agent, instance=case, needs_attention=True)
    # Clearing the flag is the assignee's, a manager's or an admin's (reference 2.3).
    services.case_update(actor=world.users["manager"], instance=case, needs_attention=False)
    assert sla_of(case).stage == "paused"  # the pause no longer matches, but that is not the rule
    services.case_update(actor=agent, instance=case, priority=1)
    assert sla_of(case).stage == "in_progress"


def test_completing_late_marks_the_breach_and_the_case_missed_its_sla(world, clock):
    resolution(duration=2 * H, start_condition=[{"field": "state_category", "op": "in", "value": ["new", "open"]}])
    case = new_case(world)
    act(world, "agent", case, "assign-to-me")
    clock.advance(hours=3)
    act(world, "agent", case, "propose-solution", resolution_code="solved_fixed", close_notes="Done")
    task = sla_of(case)
    assert (task.stage, task.has_breached, task.counted_before) == ("completed", True, 3 * H)
    assert Case.objects.get(pk=case.pk).made_sla is False


# --- cancel and reset ----------------------------------------------------------------------------
def test_cancel_when_the_start_condition_no_longer_matches(world, clock):
    urgent = f.SlaDefinitionFactory(start_condition=[P12], retroactive_start="opened_at")
    routine = f.SlaDefinitionFactory(start_condition=[{"field": "priority", "op": "in", "value": [3, 4]}],
                                     retroactive_start="opened_at")
    case = new_case(world, priority=1)
    clock.advance(minutes=30)
    services.case_update(actor=world.users["agent"], instance=case, priority=3)
    first = sla_of(case, urgent)
    assert first.stage == "cancelled"
    assert first.intervals.get().end_reason == "start condition no longer matches (priority is one of 1, 2)"
    assert sla_of(case, routine).start_time == MONDAY_9  # the other SLA attaches, counted from opening


def test_cancel_condition_when_so_defined_and_never(world, clock):
    on_cancel = resolution()
    never = f.SlaDefinitionFactory(when_to_cancel="never")
    case = new_case(world)
    act(world, "agent", case, "assign-to-me")  # start (new) no longer matches: neither cancels
    assert sla_of(case, on_cancel).stage == sla_of(case, never).stage == "in_progress"
    other = new_case(world)
    act(world, "agent", other, "cancel", reason="Duplicate")
    assert sla_of(other, on_cancel).stage == "cancelled"
    assert sla_of(other, never).stage == "in_progress"


def test_reset_cancels_and_attaches_afresh_when_the_group_changes(world, clock):
    tier2 = f.AssignmentGroupFactory()
    definition = f.SlaDefinitionFactory(
        reset_condition=[{"field": "assignment_group", "op": "changes"}], retroactive_start="opened_at",
    )
    case = new_case(world)
    clock.advance(hours=1)
    services.case_update(actor=world.users["agent"], instance=case, short_description="Still the same group")
    assert case.slas.count() == 1
    services.case_update(actor=world.users["agent"], instance=case, assignment_group=tier2)
    old, fresh = case.slas.order_by("id")
    assert (old.stage, fresh.stage) == ("cancelled", "in_progress")
    assert old.intervals.get().end_reason == "reset condition matched (assignment group changes)"
    assert fresh.start_time == clock.now  # a reset is never retroactive
    assert fresh.watched == {"assignment_group": tier2.pk}
    assert fresh.definition == definition


def test_reset_needs_the_start_condition_to_reattach(world, clock):
    f.SlaDefinitionFactory(
        start_condition=[{"field": "state_category", "op": "in", "value": ["new", "open"]}],
        when_to_cancel="never", reset_condition=[{"field": "priority", "op": "changes"}],
    )
    case = new_case(world, priority=3)
    act(world, "agent", case, "assign-to-me")
    act(world, "agent", case, "request-info", comment="?")  # awaiting: the start no longer matches
    services.case_update(actor=world.users["agent"], instance=case, priority=2)
    assert list(case.slas.values_list("stage", flat=True)) == ["cancelled"]


def test_leaving_the_scope_cancels(world, clock):
    product = f.ProductFactory()
    f.SlaDefinitionFactory(product=product)
    case = new_case(world, product=product)
    services.case_update(actor=world.users["agent"], instance=case, product=None)
    assert sla_of(case).stage == "cancelled"
    assert "scope" in sla_of(case).intervals.get().end_reason


def test_a_running_sla_of_a_deactivated_definition_still_completes(world, clock):
    definition = resolution()
    case = new_case(world)
    services.sla_definition_update(actor=None, instance=definition, active=False)
    act(world, "agent", case, "assign-to-me")
    act(world, "agent", case, "propose-solution", resolution_code="solved_fixed", close_notes="Done")
    assert sla_of(case).stage == "completed"


# --- business hours ------------------------------------------------------------------------------
def test_business_hours_schedule_counts_only_working_time(world, clock):
    resolution(duration=8 * H, schedule=office_hours())
    friday_4pm = clock.set(datetime.datetime(2026, 6, 5, 16, tzinfo=datetime.UTC))
    case = new_case(world)
    task = sla_of(case)
    # 1 h on Friday, 7 h on Monday: breaches Monday 16:00; 50 % (4 h) on Monday at 12:00.
    assert task.breach_time == datetime.datetime(2026, 6, 8, 16, tzinfo=datetime.UTC)
    assert task.next_check_at == datetime.datetime(2026, 6, 8, 12, tzinfo=datetime.UTC)
    assert task.start_time == friday_4pm


def test_the_entitlements_business_hours_when_so_defined(world, clock):
    schedule = office_hours("Europe/London", holidays=[datetime.date(2026, 6, 1)])
    entitlement = f.EntitlementFactory(account=world.account, schedule=schedule)
    resolution(duration=2 * H, schedule_source="entitlement")
    case = new_case(world, entitlement=entitlement)
    task = sla_of(case)
    assert task.schedule == schedule
    # Monday is a holiday; Tuesday 09:00 London is 08:00 UTC.
    assert task.breach_time == datetime.datetime(2026, 6, 2, 10, tzinfo=datetime.UTC)


def test_pause_on_a_schedule_records_business_pause_time(world, clock):
    resolution(duration=8 * H, schedule=office_hours())
    case = new_case(world)
    act(world, "agent", case, "assign-to-me")
    clock.advance(hours=2)
    act(world, "agent", case, "request-info", comment="?")
    clock.advance(days=1)  # Tuesday 11:00
    act(world, "agent", case, "info-received")
    task = sla_of(case)
    assert (task.pause_duration, task.business_pause_duration) == (24 * H, 8 * H)
    assert task.breach_time == datetime.datetime(2026, 6, 2, 17, tzinfo=datetime.UTC)  # 6 h left from 11:00


# --- cost ----------------------------------------------------------------------------------------
def test_an_evaluation_with_nothing_to_change_costs_one_query(world, clock, django_assert_num_queries):
    """The running SLAs of the case; the definitions and calendars come from the process cache."""
    resolution()
    f.SlaDefinitionFactory(start_condition=[P12])
    case = new_case(world)
    case = Case.objects.get(pk=case.pk)
    with django_assert_num_queries(1):
        services.sla_evaluate_case(case)


def test_the_case_save_costs_the_same_queries_with_or_without_slas(world, clock, django_assert_num_queries):
    agent = world.users["agent"]
    plain = new_case(world)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as without:
        services.case_update(actor=agent, instance=plain, needs_attention=True)
    resolution()
    with_sla = new_case(world)
    with CaptureQueriesContext(connection) as running:
        services.case_update(actor=agent, instance=with_sla, needs_attention=True)
    assert len(running) == len(without)  # the two SLA queries run either way; nothing else


def test_a_cached_calendar_is_rebuilt_when_another_process_changes_its_schedule(world):
    """Calendars are cached per process against the schedule's version (updated_at). A change made
    elsewhere (no signal reaches this process) moves that version through the catalog services, and
    the next use here rebuilds the calendar."""
    from cases.services.slas import _calendars
    from catalog.hooks import schedule_touched
    from catalog.models import Schedule, ScheduleSpan

    schedule = office_hours(zone="Europe/Paris")
    first = _calendars({schedule.pk})[schedule.pk]
    assert _calendars({schedule.pk})[schedule.pk] is first  # reused while the version holds
    span = ScheduleSpan.objects.filter(schedule=schedule, weekday=0).get()
    ScheduleSpan.objects.filter(pk=span.pk).update(end_time=datetime.time(12))  # "another process": no signal
    assert _calendars({schedule.pk})[schedule.pk] is first
    schedule_touched(ScheduleSpan.objects.get(pk=span.pk))  # what that process's service does
    rebuilt = _calendars({schedule.pk})[schedule.pk]
    assert rebuilt is not first and rebuilt.spans[0] == ((datetime.time(9), datetime.time(12)),)
    assert Schedule.objects.get(pk=schedule.pk).updated_at > schedule.updated_at


def test_a_new_case_uses_this_process_calendar_and_is_remeasured_if_its_schedule_moved(world, clock):
    """Opening a case on PostgreSQL does not read the schedule's version before computing its SLAs:
    the INSERT that writes them reads it back. If another process changed the schedule since this
    one built the calendar, the SLAs are re-measured on the current one before the case is
    returned, and the stale calendar is dropped."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.hooks import schedule_touched
    from catalog.models import ScheduleSpan

    schedule = office_hours()
    definition = resolution(duration=4 * H, schedule=schedule)
    clock.advance(hours=3)  # Monday 12:00: 4 office hours end at 16:00, or 3 + 1 on Tuesday
    new_case(world)  # builds and caches the calendar in this process
    with CaptureQueriesContext(connection) as queries:
        case = new_case(world)
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "catalog_schedule"' in q["sql"] and "INSERT" not in q["sql"]]
    assert len(reads) == (0 if connection.vendor == "postgresql" else 1)
    assert sla_of(case, definition).breach_time == clock.now + 4 * H

    monday = ScheduleSpan.objects.get(schedule=schedule, weekday=0)
    ScheduleSpan.objects.filter(pk=monday.pk).update(end_time=datetime.time(15))  # "another process": no signal
    schedule_touched(ScheduleSpan.objects.get(pk=monday.pk))  # ... whose service moves the version
    case = new_case(world)
    tuesday_10 = datetime.datetime(2026, 6, 2, 10, tzinfo=datetime.UTC)  # 12-15 Monday, then 9-10 Tuesday
    assert sla_of(case, definition).breach_time == tuesday_10
    case.refresh_from_db()
    assert case.sla_due == tuesday_10
    assert new_case(world).sla_due == tuesday_10  # the rebuilt calendar, from now on
