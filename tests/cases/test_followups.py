"""The "case opened" mail follows the creation after commit (cases.services.followups): not in the
creating request, exactly once, and never lost to a broker outage or a failing worker."""
import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.choices import EventKind
from cases.models import CaseEvent
from cases.services import followups, notify
from notifications.models import Notification


@pytest.fixture
def queued(monkeypatch):
    """The event ids handed to the broker (the task itself is not run)."""
    calls = []
    monkeypatch.setattr(followups.run_case_followup_task, "delay", calls.append)
    return calls


def _created(case) -> CaseEvent:
    return CaseEvent.objects.get(case=case, kind=EventKind.CREATED)


def _mail(case) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(related=f"cases.case:{case.pk}", event="case.created")
    return list(rows.values_list("event", "recipient__username"))


def _open_for_dana(world):
    return services.case_create(actor=world.users["agent"], short_description="For Dana",
                                contact=world.contacts["customer"])


def test_the_mail_is_written_after_commit_by_the_task_not_by_the_creation(world, queued,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = _open_for_dana(world)
    event = _created(case)
    assert event.followup_pending and _mail(case) == []  # nothing rendered or written in the request
    assert queued == []  # nor queued before the commit
    for callback in callbacks:
        callback()
    assert queued == [event.pk]
    assert followups.case_followup_run(event.pk) is True
    assert _mail(case) == [("case.created", "customer_dana")]
    assert not _created(case).followup_pending


def test_a_second_delivery_sends_nothing_more(world, queued):
    case = _open_for_dana(world)
    event = _created(case)
    assert followups.case_followup_run(event.pk) is True
    assert followups.case_followup_run(event.pk) is False  # acks_late redelivery, or the beat at once
    assert followups.case_followups_run_due(grace=datetime.timedelta(0)) == 0
    assert _mail(case) == [("case.created", "customer_dana")]


def test_a_broker_outage_delays_the_mail_until_the_beat_runs_it(world, monkeypatch,
                                                                django_capture_on_commit_callbacks):
    def down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(followups.run_case_followup_task, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        case = _open_for_dana(world)  # the creation commits all the same
    now = timezone.now()
    assert followups.case_followups_run_due(now=now) == 0  # within the grace a queued task has
    assert _mail(case) == []
    assert followups.case_followups_run_due(now=now + followups.FOLLOWUP_GRACE + datetime.timedelta(seconds=1)) == 1
    assert _mail(case) == [("case.created", "customer_dana")]
    assert followups.case_followups_run_due(now=now + datetime.timedelta(hours=1)) == 0


def test_a_worker_failing_midway_leaves_the_mail_pending_and_it_runs_once_later(world, queued, monkeypatch):
    case = _open_for_dana(world)
    event = _created(case)
    real = notify.notify_case_created

    def write_then_die(*args, **kwargs):
        real(*args, **kwargs)  # the outbox row is written ... and the worker dies before commit
        raise RuntimeError("worker killed")

    monkeypatch.setattr(notify, "notify_case_created", write_then_die)
    with pytest.raises(RuntimeError):
        followups.case_followup_run(event.pk)
    assert _created(case).followup_pending and _mail(case) == []  # rolled back together
    monkeypatch.setattr(notify, "notify_case_created", real)
    assert followups.case_followup_run(event.pk) is True
    assert _mail(case) == [("case.created", "customer_dana")]


def test_a_customer_opening_their_own_case_queues_no_followup(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = services.case_create(actor=world.users["customer"], short_description="Mine")
    assert not _created(case).followup_pending and queued == []


def test_a_rolled_back_creation_queues_nothing(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):
        services.case_create(actor=world.users["agent"], short_description="x" * 500,
                             contact=world.contacts["customer"])
    assert queued == []


# The statements of one API creation by an agent for a contact (force_authenticate: no session or
# user read), on SQLite and on PostgreSQL. The "case opened" mail used to add two here (the
# recipient's preferences and the outbox row); see bench/README.md "Creation, issue 15".
CREATE_QUERIES = {"sqlite": 9, "postgresql": 7}


def test_an_api_creation_costs_a_fixed_small_number_of_statements(api_as, world, django_assert_num_queries):
    from django.db import connection

    client = api_as("agent")
    body = {"short_description": "Help", "contact": world.contacts["customer"].pk, "assignment_group": world.group.pk,
            "impact": 2, "urgency": 3}
    assert client.post("/api/v1/cases/", body, format="json").status_code == 201  # warm the process caches
    with django_assert_num_queries(CREATE_QUERIES[connection.vendor]) as captured:
        response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201 and response.data["allowed_actions"]
    assert not any("notifications_notification" in q["sql"] for q in captured.captured_queries)


def test_the_beat_runs_the_due_followups_every_minute(world, queued):
    from cases.tasks.followups import run_due_case_followups_task
    from config.celery import app

    entry = app.conf.beat_schedule["run-due-case-followups"]
    assert entry["task"] == run_due_case_followups_task.name and entry["schedule"] <= 60.0
    case = _open_for_dana(world)
    CaseEvent.objects.filter(case=case).update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    assert run_due_case_followups_task() == 1  # the task body, as the worker runs it
    assert _mail(case) == [("case.created", "customer_dana")]
