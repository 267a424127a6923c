"""The held-mail page and its actions (persona matrix), the admin's mail actions, the re-process
command and the demo mailbox."""
import pytest
from django.core.management import call_command
from django.urls import reverse

from cases.models import Case
from customers import services as customer_services
from interactions import services_mail
from interactions.choices import InboundState
from interactions.models import InboundMessage, Mailbox
from tests.interactions.mail_conftest import corpus, deliver, mailbox, media  # noqa: F401
from tests.matrix import INTERNAL, matrix

pytestmark = pytest.mark.django_db
S = InboundState
URL = "/mail/held/"


@pytest.fixture
def held(deliver):
    return deliver(corpus("forwarded.eml", sender="stranger@nowhere.example"))


@pytest.fixture
def quarantined(world, deliver):
    return deliver(corpus("broken_boundary.eml", sender=world.contacts["customer"].email))


@matrix(anonymous=302, external=404, internal=200)
def test_held_page_persona_matrix(persona, expected, client_as, held):
    response = client_as(persona).get(URL)
    assert response.status_code == expected
    if expected == 200:
        assert b"stranger@nowhere.example" in response.content and b"Unknown sender" in response.content


@matrix(anonymous=302, external=404, internal=302)
def test_held_reprocess_persona_matrix(persona, expected, client_as, held):
    response = client_as(persona).post(reverse("interactions:mail-held-reprocess", args=[held.pk]))
    assert response.status_code == expected


@matrix(anonymous=302, external=404, internal=302)
def test_held_discard_persona_matrix(persona, expected, client_as, held):
    response = client_as(persona).post(reverse("interactions:mail-held-discard", args=[held.pk]))
    assert response.status_code == expected
    held.refresh_from_db()
    assert (held.state == S.IGNORED) == (persona in INTERNAL)  # anonymous: 302 to sign in


@matrix(anonymous=302, external=404, internal=302)
def test_held_create_case_persona_matrix(persona, expected, client_as, world, held):
    address = world.contacts["customer"].email
    response = client_as(persona).post(reverse("interactions:mail-held-create-case", args=[held.pk]), {"contact_email": address})
    assert response.status_code == expected
    held.refresh_from_db()
    assert (held.state == S.PROCESSED) == (persona in INTERNAL)


def test_the_page_lists_held_and_quarantined_with_bounded_queries(client_as, held, quarantined, deliver, django_assert_max_num_queries):
    for i in range(8):
        deliver(corpus("forwarded.eml", sender=f"stranger{i}@nowhere.example").replace(b"fwd-0001", f"fwd-x{i}".encode()))
    client = client_as("agent")
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.content.count(b'id="message-') == 10
    only_quarantined = client.get(URL + "?state=quarantined")
    assert only_quarantined.content.count(b'id="message-') == 1 and b"boundary" in only_quarantined.content


def test_create_case_for_a_contact_from_a_held_message(client_as, world, held):
    response = client_as("agent").post(
        reverse("interactions:mail-held-create-case", args=[held.pk]), {"contact_email": world.contacts["customer"].email},
        follow=True,
    )
    held.refresh_from_db()
    case = Case.objects.get(pk=held.case_id)
    assert case.contact_id == world.contacts["customer"].pk and case.opened_by_id == world.users["agent"].pk
    assert case.channel == "email" and f"Case {case.number} opened" in response.content.decode()


def test_create_case_refuses_an_unknown_address(client_as, held):
    response = client_as("agent").post(
        reverse("interactions:mail-held-create-case", args=[held.pk]), {"contact_email": "nobody@x.example"}, follow=True
    )
    held.refresh_from_db()
    assert held.state == S.HELD and "No single active contact" in response.content.decode()


def test_reprocess_after_the_contact_exists_opens_the_case(client_as, world, held):
    customer_services.contact_create(actor=None, account=world.account, first_name="Sam", last_name="Stranger",
                                     email="stranger@nowhere.example")
    client_as("agent").post(reverse("interactions:mail-held-reprocess", args=[held.pk]))
    held.refresh_from_db()
    assert held.state == S.PROCESSED and held.case_id and held.attempts == 2


def test_a_processed_message_cannot_be_reprocessed(world, deliver):
    message = deliver(corpus("forwarded.eml", sender=world.contacts["customer"].email))
    with pytest.raises(Exception) as exc:
        services_mail.inbound_reprocess(actor=world.users["agent"], message=message)
    assert "reprocess" in str(getattr(exc.value, "action", "")) or exc.type.__name__ == "InvalidTransition"


def test_a_quarantined_message_reprocessed_stays_quarantined_with_its_reason(world, quarantined):
    message = services_mail.inbound_reprocess(actor=world.users["agent"], message=quarantined)
    assert message.state == S.QUARANTINED and "boundary" in message.reason


def test_customers_never_reach_the_actions_even_by_service(world, held):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services_mail.inbound_discard(actor=world.users["customer"], message=held)


# --- admin ---------------------------------------------------------------------------------------
def test_admin_reprocess_action(client_as, world, held):
    customer_services.contact_create(actor=None, account=world.account, first_name="Sam", last_name="Stranger",
                                     email="stranger@nowhere.example")
    url = reverse("admin:interactions_inboundmessage_changelist")
    response = client_as("admin").post(url, {"action": "reprocess_selected", "_selected_action": [held.pk]}, follow=True)
    held.refresh_from_db()
    assert response.status_code == 200 and held.state == S.PROCESSED


def test_admin_poll_now_queues_a_poll(client_as, mailbox, mocker, django_capture_on_commit_callbacks):
    delay = mocker.patch("interactions.tasks_mail.poll_mailbox_task.delay")
    url = reverse("admin:interactions_mailbox_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        client_as("admin").post(url, {"action": "poll_now", "_selected_action": [mailbox.pk]})
    delay.assert_called_once_with(mailbox_id=mailbox.pk)


def test_admin_mailbox_form_never_shows_the_password_and_keeps_it_when_left_empty(client_as, world):
    box = services_mail.mailbox_create(
        actor=None, name="IMAP", address="imap@casedesk.localhost", kind="imap", imap_host="mail.example",
        imap_username="support", imap_password="very-secret-pw",
    )
    client = client_as("admin")
    url = reverse("admin:interactions_mailbox_change", args=[box.pk])
    page = client.get(url).content.decode()
    assert "very-secret-pw" not in page
    data = {
        "name": "IMAP", "address": "imap@casedesk.localhost", "kind": "imap", "active": "on", "poll_interval_seconds": 60,
        "creates": "case", "imap_host": "mail2.example", "imap_port": 993, "imap_ssl": "on", "imap_username": "support",
        "imap_password_env": "", "imap_password": "", "imap_folder": "INBOX", "maildir_path": "",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    box.refresh_from_db()
    assert box.imap_host == "mail2.example" and box.imap_password == "very-secret-pw"


def test_mailbox_validation_names_the_missing_fields():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services_mail.mailbox_create(actor=None, name="X", address="x@casedesk.localhost", kind="imap")
    assert {"imap_host", "imap_username", "imap_password_env"} <= set(exc.value.message_dict)


def test_only_admins_configure_mailboxes(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services_mail.mailbox_create(actor=world.users["agent"], name="X", address="x@casedesk.localhost",
                                     kind="maildir", maildir_path="/tmp/x")


# --- command and demo ----------------------------------------------------------------------------
def test_reprocess_command_by_state(world, held, capsys):
    customer_services.contact_create(actor=None, account=world.account, first_name="Sam", last_name="Stranger",
                                     email="stranger@nowhere.example")
    call_command("reprocess_inbound", "--state", "held")
    held.refresh_from_db()
    assert held.state == S.PROCESSED and f"#{held.pk}: processed" in capsys.readouterr().out


def test_the_demo_mailbox_is_polled_into_a_case_a_held_and_an_ignored_message(no_world, settings, tmp_path):
    from cases.management.commands import seed_demo  # noqa: F401  (the demo data it builds on)

    settings.INBOUND_MAIL_DEMO_MAILDIR = tmp_path / "demo"
    call_command("seed_demo")
    box = Mailbox.objects.get(address="help@demo.example")
    with __import__("django.test", fromlist=["override_settings"]).override_settings(MEDIA_ROOT=tmp_path / "media"):
        assert services_mail.mailbox_poll(mailbox_id=box.pk) == 3
        for message in InboundMessage.objects.filter(mailbox=box):
            services_mail.inbound_process(message_id=message.pk)
    states = dict(InboundMessage.objects.filter(mailbox=box).values_list("subject", "state"))
    assert states == {
        "Badge reader at the Lyon office rejects every card": S.PROCESSED,
        "Question about your products": S.HELD,
        "Automatic reply: Your case": S.IGNORED,
    }
    call_command("seed_demo")  # idempotent: no second mailbox, no more messages
    assert Mailbox.objects.filter(address="help@demo.example").count() == 1
    assert len(list((tmp_path / "demo" / "new").iterdir())) == 0
