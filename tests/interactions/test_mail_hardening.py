"""Issue 14, inbound mail: a bad message never blocks a mailbox (NUL bytes, what the database
refuses, what the parser chokes on), a failing mailbox shows (admin, held-mail page, /healthz/),
a reused Message-ID with other content is kept, and files are bounded per message and per case
with the refusals counted in one work note. Through the real poller (maildir) where it matters."""
import mailbox as mailbox_lib
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import DataError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from cases.choices import EventKind
from cases.models import Case, CaseAttachment, CaseEvent
from interactions import services_mail, tasks_mail
from interactions.choices import InboundState
from interactions.mail.parse import parse_message
from interactions.models import InboundMessage, Mailbox
from tests.interactions import mail_factory as mf
from tests.interactions.mail_conftest import deliver, mailbox, media  # noqa: F401

pytestmark = pytest.mark.django_db
S = InboundState


@pytest.fixture
def dana(world):
    return world.contacts["customer"]


@pytest.fixture
def poll(mailbox, media, mocker, django_capture_on_commit_callbacks):
    """poll(*raws) -> drop the messages into the maildir's new/ and run the beat's poll task, with
    each stored message's processing task run as the worker would (after commit)."""
    mocker.patch.object(tasks_mail.process_inbound_message_task, "delay",
                        side_effect=lambda message_id: tasks_mail.process_inbound_message_task(message_id))

    def run(*raws: bytes, start: int = 0):
        new = Path(mailbox.maildir_path) / "new"
        for i, raw in enumerate(raws, start=start):
            (new / f"{i:05d}.corpus").write_bytes(raw)
        with django_capture_on_commit_callbacks(execute=True):
            result = tasks_mail.poll_mailbox_task(mailbox.pk)
        return result

    return run


def _new_files(mailbox) -> list[str]:
    return sorted(p.name for p in (Path(mailbox.maildir_path) / "new").iterdir())


# --- item 2: one message never blocks a mailbox -------------------------------------------------
@pytest.mark.parametrize("where", ["subject", "from_name", "message_id", "body"])
def test_a_nul_byte_is_stripped_and_the_messages_behind_it_are_read(where, dana, mailbox, poll):
    bad = mf.nul_message(dana.email, where)
    good = mf.plain(dana.email, subject="Behind the bad one", message_id="behind@acme.example")
    assert poll(bad, good) == 2
    assert _new_files(mailbox) == []
    first, second = InboundMessage.objects.order_by("source_key")
    assert first.state == S.PROCESSED and second.state == S.PROCESSED
    for value in (first.subject, first.from_name, first.message_id, first.reason, first.case.short_description,
                  first.case.description):
        assert "\x00" not in value
    assert first.case.short_description.startswith("Printer")
    assert second.case.short_description == "Behind the bad one"


def test_a_message_the_database_refuses_is_kept_unread_and_quarantined(dana, mailbox, poll, mocker):
    real = services_mail._store

    def refuse_the_first(box, raw, key):
        if b"Refused" in raw:
            raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
        return real(box, raw, key)

    mocker.patch("interactions.services_mail._store", side_effect=refuse_the_first)
    bad = mf.plain(dana.email, subject="Refused", message_id="refused@acme.example")
    assert poll(bad, mf.plain(dana.email, subject="Fine")) == 2
    assert _new_files(mailbox) == []
    refused = InboundMessage.objects.get(source_key="maildir:00000.corpus")
    assert refused.state == S.QUARANTINED and bytes(refused.raw) == bad
    assert "could not be stored as read (DataError: PostgreSQL text fields cannot contain NUL" in refused.reason
    assert InboundMessage.objects.get(source_key="maildir:00001.corpus").state == S.PROCESSED
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == ""


def test_a_message_the_parser_chokes_on_is_quarantined_not_left_waiting(dana, deliver):
    raw = b"From: " + b"(a" * 5000 + b" <" + dana.email.encode() + b">\r\nSubject: x\r\n\r\nhello\r\n"
    message = deliver(raw)
    # the header parser recurses on the nested comments: the address cannot be read, and the
    # message is quarantined saying so instead of crashing the task and waiting forever
    assert message.state == S.QUARANTINED and "names no sender address" in message.reason


def test_an_unexpected_parse_crash_is_quarantined_with_the_reason(dana, deliver, mocker):
    mocker.patch("interactions.services_mail.parse_message", side_effect=RecursionError("too deep"))
    message = deliver(mf.plain(dana.email))
    assert message.state == S.QUARANTINED and "RecursionError" in message.reason


def test_a_failing_poll_is_recorded_and_shown_everywhere(world, mailbox, poll, mocker, client_as):
    mocker.patch("interactions.services_mail.inbound_store", side_effect=RuntimeError("database gone"))
    with pytest.raises(RuntimeError):
        poll(mf.plain("dana@acme.example"))
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == "The poll failed: RuntimeError: database gone"
    assert _new_files(mailbox) == ["00000.corpus"]  # kept for the next poll
    health = client_as("anonymous").get("/healthz/").json()
    assert health["mail"] == {"status": "failing", "mailboxes_failing": 1, "messages_waiting": 0}
    assert "database gone" not in str(health)  # open to everyone: counts only
    page = client_as("agent").get("/mail/held/").content.decode()
    assert "1 mailbox cannot be read" in page and "RuntimeError: database gone" in page
    admin = client_as("admin").get(reverse("admin:interactions_mailbox_changelist")).content.decode()
    assert "failing:" in admin and "database gone" in admin


def test_the_next_good_poll_clears_the_failure(world, mailbox, poll, client_as):
    Mailbox.objects.filter(pk=mailbox.pk).update(last_poll_error="The poll failed: boom")
    poll(mf.plain("dana@acme.example"))
    mailbox.refresh_from_db()
    assert mailbox.last_poll_error == ""
    assert client_as("anonymous").get("/healthz/").json()["mail"]["status"] == "ok"


def test_mail_left_waiting_is_reported_by_healthz(world, mailbox, client_as):
    message, _ = services_mail.inbound_store(mailbox=mailbox, raw=mf.plain("dana@acme.example"), source_key="k1")
    InboundMessage.objects.filter(pk=message.pk).update(received_at=timezone.now() - timedelta(hours=1))
    assert client_as("anonymous").get("/healthz/").json()["mail"] == {
        "status": "failing", "mailboxes_failing": 0, "messages_waiting": 1,
    }
    assert "1 message stored but not processed" in client_as("agent").get("/mail/held/").content.decode()


def test_an_unreadable_maildir_file_does_not_block_the_others(dana, mailbox, poll, mocker):
    real = mailbox_lib.Maildir.get_bytes

    def get_bytes(self, key):
        if key == "00000.corpus":
            raise PermissionError(13, "Permission denied")
        return real(self, key)

    mocker.patch.object(mailbox_lib.Maildir, "get_bytes", get_bytes)
    poll(mf.plain(dana.email, subject="Unreadable"), mf.plain(dana.email, subject="Readable"))
    assert _new_files(mailbox) == ["00000.corpus"]
    assert InboundMessage.objects.get().subject == "Readable"
    mailbox.refresh_from_db()
    assert "1 message file(s) in new/ could not be read" in mailbox.last_poll_error
    assert "Permission denied" in mailbox.last_poll_error


# --- duplicate Message-IDs ---------------------------------------------------------------------
def test_a_reused_message_id_with_other_content_is_kept(dana, mailbox, poll):
    poll(mf.plain(dana.email, subject="First", message_id="same@acme.example"),
         mf.plain(dana.email, subject="Second, other text", message_id="same@acme.example", body="Other words"))
    first, second = InboundMessage.objects.order_by("source_key")
    assert first.message_id == "same@acme.example" and second.message_id.startswith("same@acme.example#dup-")
    assert first.state == second.state == S.PROCESSED and first.case_id != second.case_id
    assert "an earlier message used its Message-ID <same@acme.example>" in second.reason
    assert Case.objects.filter(short_description="Second, other text").exists()


def test_an_identical_redelivery_is_deduplicated(dana, mailbox, poll):
    raw = mf.plain(dana.email, subject="Once", message_id="once@acme.example")
    poll(raw, b"Received: from relay2 by mx; Mon, 7 Dec 2026 10:00:01 +0000\r\n" + raw)
    assert _new_files(mailbox) == []
    assert InboundMessage.objects.count() == 1 and Case.objects.filter(short_description="Once").count() == 1


# --- item 6: files bounded per message and per case ---------------------------------------------
def test_thousands_of_parts_make_a_bounded_case_with_one_note_counting_the_refusals(dana, mailbox, poll):
    raw = mf.many_parts(dana.email, 2000)
    assert len(raw) < 400_000
    started = time.monotonic()
    poll(raw)
    elapsed = time.monotonic() - started
    message = InboundMessage.objects.get()
    assert message.state == S.PROCESSED
    case = message.case
    assert CaseAttachment.objects.filter(case=case).count() == 20
    notes = list(CaseEvent.objects.filter(case=case, kind=EventKind.WORK_NOTE).values_list("body", flat=True))
    assert len(notes) == 1
    assert "1980 of 2000 file(s) refused: 1980 over the limit of 20 files per message" in notes[0]
    assert message.attachments_kept == 20 and len(message.attachment_errors) == 51
    assert elapsed < 20, f"one message of 2,000 parts held the worker {elapsed:.1f}s"


@override_settings(CUSTOMER_MAX_ATTACHMENTS_PER_CASE=3)
def test_the_customer_side_files_of_one_case_are_bounded_across_messages(world, dana, mailbox, poll):
    poll(mf.many_parts(dana.email, 2, subject="Two files", message_id="two@acme.example"))
    case = Case.objects.get(short_description="Two files")
    poll(mf.many_parts(dana.email, 2, subject=f"Re: {case.number}", message_id="more@acme.example",
                       in_reply_to="two@acme.example"), start=1)
    assert CaseAttachment.objects.filter(case=case).count() == 3
    note = CaseEvent.objects.get(case=case, kind=EventKind.WORK_NOTE).body
    assert "1 of 2 file(s) refused" in note and "already has 3 files from the customer side" in note
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.WORK_NOTE, customer_visible=True).exists()


def test_files_past_the_limit_per_message_are_not_even_decoded():
    parsed = parse_message(mf.many_parts("dana@acme.example", 50))
    assert len(parsed.attachments) == 20 and len(parsed.unread) == 30


@pytest.mark.parametrize("raw, why", [
    (mf.nested(40), "nested more than 20 levels"),
    (mf.many_parts("dana@acme.example", 6000), "more than 5,000 MIME parts"),
    (mf.huge_header("Subject", 100_000), "a Subject header of 100,"),
    (mf.huge_part_params(50_000), "a Content-Type header of"),
])
def test_too_costly_messages_are_quarantined_unread_quickly(raw, why):
    started = time.monotonic()
    parsed = parse_message(raw)
    assert why in parsed.fatal
    assert time.monotonic() - started < 5


def test_a_message_the_worker_dies_on_is_quarantined_after_three_attempts(dana, mailbox, mocker):
    message, _ = services_mail.inbound_store(mailbox=mailbox, raw=mf.plain(dana.email), source_key="k")
    mocker.patch("interactions.services_mail.parse_message", side_effect=SystemExit)  # as a killed worker: no outcome
    for _ in range(3):
        with pytest.raises(SystemExit):
            services_mail.inbound_process(message_id=message.pk)
    message.refresh_from_db()
    assert message.state == S.RECEIVED and message.attempts == 3
    delay = mocker.patch("interactions.services_mail.process_inbound_message_task.delay")
    assert services_mail.inbound_requeue_stale(now=timezone.now() + timedelta(minutes=3)) == 1
    message.refresh_from_db()
    assert message.state == S.QUARANTINED and "started 3 times and never finished" in message.reason
    delay.assert_not_called()
