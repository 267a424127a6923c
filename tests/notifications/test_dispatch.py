"""From an event to outbox rows: never the author, each person once, preferences, the flood
guard, mandatory messages, thread headers."""
import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from notifications import services
from notifications.choices import Audience, Delivery, NotificationState
from notifications.models import Notification, NotificationTemplate
from notifications.services import Recipient

pytestmark = pytest.mark.django_db
C, I = Audience.CUSTOMER, Audience.INTERNAL
CASE = {"number": "CS0000042", "short_description": "Printer", "url": "http://x/"}


@pytest.fixture(autouse=True)
def no_broker(mocker):
    return mocker.patch("notifications.tasks.send_notification_task.delay")


def fanout(recipients, *, event="case.commented", author=None, dedupe="t:1", **kw):
    contexts = kw.pop("contexts", {C: {"case": CASE, "comment": "Hi", "author": "A"},
                                   I: {"case": CASE, "comment": "Hi", "author": "A"}})
    return services.notification_fanout(event=event, recipients=recipients, contexts=contexts, dedupe=dedupe,
                                        author=author, **kw)


def test_one_row_per_person_with_their_audiences_text(world):
    rows = fanout([Recipient(C, user=world.user("customer")), Recipient(I, user=world.user("agent"))])
    by_user = {r.recipient.username: r for r in rows}
    assert by_user["customer_dana"].audience == C and by_user["customer_dana"].subject.startswith("New comment")
    assert by_user["agent_alice"].audience == I and "commented" in by_user["agent_alice"].subject
    assert {r.state for r in rows} == {NotificationState.PENDING}


def test_the_author_is_never_told_by_login_or_by_address(world):
    agent = world.user("agent")
    rows = fanout([Recipient(I, user=agent), Recipient(C, address=agent.email.upper()),
                   Recipient(C, user=world.user("customer"))], author=agent)
    assert [r.recipient for r in rows] == [world.user("customer")]


def test_each_person_once_even_when_listed_twice(world):
    dana = world.user("customer")
    rows = fanout([Recipient(C, user=dana), Recipient(C, address=dana.email), Recipient(C, user=dana)])
    assert len(rows) == 1


def test_people_without_an_address_or_an_audience_text_get_nothing(world):
    assert fanout([Recipient(C, address="")]) == []
    assert fanout([Recipient(C, user=world.user("customer"))], event="case.work_noted",
                  contexts={I: {"case": CASE, "work_note": "x"}}) == []


def test_a_retried_event_writes_nothing_twice(world):
    first = fanout([Recipient(C, user=world.user("customer"))])
    again = fanout([Recipient(C, user=world.user("customer"))])
    assert [r.pk for r in first] == [r.pk for r in again]
    assert Notification.objects.count() == 1


def test_an_unknown_event_is_a_programming_error(world):
    with pytest.raises(ValueError):
        fanout([Recipient(C, user=world.user("customer"))], event="case.nothing")


# --- thread headers -------------------------------------------------------------------------------
def test_case_mail_carries_thread_headers_and_the_number_in_the_subject(world, settings):
    settings.NOTIFICATION_MESSAGE_ID_DOMAIN = "support.example.com"
    [row] = fanout([Recipient(C, user=world.user("customer"))], thread="case-CS0000042", subject_tag="CS0000042")
    assert row.subject.startswith("[CS0000042] ")
    assert row.headers == {"In-Reply-To": "<case-CS0000042@support.example.com>",
                           "References": "<case-CS0000042@support.example.com>"}
    services.notification_send(row.pk)
    message = mail.outbox[0]
    assert message.subject == row.subject
    assert message.extra_headers["In-Reply-To"] == "<case-CS0000042@support.example.com>"
    assert message.extra_headers["References"] == "<case-CS0000042@support.example.com>"
    assert message.extra_headers["Message-ID"] == row.message_id and row.message_id.endswith("@support.example.com>")
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_the_number_is_not_prefixed_twice(world):
    [row] = fanout([Recipient(C, user=world.user("customer"))], subject_tag="CS0000042",
                   contexts={C: {"case": CASE, "comment": "x", "author": "A"}}, event="case.commented")
    assert row.subject.count("[CS0000042]") == 1
    services.notification_template_update(actor=None, instance=NotificationTemplate.objects.get(
        event="case.closed", audience=C), subject="[{{ case.number }}] closed")
    [closed] = fanout([Recipient(C, user=world.user("customer"))], event="case.closed", subject_tag="CS0000042",
                      dedupe="t:2")
    assert closed.subject == "[CS0000042] closed"


# --- preferences ----------------------------------------------------------------------------------
def test_email_off_for_an_event_sends_nothing_to_that_person(world):
    dana = world.user("customer")
    services.notification_preference_set(actor=dana, user=dana, topic="case.commented", email=False)
    rows = fanout([Recipient(C, user=dana), Recipient(C, user=world.user("customer_admin"))])
    assert [r.recipient for r in rows] == [world.user("customer_admin")]


def test_the_most_specific_preference_wins(world):
    dana = world.user("customer")
    services.notification_preference_set(actor=dana, user=dana, topic="*", email=False)
    services.notification_preference_set(actor=dana, user=dana, topic="case.*", email=True, delivery=Delivery.DIGEST)
    [row] = fanout([Recipient(C, user=dana)])
    assert row.state == NotificationState.HELD
    services.notification_preference_set(actor=dana, user=dana, topic="case.commented", delivery=Delivery.IMMEDIATE)
    [row] = fanout([Recipient(C, user=dana)], dedupe="t:2")
    assert row.state == NotificationState.PENDING
    assert fanout([Recipient(I, user=dana)], event="escalation.updated", dedupe="t:3",
                  contexts={I: {"escalation": {"number": "E"}, "what": "x"}}) == []  # `*`: off


def test_a_held_message_is_not_queued_for_sending(world, no_broker, django_capture_on_commit_callbacks):
    dana = world.user("customer")
    services.notification_preference_set(actor=dana, user=dana, topic="*", delivery=Delivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        [row] = fanout([Recipient(C, user=dana)])
    assert row.state == NotificationState.HELD and row.next_attempt_at is None
    no_broker.assert_not_called()
    assert services.notification_requeue_due() == 0


def test_the_default_delivery_is_a_setting(world, settings):
    settings.NOTIFICATION_DEFAULT_DELIVERY = Delivery.DIGEST
    [row] = fanout([Recipient(C, user=world.user("customer"))])
    assert row.state == NotificationState.HELD


def test_mandatory_messages_ignore_opt_outs_and_digests(world):
    agent = world.user("agent")
    services.notification_preference_set(actor=agent, user=agent, topic="*", email=False)
    services.notification_preference_set(actor=agent, user=agent, topic="sla.*", delivery=Delivery.DIGEST)
    context = {I: {"case": CASE, "sla": {"name": "P1", "percent": 100, "at": "now", "breach_time": "now"}}}
    [row] = fanout([Recipient(I, user=agent)], event="sla.100", contexts=context)
    assert row.state == NotificationState.PENDING
    [row] = fanout([Recipient(I, user=agent)], event="sla.75", contexts=context, dedupe="t:2")
    assert row.state == NotificationState.HELD  # sla.* (digest) is more specific than * (off)


def test_a_mandatory_event_cannot_be_switched_off_by_name(world):
    agent = world.user("agent")
    with pytest.raises(ValidationError) as exc:
        services.notification_preference_set(actor=agent, user=agent, topic="sla.100", email=False)
    assert "email" in exc.value.message_dict


@pytest.mark.parametrize("topic", ["case", "nope.*", "case.nothing", "notification.digest", ""])
def test_a_preference_names_an_event_a_group_or_everything(world, topic):
    dana = world.user("customer")
    with pytest.raises(ValidationError) as exc:
        services.notification_preference_set(actor=dana, user=dana, topic=topic)
    assert "topic" in exc.value.message_dict


def test_one_preference_per_topic(world):
    dana = world.user("customer")
    services.notification_preference_set(actor=dana, user=dana, topic="case.*")
    with pytest.raises(ValidationError):
        services.notification_preference_set(actor=dana, user=dana, topic="case.*", email=False)


def test_people_manage_their_own_preferences_and_admins_anyones(world):
    dana = world.user("customer")
    with pytest.raises(PermissionDenied):
        services.notification_preference_set(actor=world.user("agent"), user=dana, topic="*")
    row = services.notification_preference_set(actor=world.user("admin"), user=dana, topic="*")
    with pytest.raises(PermissionDenied):
        services.notification_preference_update(actor=world.user("customer_admin"), instance=row, email=False)
    services.notification_preference_delete(actor=dana, instance=row)
    assert not dana.notification_preferences.exists()


# --- the flood guard ------------------------------------------------------------------------------
def test_past_the_flood_limit_the_rest_of_the_window_is_held(world, settings, mocker):
    settings.NOTIFICATION_FLOOD_LIMIT, settings.NOTIFICATION_FLOOD_WINDOW_MINUTES = 3, 10
    dana = world.user("customer")
    states = [fanout([Recipient(C, user=dana)], dedupe=f"t:{i}")[0].state for i in range(5)]
    assert states == ["pending"] * 3 + ["held"] * 2
    others = fanout([Recipient(C, user=world.user("customer_admin"))], dedupe="t:other")
    assert others[0].state == NotificationState.PENDING  # per person
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=11)
    mocker.patch("django.utils.timezone.now", return_value=later)
    assert fanout([Recipient(C, user=dana)], dedupe="t:after")[0].state == NotificationState.PENDING


def test_the_flood_guard_counts_addresses_without_a_login_too(world, settings):
    settings.NOTIFICATION_FLOOD_LIMIT = 2
    states = [fanout([Recipient(C, address="walkin@example.com")], dedupe=f"t:{i}")[0].state for i in range(3)]
    assert states == ["pending", "pending", "held"]


def test_the_flood_guard_is_decided_by_the_rows_own_insert(world, settings, django_assert_num_queries, no_broker):
    """No count before the write: the INSERT holds the row if the window is full when it runs, and
    says so (RETURNING); a held row has no next attempt and is not queued."""
    settings.NOTIFICATION_FLOOD_LIMIT = 2
    dana, cache = world.user("customer"), {}
    fanout([Recipient(C, user=dana)], dedupe="t:warm", cache=cache)  # templates and preferences cached
    with django_assert_num_queries(1):
        [second] = fanout([Recipient(C, user=dana)], dedupe="t:1", cache=cache)
    with django_assert_num_queries(1):
        [third] = fanout([Recipient(C, user=dana)], dedupe="t:2", cache=cache)
    assert (second.state, third.state) == (NotificationState.PENDING, NotificationState.HELD)
    assert second.next_attempt_at is not None and third.next_attempt_at is None
    stored = {n.pk: n for n in Notification.objects.filter(pk__in=[second.pk, third.pk])}
    assert stored[second.pk].state == NotificationState.PENDING and stored[second.pk].next_attempt_at == second.next_attempt_at
    assert stored[third.pk].state == NotificationState.HELD and stored[third.pk].next_attempt_at is None


def test_a_batch_after_single_writes_counts_them(world, settings):
    settings.NOTIFICATION_FLOOD_LIMIT = 3
    dana, cache = world.user("customer"), {}
    fanout([Recipient(C, user=dana)], dedupe="t:0", cache=cache)
    fanout([Recipient(C, user=dana)], dedupe="t:1", cache=cache)
    batch = []
    for i in range(2):
        fanout([Recipient(C, user=dana)], dedupe=f"t:b{i}", cache=cache, batch=batch)
    assert [row.state for row in batch] == [NotificationState.PENDING, NotificationState.HELD]
    # and singles after the batch's count go on from it
    [after] = fanout([Recipient(C, user=dana)], dedupe="t:after", cache=cache)
    assert after.state == NotificationState.HELD


def test_mandatory_messages_pass_the_flood_guard(world, settings):
    settings.NOTIFICATION_FLOOD_LIMIT = 1
    agent = world.user("agent")
    fanout([Recipient(I, user=agent)], dedupe="t:0")
    context = {I: {"case": CASE, "sla": {"name": "P1", "percent": 100, "at": "now", "breach_time": "now"}}}
    [row] = fanout([Recipient(I, user=agent)], event="sla.100", contexts=context)
    assert row.state == NotificationState.PENDING


def test_one_cache_reads_templates_and_preferences_once_for_a_batch(world, django_assert_max_num_queries):
    cache = {}
    agent = world.user("agent")
    fanout([Recipient(I, user=agent)], dedupe="t:0", cache=cache)
    with django_assert_max_num_queries(2):  # the INSERT ... ON CONFLICT and its read-back
        fanout([Recipient(I, user=agent)], dedupe="t:1", cache=cache)
