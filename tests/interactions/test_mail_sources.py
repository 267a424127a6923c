"""The mail sources: a maildir directory and IMAP. IMAP runs against a tiny fake IMAP server on
the loopback interface that speaks just enough of RFC 3501 for imaplib (LOGIN, SELECT with
UIDVALIDITY, UID SEARCH, UID FETCH BODY.PEEK[], UID STORE +FLAGS, LOGOUT): no network, and the
real imaplib parses real responses. Also the poll lease, the beat and "mark seen only after the
message is stored"."""
import re
import socketserver
import threading
from datetime import timedelta

import pytest
from django.utils import timezone

from interactions import services_mail, tasks_mail
from interactions.mail.sources import SourceError, imap_fetch, maildir_fetch
from interactions.models import InboundMessage, Mailbox
from tests.interactions.mail_conftest import corpus, mailbox, media  # noqa: F401

pytestmark = pytest.mark.django_db


# --- a fake IMAP server --------------------------------------------------------------------------
class FakeImap:
    def __init__(self, messages: dict[int, bytes], uidvalidity: int = 7, password: str = "s3cret"):
        self.messages, self.uidvalidity, self.password = dict(messages), uidvalidity, password
        self.seen: set[int] = set()
        self.log: list[str] = []
        self.refused: set[int] = set()  # UIDs whose FETCH the server answers NO


class _Handler(socketserver.StreamRequestHandler):
    def send(self, line: str | bytes) -> None:
        self.wfile.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    def handle(self):  # noqa: C901  (one branch per command)
        box: FakeImap = self.server.box
        self.send("* OK fake IMAP ready")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            box.log.append(f"{command} {args}".strip())
            if command == "CAPABILITY":
                self.send("* CAPABILITY IMAP4rev1")
                self.send(f"{tag} OK done")
            elif command == "LOGIN":
                ok = args.split(" ", 1)[1].strip('"') == box.password
                self.send(f"{tag} OK logged in" if ok else f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
            elif command == "SELECT":
                self.send(f"* {len(box.messages)} EXISTS")
                self.send(f"* OK [UIDVALIDITY {box.uidvalidity}] UIDs valid")
                self.send(f"{tag} OK [READ-WRITE] SELECT completed")
            elif command == "UID":
                sub, _, sub_args = args.partition(" ")
                self.uid(tag, sub.upper(), sub_args, box)
            elif command == "LOGOUT":
                self.send("* BYE")
                self.send(f"{tag} OK bye")
                return
            else:
                self.send(f"{tag} BAD unknown")

    def uid(self, tag, sub, args, box: FakeImap):
        if sub == "SEARCH":
            match = re.search(r"UID (\d+):\*", args)
            if match:
                low = int(match.group(1))
                uids = [u for u in sorted(box.messages) if u >= low] or sorted(box.messages)[-1:]  # n:* quirk
            else:  # UNSEEN
                uids = [u for u in sorted(box.messages) if u not in box.seen]
            self.send("* SEARCH " + " ".join(map(str, uids)))
            self.send(f"{tag} OK search done")
        elif sub == "FETCH":
            uid = int(args.split(" ", 1)[0])
            if uid in box.refused:
                self.send(f"{tag} NO [SERVERBUG] message cannot be read")
                return
            raw = box.messages[uid]
            self.send(f"* 1 FETCH (UID {uid} BODY[] {{{len(raw)}}}".encode() + b"\r\n" + raw + b")")
            self.send(f"{tag} OK fetch done")
        elif sub == "STORE":
            box.seen.add(int(args.split(" ", 1)[0]))
            self.send(f"{tag} OK store done")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


@pytest.fixture
def fake_imap():
    """fake_imap(messages) -> (box, port): a server on 127.0.0.1, stopped after the test."""
    servers = []

    def start(messages, **kwargs):
        server = _Server(("127.0.0.1", 0), _Handler)
        server.box = FakeImap(messages, **kwargs)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.box, server.server_address[1]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _imap_mailbox(port: int, **fields) -> Mailbox:
    return services_mail.mailbox_create(
        actor=None, name="IMAP", address="imap-support@casedesk.localhost", kind="imap", imap_host="127.0.0.1",
        imap_port=port, imap_ssl=False, imap_username="support", imap_password="s3cret", **fields,
    )


# --- IMAP ----------------------------------------------------------------------------------------
def test_imap_poll_stores_each_unseen_message_then_marks_it_seen(fake_imap, media):
    box, port = fake_imap({3: corpus("forwarded.eml"), 5: corpus("latin1.eml")})
    mailbox = _imap_mailbox(port)
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 2
    stored = list(InboundMessage.objects.order_by("source_key").values_list("source_key", "message_id"))
    assert stored == [("imap:7:3", "fwd-0001@acme.example"), ("imap:7:5", "latin1-0001@acme.example")]
    assert box.seen == {3, 5}
    # every STORE \Seen came after the FETCH of its message
    fetches = [i for i, entry in enumerate(box.log) if entry.startswith("UID FETCH")]
    stores = [i for i, entry in enumerate(box.log) if entry.startswith("UID STORE")]
    assert all(f < s for f, s in zip(fetches, stores, strict=True)) and "BODY.PEEK[]" in box.log[fetches[0]]
    mailbox.refresh_from_db()
    assert (mailbox.imap_uidvalidity, mailbox.imap_last_uid, mailbox.last_poll_error) == (7, 5, "")


def test_imap_repoll_asks_only_for_newer_uids_and_stores_nothing_twice(fake_imap, media):
    box, port = fake_imap({3: corpus("forwarded.eml")})
    mailbox = _imap_mailbox(port)
    services_mail.mailbox_poll(mailbox_id=mailbox.pk)
    box.messages[9] = corpus("windows1252.eml")
    box.seen.clear()  # someone marked them unread again: the cursor still holds
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 1
    assert any(entry == "UID SEARCH UID 4:*" for entry in box.log)
    assert InboundMessage.objects.count() == 2


def test_imap_message_not_marked_seen_when_storing_fails(fake_imap, media, mocker):
    box, port = fake_imap({3: corpus("forwarded.eml")})
    mailbox = _imap_mailbox(port)
    mocker.patch("interactions.services_mail.inbound_store", side_effect=RuntimeError("disk full"))
    with pytest.raises(RuntimeError):
        services_mail.mailbox_poll(mailbox_id=mailbox.pk)
    assert box.seen == set()
    mailbox.refresh_from_db()
    assert mailbox.poll_lease_until is None and mailbox.imap_last_uid == 0  # released, cursor untouched


def test_a_new_uidvalidity_starts_over_from_unseen(fake_imap, media):
    box, port = fake_imap({3: corpus("forwarded.eml")}, uidvalidity=8)
    mailbox = _imap_mailbox(port)
    Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=7, imap_last_uid=100)
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 1
    assert "UID SEARCH UNSEEN" in box.log


def test_imap_login_failure_is_recorded_without_the_password(fake_imap, media):
    _, port = fake_imap({}, password="other")
    mailbox = _imap_mailbox(port)
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 0
    mailbox.refresh_from_db()
    assert "login as support failed" in mailbox.last_poll_error and "s3cret" not in mailbox.last_poll_error


def test_the_password_comes_from_the_named_environment_variable(fake_imap, media, monkeypatch):
    _, port = fake_imap({3: corpus("forwarded.eml")})
    mailbox = services_mail.mailbox_create(
        actor=None, name="Env", address="env@casedesk.localhost", kind="imap", imap_host="127.0.0.1", imap_port=port,
        imap_ssl=False, imap_username="support", imap_password_env="TEST_MAILBOX_PASSWORD",
    )
    monkeypatch.delenv("TEST_MAILBOX_PASSWORD", raising=False)
    services_mail.mailbox_poll(mailbox_id=mailbox.pk)
    mailbox.refresh_from_db()
    assert "TEST_MAILBOX_PASSWORD" in mailbox.last_poll_error
    monkeypatch.setenv("TEST_MAILBOX_PASSWORD", "s3cret")
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 1


def test_imap_fetch_reports_an_unreachable_server():
    with pytest.raises(SourceError):
        imap_fetch(host="127.0.0.1", port=1, ssl=False, username="u", password="p", folder="INBOX",
                   cursor=(None, 0), store=lambda raw, key: None, save_cursor=lambda v, u: None, batch=10, timeout=2)


# --- maildir -------------------------------------------------------------------------------------
def _drop(path, name: str, raw: bytes) -> None:
    (path / "new" / name).write_bytes(raw)


def test_maildir_poll_stores_then_moves_each_message_to_cur(mailbox, media):
    path = __import__("pathlib").Path(mailbox.maildir_path)
    _drop(path, "1700000000.a.host", corpus("forwarded.eml"))
    _drop(path, "1700000001.b.host", corpus("latin1.eml"))
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 2
    assert sorted(p.name for p in (path / "cur").iterdir()) == ["1700000000.a.host:2,S", "1700000001.b.host:2,S"]
    assert list((path / "new").iterdir()) == []
    keys = set(InboundMessage.objects.values_list("source_key", flat=True))
    assert keys == {"maildir:1700000000.a.host", "maildir:1700000001.b.host"}
    assert bytes(InboundMessage.objects.get(source_key="maildir:1700000000.a.host").raw) == corpus("forwarded.eml")


def test_maildir_message_stays_in_new_when_storing_fails(mailbox, tmp_path):
    path = __import__("pathlib").Path(mailbox.maildir_path)
    _drop(path, "1.a.host", b"From: a@b.example\r\n\r\nHi\r\n")

    def failing_store(raw, key):
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        maildir_fetch(path=str(path), store=failing_store, batch=10)
    assert [p.name for p in (path / "new").iterdir()] == ["1.a.host"]


def test_maildir_batch_limits_one_poll(mailbox, media, settings):
    settings.INBOUND_MAIL_POLL_BATCH = 1
    path = __import__("pathlib").Path(mailbox.maildir_path)
    _drop(path, "1.a.host", corpus("forwarded.eml"))
    _drop(path, "2.b.host", corpus("latin1.eml"))
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 1
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 1


def test_a_missing_maildir_is_a_recorded_error(mailbox):
    services_mail.mailbox_update(actor=None, instance=mailbox, maildir_path="/nonexistent/dir")
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 0
    mailbox.refresh_from_db()
    assert "not a maildir" in mailbox.last_poll_error and mailbox.last_polled_at is not None


# --- the lease and the beat ----------------------------------------------------------------------
def test_one_poll_per_mailbox_at_a_time(mailbox):
    Mailbox.objects.filter(pk=mailbox.pk).update(poll_lease_until=timezone.now() + timedelta(minutes=5))
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) is None
    Mailbox.objects.filter(pk=mailbox.pk).update(poll_lease_until=timezone.now() - timedelta(seconds=1))
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 0  # an expired lease (a killed poll) is taken over


def test_an_inactive_mailbox_is_not_polled(mailbox):
    services_mail.mailbox_update(actor=None, instance=mailbox, active=False)
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) is None


def test_the_beat_queues_due_mailboxes_only(mailbox, mocker):
    delay = mocker.patch("interactions.tasks_mail.poll_mailbox_task.delay")
    assert tasks_mail.poll_mailboxes_task() == 1
    delay.assert_called_once_with(mailbox_id=mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now())
    assert tasks_mail.poll_mailboxes_task() == 0


def test_the_processing_task_is_idempotent(mailbox, media):
    message, _ = services_mail.inbound_store(mailbox=mailbox, raw=corpus("bounce_dsn.eml"), source_key="k1")
    assert tasks_mail.process_inbound_message_task(message_id=message.pk) == "ignored"
    assert tasks_mail.process_inbound_message_task(message_id=message.pk) == "ignored"
    assert tasks_mail.process_inbound_message_task(message_id=999999) is None


def test_imap_message_the_server_will_not_hand_over_does_not_block_the_ones_after_it(fake_imap, media):
    box, port = fake_imap({3: corpus("forwarded.eml"), 4: corpus("latin1.eml")})
    box.refused.add(3)
    mailbox = _imap_mailbox(port)
    assert services_mail.mailbox_poll(mailbox_id=mailbox.pk) == 2
    refused = InboundMessage.objects.get(source_key="imap:7:3")
    assert refused.state == "quarantined" and "refused to hand over UID 3" in refused.reason
    assert "cannot be read" in refused.reason and "stays unread on the server" in refused.reason
    assert InboundMessage.objects.get(source_key="imap:7:4").message_id == "latin1-0001@acme.example"
    assert box.seen == {4}
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == 4 and mailbox.last_poll_error == ""
