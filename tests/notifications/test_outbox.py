"""The outbox: one row per message, sent after commit, at most once, retried with backoff, and
never lost when the broker is down."""
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from notifications import services
from notifications.choices import NotificationState
from notifications.models import Notification


@pytest.fixture
def queued(mocker):
    """The task's `delay`, recorded instead of sent to the broker."""
    return mocker.patch("notifications.tasks.send_notification_task.delay")


def enqueue(world, **kw):
    return services.notification_enqueue(
        event="test.event", subject="Hello", body="Body", recipient=world.user("agent"), **kw
    )


def test_enqueue_writes_a_pending_row_and_queues_it_only_after_commit(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        row = enqueue(world, related=world.account)
    assert row.state == NotificationState.PENDING
    assert row.to_address == world.user("agent").email
    assert row.related == f"customers.account:{world.account.pk}"
    queued.assert_not_called()
    for callback in callbacks:
        callback()
    queued.assert_called_once_with(row.pk)


def test_a_dedupe_key_makes_a_message_exactly_once(world, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = enqueue(world, dedupe_key="sla:1:50")
        second = enqueue(world, dedupe_key="sla:1:50")
    assert first.pk == second.pk
    assert Notification.objects.filter(dedupe_key="sla:1:50").count() == 1
    assert queued.call_count == 1


def test_a_batch_is_written_in_two_statements_and_keeps_exactly_once(
    world, queued, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(world, dedupe_key="sla:9:50:assignee")  # already there: not written again
        build = lambda key, **kw: services.notification_build(  # noqa: E731
            event="test.event", subject="S", body="B", recipient=world.user("agent"), dedupe_key=key, **kw
        )
        rows = [build("sla:9:50:assignee"), build("sla:9:75:assignee"), build("sla:9:75:assignee"),
                build("sla:9:75:manager", hold=True), build(None)]
        with django_assert_num_queries(3):  # the unkeyed rows, the keyed ones, the read of their keys
            written = services.notification_write_batch(rows)
    assert sorted(r.dedupe_key or "" for r in written) == ["", "sla:9:75:assignee", "sla:9:75:manager"]
    assert Notification.objects.filter(dedupe_key__startswith="sla:9:").count() == 3
    held = Notification.objects.get(dedupe_key="sla:9:75:manager")
    assert held.state == NotificationState.HELD
    queued_ids = {call.args[0] for call in queued.call_args_list}
    assert held.pk not in queued_ids and len(queued_ids) == 3  # the first enqueue, 75 % and the unkeyed one


def test_a_message_needs_somewhere_to_go(db):
    with pytest.raises(ValidationError) as exc:
        services.notification_enqueue(event="x", subject="s", body="b")
    assert "to_address" in exc.value.message_dict


def test_send_delivers_once_and_a_second_delivery_of_the_task_sends_nothing(world, queued):
    row = enqueue(world, headers={"In-Reply-To": "<abc@x>"})
    services.notification_send(row.pk)
    services.notification_send(row.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.user("agent").email]
    assert message.extra_headers["In-Reply-To"] == "<abc@x>"
    row.refresh_from_db()
    assert row.state == NotificationState.SENT and row.sent_at and row.attempts == 1
    assert message.extra_headers["Message-ID"] == row.message_id


def test_a_failed_send_is_retried_with_backoff_then_marked_failed(world, queued, mocker, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    mocker.patch("notifications.services.EmailMessage.send", side_effect=ConnectionRefusedError("smtp down"))
    row = enqueue(world)
    before = timezone.now()
    services.notification_send(row.pk)
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING and row.attempts == 1
    assert "smtp down" in row.last_error
    assert before + timedelta(seconds=55) <= row.next_attempt_at <= timezone.now() + timedelta(seconds=65)
    services.notification_send(row.pk)
    row.refresh_from_db()
    assert row.next_attempt_at >= before + timedelta(minutes=2) - timedelta(seconds=5)
    services.notification_send(row.pk)
    row.refresh_from_db()
    assert row.state == NotificationState.FAILED and row.attempts == 3 and row.next_attempt_at is None


def test_a_recipient_without_an_address_fails_with_the_reason(world, queued):
    user = world.user("agent")
    user.email = ""
    user.save()
    row = services.notification_enqueue(event="e", subject="s", body="b", recipient=user)
    services.notification_send(row.pk)
    row.refresh_from_db()
    assert row.state == NotificationState.FAILED
    assert "no email address" in row.last_error
    assert mail.outbox == []


def test_a_broker_outage_delays_the_message_and_the_beat_queues_it_again(
    world, mocker, django_capture_on_commit_callbacks
):
    delay = mocker.patch("notifications.tasks.send_notification_task.delay", side_effect=OSError("broker down"))
    with django_capture_on_commit_callbacks(execute=True):
        row = enqueue(world)
    assert delay.call_count == 1  # tried, failed, logged: the row is still there
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING

    assert services.notification_requeue_due() == 0  # not due yet
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    delay.side_effect = None
    assert services.notification_requeue_due() == 1
    delay.assert_called_with(row.pk)
    row.refresh_from_db()
    assert row.next_attempt_at > timezone.now()  # not queued again on the next beat tick
    assert services.notification_requeue_due() == 0


def test_requeue_leaves_sent_and_failed_rows_alone(world, queued):
    sent = enqueue(world)
    services.notification_send(sent.pk)
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert services.notification_requeue_due() == 0


def test_resend_from_the_admin_side(world, queued, mocker, django_capture_on_commit_callbacks):
    row = enqueue(world)
    services.notification_send(row.pk)
    with pytest.raises(PermissionDenied):
        services.notification_resend(actor=world.user("agent"), notification=row)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.notification_resend(actor=world.user("admin"), notification=row)
    assert again.state == NotificationState.PENDING and again.attempts == 0
    queued.assert_called_with(row.pk)
    services.notification_send(row.pk)
    assert len(mail.outbox) == 2


def test_the_tasks_call_the_services(world, queued):
    from notifications.tasks import requeue_due_notifications_task, send_notification_task

    row = enqueue(world)
    send_notification_task.run(row.pk)
    row.refresh_from_db()
    assert row.state == NotificationState.SENT
    assert requeue_due_notifications_task.run() == 0


def test_admin_resend_action(world, queued, client):
    row = enqueue(world)
    Notification.objects.filter(pk=row.pk).update(state=NotificationState.FAILED)
    client.force_login(world.user("admin"))
    response = client.post(
        "/admin/notifications/notification/", {"action": "resend", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING
