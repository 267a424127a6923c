"""Email interactions keep their files: a mailbox that creates interactions stores each message's
attachments in the raw message only; their names show on the interaction's page, and the case an
agent creates from the interaction gets them through the cases attachment service (a refused
one is named, with the reason, in a work note: never silently dropped)."""
import pytest

from cases.choices import EventKind
from cases.models import Case, CaseAttachment, CaseEvent
from interactions import services, services_mail
from interactions.models import InboundMessage, Interaction
from tests.interactions.mail_conftest import corpus, deliver, mailbox, media  # noqa: F401
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(world):
    return world.contacts["customer"]


@pytest.fixture
def interaction_box(mailbox):
    services_mail.mailbox_update(actor=None, instance=mailbox, creates="interaction")
    mailbox.refresh_from_db()
    return mailbox


@pytest.fixture
def emailed(dana, interaction_box, deliver):
    """Dana's mail with log.pdf (allowed) and fixer.exe (a type the cases service refuses)."""
    message = deliver(corpus("new_with_attachments.eml", sender=dana.email))
    return Interaction.objects.get(pk=message.interaction_id)


def _reply_with_png(dana) -> bytes:
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 40
    import base64

    return (
        b"From: Dana Diaz <" + dana.email.encode() + b">\r\nTo: support@casedesk.localhost\r\n"
        b"Subject: Re: Scanner does not start\r\nMessage-ID: <new-0002@acme.example>\r\n"
        b"In-Reply-To: <new-0001@acme.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nA photo.\r\n'
        b'--B\r\nContent-Type: image/png; name="photo.png"\r\nContent-Transfer-Encoding: base64\r\n'
        b'Content-Disposition: attachment; filename="photo.png"\r\n\r\n' + base64.encodebytes(png) + b"--B--\r\n"
    )


def test_processing_records_the_files_and_says_where_they_go(emailed):
    message = InboundMessage.objects.get(interaction=emailed)
    assert [(f["name"], f["content_type"]) for f in message.attachment_list] == [
        ("log.pdf", "application/pdf"), ("fixer.exe", "application/octet-stream"),
    ]
    assert message.attachments_kept == 0 and "added to the case an agent creates" in message.reason


def test_the_interaction_page_names_the_files(client_as, emailed):
    html = client_as("agent").get(f"/interactions/{emailed.number}/").content.decode()
    section = html[html.index('id="mail-files-h"'):html.index('id="transcript-h"')]
    assert "log.pdf" in section and "fixer.exe" in section and "Scanner does not start" in section


@matrix(anonymous=302, external=404, internal=200)
def test_the_page_with_files_is_internal_only(persona, expected, client_as, emailed):
    response = client_as(persona).get(f"/interactions/{emailed.number}/")
    assert_status(response, expected)
    if expected != 200:
        assert b"log.pdf" not in response.content


def test_a_message_stored_before_the_list_was_recorded_is_read_for_the_page(client_as, emailed):
    InboundMessage.objects.filter(interaction=emailed).update(attachment_list=None)
    html = client_as("agent").get(f"/interactions/{emailed.number}/").content.decode()
    assert "log.pdf" in html and "fixer.exe" in html


def test_creating_a_case_attaches_the_files_and_notes_the_refused_one(world, dana, emailed, client_as):
    agent = world.users["agent"]
    case = services.interaction_create_case(actor=agent, interaction=emailed)
    files = list(CaseAttachment.objects.filter(case=case).values_list("original_name", "customer_visible", "uploaded_by"))
    assert files == [("log.pdf", True, agent.pk)]
    note = CaseEvent.objects.get(case=case, kind=EventKind.WORK_NOTE, body__startswith="Not attached")
    assert "fixer.exe" in note.body and "application/octet-stream" in note.body and not note.customer_visible
    message = InboundMessage.objects.get(interaction=emailed)
    assert message.attachments_kept == 1 and [e["name"] for e in message.attachment_errors] == ["fixer.exe"]
    # the customer sees the file on the portal, never the note about the refused one
    portal = client_as("customer").get(f"/portal/cases/{case.number}/").content.decode()
    assert "log.pdf" in portal and "fixer.exe" not in portal


def test_every_message_of_the_interaction_brings_its_files(world, dana, emailed, deliver):
    reply = deliver(_reply_with_png(dana))
    assert reply.interaction_id == emailed.pk
    case = services.interaction_create_case(actor=world.users["agent"], interaction=emailed)
    names = list(CaseAttachment.objects.filter(case=case).order_by("id").values_list("original_name", flat=True))
    assert names == ["log.pdf", "photo.png"]


def test_a_file_over_the_limit_is_refused_by_the_case_service_and_named(world, emailed, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    case = services.interaction_create_case(actor=world.users["agent"], interaction=emailed)
    assert not CaseAttachment.objects.filter(case=case).exists()
    note = CaseEvent.objects.get(case=case, kind=EventKind.WORK_NOTE, body__startswith="Not attached")
    assert "log.pdf" in note.body and "larger than the limit" in note.body and "fixer.exe" in note.body


def test_the_create_case_page_brings_the_files_too(world, client_as, emailed):
    response = client_as("agent").post(
        f"/interactions/{emailed.number}/create-case/",
        {"short_description": "Scanner", "impact": 3, "urgency": 3},
    )
    case = Case.objects.get(pk=emailed.related_records.get().case_id)
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    assert list(case.attachments.values_list("original_name", flat=True)) == ["log.pdf"]


def test_an_interaction_without_mail_files_attaches_nothing(world, dana, interaction_box, deliver):
    message = deliver(corpus("forwarded.eml", sender=dana.email))
    interaction = Interaction.objects.get(pk=message.interaction_id)
    case = services.interaction_create_case(actor=world.users["agent"], interaction=interaction)
    assert not case.attachments.exists()
    assert not CaseEvent.objects.filter(case=case, body__startswith="Not attached").exists()
