"""Digests: held messages go out as one message per person per period, each listed exactly once."""
import datetime

import pytest
from django.core import mail

from notifications import services
from notifications.choices import Audience, Delivery, NotificationState
from notifications.models import Notification, NotificationTemplate
from notifications.services import Recipient

pytestmark = pytest.mark.django_db
C, I = Audience.CUSTOMER, Audience.INTERNAL
UTC = datetime.UTC
T0 = datetime.datetime(2026, 6, 1, 9, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_broker(mocker):
    return mocker.patch("notifications.tasks.send_notification_task.delay")


@pytest.fixture
def clock(mocker):
    class Clock:
        now = T0

        def __call__(self):
            return self.now

    value = Clock()
    mocker.patch("django.utils.timezone.now", side_effect=value)
    return value


def hold(recipient: Recipient, n: int, *, event="case.commented") -> list[Notification]:
    context = {"case": {"number": f"CS{n:07d}", "short_description": f"Case {n}"}, "comment": f"Comment {n}",
               "author": "Alice"}
    return services.notification_fanout(event=event, recipients=[recipient], contexts={recipient.audience: context},
                                        dedupe=f"t:{n}", thread=f"case-CS{n:07d}", subject_tag=f"CS{n:07d}")


@pytest.fixture
def digest_people(world):
    for persona in ("customer", "agent"):
        user = world.user(persona)
        services.notification_preference_set(actor=user, user=user, topic="*", delivery=Delivery.DIGEST)
    return world.user("customer"), world.user("agent")


def test_period_ends_are_aligned_on_the_clock(settings):
    settings.NOTIFICATION_DIGEST_PERIOD_MINUTES = 60
    assert services.digest_period_end(T0) == datetime.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    settings.NOTIFICATION_DIGEST_PERIOD_MINUTES = 24 * 60
    assert services.digest_period_end(T0) == datetime.datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


def test_held_messages_wait_for_the_end_of_their_period(clock, digest_people):
    dana, _ = digest_people
    hold(Recipient(C, user=dana), 1)
    assert services.notification_digests_send() == {"digests": 0, "messages": 0}
    clock.now = datetime.datetime(2026, 6, 1, 10, 0, 5, tzinfo=UTC)
    assert services.notification_digests_send() == {"digests": 1, "messages": 1}


def test_one_digest_per_person_listing_each_held_message_once(clock, digest_people):
    dana, alice = digest_people
    for n in (1, 2, 3):
        hold(Recipient(C, user=dana), n)
    hold(Recipient(I, user=alice), 4)
    clock.now = datetime.datetime(2026, 6, 1, 10, 1, tzinfo=UTC)
    assert services.notification_digests_send() == {"digests": 2, "messages": 4}

    digest = Notification.objects.get(event="notification.digest", recipient=dana)
    assert digest.state == NotificationState.PENDING and digest.audience == C
    assert digest.subject == "Your case updates: 3 messages"
    for n in (1, 2, 3):
        assert f"[CS{n:07d}] New comment on your case: Case {n}" in digest.body
        assert digest.body.count(f"Comment {n}\n") == 1
    held = Notification.objects.filter(recipient=dana).exclude(pk=digest.pk)
    assert set(held.values_list("state", "digest_id")) == {(NotificationState.DIGESTED, digest.pk)}
    assert Notification.objects.get(event="notification.digest", recipient=alice).audience == I

    assert services.notification_digests_send() == {"digests": 0, "messages": 0}  # re-run: nothing


def test_a_digest_is_an_outbox_row_sent_like_any_other(clock, digest_people):
    dana, _ = digest_people
    hold(Recipient(C, user=dana), 1)
    clock.now += datetime.timedelta(hours=1)
    services.notification_digests_send()
    digest = Notification.objects.get(event="notification.digest")
    services.notification_send(digest.pk)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [dana.email]
    assert "In-Reply-To" not in mail.outbox[0].extra_headers  # many cases: no single thread


def test_addresses_without_a_login_get_digests_too(clock, settings):
    settings.NOTIFICATION_DEFAULT_DELIVERY = Delivery.DIGEST
    for n in (1, 2):
        hold(Recipient(C, address="walkin@example.com"), n)
    clock.now += datetime.timedelta(hours=1)
    assert services.notification_digests_send() == {"digests": 1, "messages": 2}
    assert Notification.objects.get(event="notification.digest").to_address == "walkin@example.com"


def test_a_message_that_missed_its_periods_digest_goes_in_the_next(clock, digest_people):
    dana, _ = digest_people
    hold(Recipient(C, user=dana), 1)
    clock.now = datetime.datetime(2026, 6, 1, 10, 0, 1, tzinfo=UTC)
    services.notification_digests_send()
    # A row of the 9:00 period committed only now (its transaction was still open at 10:00:01).
    [late] = hold(Recipient(C, user=dana), 2)
    Notification.objects.filter(pk=late.pk).update(created_at=datetime.datetime(2026, 6, 1, 9, 59, tzinfo=UTC))
    assert services.notification_digests_send() == {"digests": 0, "messages": 0}  # this period's digest went
    assert Notification.objects.get(pk=late.pk).state == NotificationState.HELD
    clock.now = datetime.datetime(2026, 6, 1, 11, 0, 1, tzinfo=UTC)
    assert services.notification_digests_send() == {"digests": 1, "messages": 1}


def test_with_the_digest_template_off_held_messages_go_one_by_one(clock, digest_people, django_capture_on_commit_callbacks, no_broker):
    dana, _ = digest_people
    NotificationTemplate.objects.filter(event="notification.digest").update(active=False)
    [row] = hold(Recipient(C, user=dana), 1)
    clock.now += datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.notification_digests_send()
    assert Notification.objects.get(pk=row.pk).state == NotificationState.PENDING
    no_broker.assert_called_once_with(row.pk)
    assert not Notification.objects.filter(event="notification.digest").exists()


def test_the_flood_guard_held_rows_go_in_the_digest(clock, settings, world):
    settings.NOTIFICATION_FLOOD_LIMIT = 2
    dana = world.user("customer")
    rows = [hold(Recipient(C, user=dana), n)[0] for n in range(4)]
    assert [r.state for r in rows] == ["pending", "pending", "held", "held"]
    clock.now += datetime.timedelta(hours=1)
    assert services.notification_digests_send() == {"digests": 1, "messages": 2}


def test_the_beat_task_runs_the_digests(clock, digest_people):
    from notifications.tasks import send_digests_task

    hold(Recipient(C, user=digest_people[0]), 1)
    clock.now += datetime.timedelta(hours=1)
    assert send_digests_task.run() == {"digests": 1, "messages": 1}


def test_admins_release_a_held_message_to_send_it_alone(digest_people, world, django_capture_on_commit_callbacks, no_broker):
    [row] = hold(Recipient(C, user=digest_people[0]), 1)
    with django_capture_on_commit_callbacks(execute=True):
        released = services.notification_release(actor=world.user("admin"), notification=row)
    assert released.state == NotificationState.PENDING and released.next_attempt_at
    no_broker.assert_called_once_with(row.pk)
