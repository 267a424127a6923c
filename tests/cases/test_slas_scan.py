"""The beat's SLA scan: notices at 50 % (assignee), 75 % and 100 % (assignee and group manager),
each exactly once; breaches; only due rows, through the partial index; safe to re-run and to run
twice at once."""
import datetime
import threading

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.models import Case, TaskSla
from cases.tasks.slas import scan_due_slas_task
from notifications.models import Notification
from tests import factories as f
from tests.cases.sla_helpers import MONDAY_9, act, clock, new_case  # noqa: F401  (clock is a fixture)

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


@pytest.fixture
def eight_hours(world):
    return f.SlaDefinitionFactory(duration=8 * H, pause_condition=f.AWAITING, stop_condition=f.RESOLVED,
                                  when_to_cancel="never")


@pytest.fixture
def assigned_case(world, eight_hours):
    return new_case(world, assigned_to=world.users["agent"])


def notices():
    """The SLA notices (the cases' own messages, e.g. "assigned to you", are not these tests' business)."""
    return list(
        Notification.objects.filter(event__startswith="sla.").order_by("id")
        .values_list("event", "recipient__username", "dedupe_key")
    )


def scan():
    return services.sla_scan_due()


def test_nothing_is_due_before_half_time(world, clock, assigned_case):
    clock.advance(hours=3, minutes=59)
    assert scan()["processed"] == 0
    assert notices() == []


def test_notices_at_50_75_and_100_percent_each_once(world, clock, assigned_case):
    task = TaskSla.objects.get(case=assigned_case)
    clock.advance(hours=4)
    assert scan() == {"processed": 1, "notices": 1, "batches": 1}
    assert notices() == [("sla.50", "agent_alice", f"sla:{task.pk}:50:assignee")]
    task.refresh_from_db()
    assert (task.notified_pct, task.next_check_at, task.has_breached) == (50, MONDAY_9 + 6 * H, False)
    assert scan()["processed"] == 0  # re-running sends nothing

    clock.advance(hours=2)
    scan()
    assert notices()[1:] == [
        ("sla.75", "agent_alice", f"sla:{task.pk}:75:assignee"),
        ("sla.75", "manager_max", f"sla:{task.pk}:75:manager"),
    ]
    clock.advance(hours=2)
    scan()
    assert [n[:2] for n in notices()[3:]] == [("sla.100", "agent_alice"), ("sla.100", "manager_max")]
    task.refresh_from_db()
    assert (task.notified_pct, task.next_check_at, task.has_breached, task.stage) == (100, None, True, "in_progress")
    assert Case.objects.get(pk=assigned_case.pk).made_sla is False
    clock.advance(days=3)
    assert scan()["processed"] == 0 and len(notices()) == 5


def test_a_late_scan_sends_every_threshold_passed_meanwhile_once(world, clock, assigned_case):
    clock.advance(hours=9)  # the worker was down: 50, 75 and 100 % all passed
    assert scan()["notices"] == 5
    assert sorted({n[0] for n in notices()}) == ["sla.100", "sla.50", "sla.75"]
    assert scan()["notices"] == 0 and len(notices()) == 5


def test_the_notice_names_the_case_and_the_breach_time(world, clock, assigned_case):
    clock.advance(hours=4)
    scan()
    note = Notification.objects.get(event__startswith="sla.")
    assert assigned_case.number in note.subject and "50%" in note.subject
    assert "2026-06-01 17:00" in note.body and note.related == f"cases.tasksla:{TaskSla.objects.get().pk}"


def test_no_assignee_means_the_manager_hears_from_75_percent(world, clock, eight_hours):
    new_case(world)
    clock.advance(hours=6)
    scan()
    assert [n[:2] for n in notices()] == [("sla.75", "manager_max")]


def test_the_manager_who_is_the_assignee_gets_one_notice(world, clock, eight_hours):
    new_case(world, assigned_to=world.users["manager"])
    clock.advance(hours=6)
    scan()
    assert [n[:2] for n in notices()] == [("sla.50", "manager_max"), ("sla.75", "manager_max")]


def test_paused_slas_are_not_due(world, clock, assigned_case):
    act(world, "agent", assigned_case, "assign-to-me")
    act(world, "agent", assigned_case, "request-info", comment="?")
    clock.advance(days=2)
    assert scan()["processed"] == 0
    act(world, "agent", assigned_case, "info-received")
    task = TaskSla.objects.get()
    assert task.next_check_at == clock.now + 4 * H  # the clock picks up where it stopped
    clock.advance(hours=4)
    assert scan()["notices"] == 1


def test_a_completed_sla_sends_no_more_notices(world, clock, assigned_case):
    act(world, "agent", assigned_case, "assign-to-me")
    act(world, "agent", assigned_case, "propose-solution", resolution_code="solved_fixed", close_notes="Done")
    clock.advance(days=1)
    assert scan()["processed"] == 0


def test_the_scan_reads_only_due_rows_whatever_the_number_running(world, clock, eight_hours):
    def measure():
        with CaptureQueriesContext(connection) as queries:
            result = scan()
        assert result["processed"] == 0
        return len(queries)

    for _ in range(3):
        new_case(world)
    few = measure()
    for _ in range(15):
        new_case(world)
    assert measure() == few


def test_batches_are_bounded_and_all_due_rows_are_processed(world, clock, eight_hours):
    for _ in range(5):
        new_case(world, assigned_to=world.users["agent"])
    clock.advance(hours=4)
    result = services.sla_scan_due(batch_size=2)
    assert result == {"processed": 5, "notices": 5, "batches": 3}


def test_the_task_runs_the_scan(world, clock, assigned_case):
    clock.advance(hours=4)
    assert scan_due_slas_task()["notices"] == 1
    assert scan_due_slas_task.app.conf.beat_schedule["scan-due-slas"]["schedule"] == 30.0


def test_an_outbox_row_already_there_is_not_sent_again(world, clock, assigned_case):
    """Belt and braces: if a row with the key exists (e.g. a scan committed its notices but its
    SLA row was restored), the dedupe key returns it instead of writing a second one."""
    task = TaskSla.objects.get()
    clock.advance(hours=4)
    scan()
    TaskSla.objects.filter(pk=task.pk).update(notified_pct=0, next_check_at=clock.now)
    scan()
    assert len(notices()) == 1


# --- PostgreSQL: the index and two scans at once ---------------------------------------------------
@pytest.mark.services
def test_the_due_query_uses_the_partial_index(world, clock, eight_hours):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plan")
    for _ in range(3):
        new_case(world)
    query = (
        TaskSla.objects.filter(stage="in_progress", next_check_at__isnull=False, next_check_at__lte=clock.now)
        .order_by("next_check_at")[:200]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = query.explain()
    assert "tasksla_due" in plan


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_notice_once(world, mocker):
    if connection.vendor != "postgresql":
        pytest.skip("needs row locks (SKIP LOCKED)")
    from tests.conftest import ensure_reference_data

    ensure_reference_data()
    definition = f.SlaDefinitionFactory(duration=8 * H, when_to_cancel="never")
    for _ in range(30):
        new_case(world, assigned_to=world.users["agent"])
    later = MONDAY_9.replace(year=2030)
    mocker.patch("cases.services.slas.timezone.now", return_value=later)
    TaskSla.objects.filter(definition=definition).update(next_check_at=later - H)
    errors = []

    def run():
        try:
            services.sla_scan_due(now=later, batch_size=5)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Notification.objects.count() == 30 * 5
    assert Notification.objects.values("dedupe_key").distinct().count() == 30 * 5
