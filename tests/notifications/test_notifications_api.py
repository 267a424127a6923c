"""GET /api/v1/notifications/: the caller's own messages (API.md "Other resources")."""
import pytest

from notifications.choices import Audience, NotificationState
from tests.factories.notifications import NotificationFactory
from tests.matrix import PERSONAS, assert_status, matrix

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


def mail_to(world, persona, **fields):
    audience = Audience.INTERNAL if persona in ("agent", "manager", "admin") else Audience.CUSTOMER
    return NotificationFactory(recipient=world.users[persona], audience=fields.pop("audience", audience), **fields)


@pytest.fixture
def inboxes(world):
    """One message for every signed-in persona."""
    return {p: mail_to(world, p, subject=f"For {p}") for p in PERSONAS if p != "anonymous"}


@matrix(external=200)
def test_notification_list_access(persona, expected, api_as, inboxes):
    response = api_as(persona).get(URL)
    assert_status(response, expected)
    if expected == 200:
        assert [row["subject"] for row in response.data["results"]] == [f"For {persona}"]


@matrix(external=200)
def test_own_notification_detail_access(persona, expected, api_as, inboxes):
    row = inboxes.get(persona) or inboxes["agent"]
    assert_status(api_as(persona).get(f"{URL}{row.pk}/"), expected)


@matrix(external=404, internal=404)
def test_someone_elses_notification_is_out_of_scope(persona, expected, api_as, world, inboxes):
    theirs = NotificationFactory(recipient=world.users["other_customer" if persona != "other_customer" else "customer"])
    assert_status(api_as(persona).get(f"{URL}{theirs.pk}/"), expected)


@matrix(external=405, internal=405)
def test_notifications_are_read_only(persona, expected, api_as, inboxes):
    row = inboxes.get(persona) or inboxes["agent"]
    assert_status(api_as(persona).patch(f"{URL}{row.pk}/", {"subject": "x"}), expected)


def test_a_customer_never_reads_an_internal_text(api_as, world):
    """Sent to them while they were staff, say: the internal text stays internal."""
    internal = mail_to(world, "customer", subject="Work note on CS1", body="Internal: the customer is difficult",
                       audience=Audience.INTERNAL)
    mail_to(world, "customer", subject="Your case was updated")
    client = api_as("customer")
    listed = client.get(URL).data["results"]
    assert [row["subject"] for row in listed] == ["Your case was updated"]
    assert "difficult" not in str(listed)
    assert_status(client.get(f"{URL}{internal.pk}/"), 404)


def test_staff_read_their_internal_texts(api_as, world):
    mail_to(world, "agent", subject="Case assigned to you", audience=Audience.INTERNAL, body="CS1 is yours")
    assert api_as("agent").get(URL).data["results"][0]["body"] == "CS1 is yours"


def test_an_account_mail_shows_no_body(api_as, world):
    """A password reset or a new login's temporary password: never readable with an API token."""
    mail_to(world, "customer", event="account.password_reset", audience="", subject="Reset your password",
            body="https://example.com/reset/abc123/")
    row = api_as("customer").get(URL).data["results"][0]
    assert row["subject"] == "Reset your password" and row["body"] is None


def test_the_answer_holds_no_delivery_internals(api_as, world):
    mail_to(world, "customer", last_error="550 mailbox full", headers={"X-Secret": "1"}, dedupe_key="k1")
    row = api_as("customer").get(URL).data["results"][0]
    assert set(row) == {"id", "event", "subject", "body", "related", "state", "created_at", "sent_at", "digest"}


def test_filters_by_state_and_event(api_as, world):
    mail_to(world, "customer", event="case.commented", subject="Comment")
    mail_to(world, "customer", event="case.resolved", subject="Resolved", state=NotificationState.SENT)
    client = api_as("customer")
    assert [r["subject"] for r in client.get(URL, {"state": "sent"}).data["results"]] == ["Resolved"]
    assert [r["subject"] for r in client.get(URL, {"event": "case.commented"}).data["results"]] == ["Comment"]
    assert_status(client.get(URL, {"state": "bogus"}), 400)


def test_paginated_newest_first(api_as, world):
    for n in range(3):
        mail_to(world, "customer", subject=f"Message {n}")
    page = api_as("customer").get(URL, {"page_size": 2}).data
    assert page["count"] == 3 and page["next"] and [r["subject"] for r in page["results"]] == ["Message 2", "Message 1"]


def test_list_queries_do_not_grow_with_rows(api_as, world, django_assert_max_num_queries):
    client = api_as("customer")
    for _ in range(3):
        mail_to(world, "customer")
    with django_assert_max_num_queries(4) as few:
        assert client.get(URL).data["count"] == 3
    for _ in range(20):
        mail_to(world, "customer")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(URL).data["count"] == 23


def test_the_schema_describes_the_list(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    assert set(schema["paths"]["/api/v1/notifications/"]) == {"get"}
    assert set(schema["paths"]["/api/v1/notifications/{id}/"]) == {"get"}
    listed = schema["paths"]["/api/v1/notifications/"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"event", "state", "related", "page", "page_size"}
    row = schema["components"]["schemas"]["Notification"]
    assert set(row["required"]) == set(row["properties"])
    nullable = {name for name, prop in row["properties"].items() if prop.get("nullable")}
    assert nullable == {"body", "sent_at", "digest"}
