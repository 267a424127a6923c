"""A schedule, span or holiday change recomputes the running SLAs that count on the schedule
(queued after commit by the catalog services' hook; also an admin action and a command)."""
import datetime

import pytest
from django.core.management import call_command

from cases import services
from cases.models import Case, TaskSla
from cases.tasks.slas import recompute_slas_for_schedule_task
from catalog import services as catalog_services
from tests import factories as f
from tests.cases.sla_helpers import act, clock, new_case  # noqa: F401  (clock is a fixture)

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
UTC = datetime.UTC


@pytest.fixture
def office(world):
    schedule = catalog_services.schedule_create(actor=None, name="Office", time_zone="UTC")
    for weekday in range(5):
        catalog_services.schedule_span_create(
            actor=None, schedule=schedule, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )
    return schedule


@pytest.fixture
def running(world, office, clock):
    """A 16-business-hour SLA attached Monday 09:00 on office hours: breaches Tuesday 17:00."""
    f.SlaDefinitionFactory(duration=16 * H, schedule=office, pause_condition=f.AWAITING, when_to_cancel="never")
    case = new_case(world)
    task = TaskSla.objects.get(case=case)
    assert task.breach_time == datetime.datetime(2026, 6, 2, 17, tzinfo=UTC)
    return task


def test_a_holiday_change_queues_the_recompute_after_commit(running, office, django_capture_on_commit_callbacks, mocker):
    delay = mocker.patch("cases.services.slas.recompute_slas_for_schedule_task.delay")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.holiday_create(actor=None, schedule=office, name="Whit Tuesday", date=datetime.date(2026, 6, 2))
    delay.assert_called_once_with(schedule_id=office.pk)


def test_span_and_schedule_changes_queue_it_too(office, django_capture_on_commit_callbacks, mocker):
    delay = mocker.patch("cases.services.slas.recompute_slas_for_schedule_task.delay")
    span = office.spans.first()
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.schedule_span_update(actor=None, instance=span, end_time=datetime.time(18))
        catalog_services.schedule_span_delete(actor=None, instance=span)
        catalog_services.schedule_update(actor=None, instance=office, time_zone="Europe/London")
    assert delay.call_count == 3


def test_other_catalog_records_do_not(world, django_capture_on_commit_callbacks, mocker):
    delay = mocker.patch("cases.services.slas.recompute_slas_for_schedule_task.delay")
    with django_capture_on_commit_callbacks(execute=True):
        catalog_services.product_create(actor=None, name="Widget")
    delay.assert_not_called()


def test_the_task_moves_the_breach_time_past_the_new_holiday(running, office, clock):
    catalog_services.holiday_create(actor=None, schedule=office, name="Whit Tuesday", date=datetime.date(2026, 6, 2))
    assert recompute_slas_for_schedule_task(office.pk) == 1
    running.refresh_from_db()
    assert running.breach_time == datetime.datetime(2026, 6, 3, 17, tzinfo=UTC)
    assert running.original_breach_time == datetime.datetime(2026, 6, 2, 17, tzinfo=UTC)
    assert running.next_check_at == datetime.datetime(2026, 6, 1, 17, tzinfo=UTC)  # 50 %: still Monday evening
    assert Case.objects.get(pk=running.case_id).sla_due == running.breach_time
    assert recompute_slas_for_schedule_task(office.pk) == 1  # idempotent
    running.refresh_from_db()
    assert running.breach_time == datetime.datetime(2026, 6, 3, 17, tzinfo=UTC)


def test_counted_time_is_remeasured_from_the_interval_log(world, running, office, clock):
    clock.advance(hours=4)
    act(world, "agent", running.case, "assign-to-me")
    act(world, "agent", running.case, "request-info", comment="?")  # paused at Monday 13:00 after 4 h
    catalog_services.holiday_create(actor=None, schedule=office, name="Whit Monday", date=datetime.date(2026, 6, 1))
    services.sla_recompute(actor=None, case=running.case)
    running.refresh_from_db()
    assert running.counted_before == datetime.timedelta(0)  # Monday is no longer business time
    assert running.stage == "paused" and running.next_check_at is None


def test_a_shorter_day_brings_the_breach_forward(running, office):
    for span in office.spans.all():
        catalog_services.schedule_span_update(actor=None, instance=span, end_time=datetime.time(13))
    services.sla_recompute_schedule(schedule_id=office.pk)
    running.refresh_from_db()
    # 4 h a day: Monday to Thursday 09-13
    assert running.breach_time == datetime.datetime(2026, 6, 4, 13, tzinfo=UTC)


def test_the_command_recomputes_by_schedule_definition_or_case(running, office, capsys):
    catalog_services.holiday_create(actor=None, schedule=office, name="Whit Tuesday", date=datetime.date(2026, 6, 2))
    call_command("recompute_slas", "--case", running.case.number)
    assert "1 running SLA(s) recomputed." in capsys.readouterr().out
    call_command("recompute_slas", "--definition", str(running.definition_id))
    call_command("recompute_slas", "--schedule", str(office.pk))
    running.refresh_from_db()
    assert running.breach_time == datetime.datetime(2026, 6, 3, 17, tzinfo=UTC)


def test_only_admins_recompute(world, running):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.sla_recompute(actor=world.users["agent"], case=running.case)
    assert services.sla_recompute(actor=world.users["admin"], case=running.case) == 1
