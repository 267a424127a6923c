"""/api/v1/notification-preferences/: everyone signed in manages their own preferences; someone
else's are out of scope (404)."""
import pytest

from notifications import services
from notifications.models import NotificationPreference
from tests.factories import NotificationPreferenceFactory
from tests.matrix import PERSONAS, assert_status, matrix

pytestmark = pytest.mark.django_db
URL = "/api/v1/notification-preferences/"


def own(world, persona, **fields):
    user = world.user(persona)
    return services.notification_preference_set(actor=user, user=user, **{"topic": "case.*", **fields})


@matrix(anonymous=401, external=200, internal=200)
def test_list_shows_only_your_own(persona, expected, api_as, world):
    for p in PERSONAS[1:]:
        own(world, p, delivery="digest")
    response = api_as(persona).get(URL)
    assert_status(response, expected)
    if expected == 200:
        assert [row["topic"] for row in response.data["results"]] == ["case.*"]
        assert response.data["results"][0]["id"] == NotificationPreference.objects.get(user=world.user(persona)).pk


@matrix(anonymous=401, external=201, internal=201)
def test_create_your_own(persona, expected, api_as, world):
    response = api_as(persona).post(URL, {"topic": "case.commented", "email": False})
    assert_status(response, expected)
    if expected == 201:
        row = NotificationPreference.objects.get(pk=response.data["id"])
        assert (row.user, row.topic, row.email, row.delivery) == (world.user(persona), "case.commented", False, "immediate")


@matrix(anonymous=401, external=404, internal=404)
def test_someone_elses_preference_is_out_of_scope(persona, expected, api_as, world):
    theirs = NotificationPreferenceFactory()
    client = api_as(persona)
    assert_status(client.get(f"{URL}{theirs.pk}/"), expected)
    assert_status(client.patch(f"{URL}{theirs.pk}/", {"email": False}), expected)
    assert_status(client.delete(f"{URL}{theirs.pk}/"), expected)
    assert NotificationPreference.objects.get(pk=theirs.pk).email is True


@matrix(anonymous=401, external=200, internal=200)
def test_change_and_delete_your_own(persona, expected, api_as, world):
    if persona == "anonymous":
        assert_status(api_as(persona).patch(f"{URL}1/", {"email": False}), 401)
        return
    row = own(world, persona)
    client = api_as(persona)
    refused = client.patch(f"{URL}{row.pk}/", {"delivery": "digest", "topic": "sla.*"})
    assert_status(refused, 400)  # the topic is not changed here, and saying so beats ignoring it
    assert "delete" in refused.data["errors"]["topic"][0]
    response = client.patch(f"{URL}{row.pk}/", {"delivery": "digest"})
    assert_status(response, expected)
    assert (response.data["delivery"], response.data["topic"]) == ("digest", "case.*")  # the topic stays
    assert_status(client.delete(f"{URL}{row.pk}/"), 204)
    assert not NotificationPreference.objects.filter(pk=row.pk).exists()


def test_a_bad_topic_or_a_second_row_for_a_topic_is_400(api_as, world):
    client = api_as("customer")
    response = client.post(URL, {"topic": "cases.*"})
    assert_status(response, 400)
    assert "topic" in response.data["errors"] and "case.*" in response.data["errors"]["topic"][0]
    assert_status(client.post(URL, {"topic": "case.*"}), 201)
    assert_status(client.post(URL, {"topic": "case.*", "email": False}), 400)


def test_a_mandatory_message_cannot_be_switched_off(api_as):
    response = api_as("agent").post(URL, {"topic": "sla.100", "email": False})
    assert_status(response, 400)
    assert "mandatory" in response.data["errors"]["email"][0]


@matrix(anonymous=401, external=200, internal=200)
def test_effective_preferences_say_what_applies_and_why(persona, expected, api_as, world):
    if persona != "anonymous":
        own(world, persona, delivery="digest")
        user = world.user(persona)
        services.notification_preference_set(actor=user, user=user, topic="case.commented", email=False)
    response = api_as(persona).get(f"{URL}effective/")
    assert_status(response, expected)
    if expected != 200:
        return
    rows = {row["event"]: row for row in response.data}
    assert "notification.digest" not in rows
    assert (rows["case.commented"]["email"], rows["case.commented"]["source"]) == (False, "case.commented")
    assert (rows["case.closed"]["delivery"], rows["case.closed"]["source"]) == ("digest", "case.*")
    assert (rows["sla.50"]["delivery"], rows["sla.50"]["source"]) == ("immediate", "default")
    assert (rows["sla.100"]["mandatory"], rows["sla.100"]["source"]) == (True, "mandatory")
    assert rows["case.work_noted"]["audiences"] == ["internal"]


def test_the_list_costs_the_same_for_5_or_18_rows(api_as, world, django_assert_max_num_queries):
    user = world.user("agent")
    topics = ["*", "case.*", "sla.*", "escalation.*", "case.commented"]
    for topic in topics:
        services.notification_preference_set(actor=user, user=user, topic=topic)
    client = api_as("agent")
    with django_assert_max_num_queries(6) as few:
        assert len(client.get(URL).data["results"]) == 5
    more = ["case.closed", "case.reopened", "case.assigned", "case.work_noted", "case.info_requested",
            "case.solution_proposed", "case.cancelled", "case.created", "sla.50", "sla.75",
            "escalation.updated", "escalation.approved", "case.auto_close_reminder"]
    for topic in more:
        services.notification_preference_set(actor=user, user=user, topic=topic)
    for i in range(12):  # other people's rows do not count either
        NotificationPreferenceFactory(topic="*")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).data["count"] == 18
