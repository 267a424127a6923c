"""Helpers for the inbound-mail tests: a maildir mailbox, the corpus with its placeholders filled
in, and storing + processing one message the way the poller and the task do."""
from pathlib import Path

import pytest
from django.test import override_settings

from interactions import services_mail
from interactions.models import Mailbox

CORPUS = Path(__file__).parent / "mail_corpus"


def corpus(name: str, *, sender: str = "dana@acme.example", case: str = "CS0000001",
           reply_to: str = "nothing@elsewhere.example") -> bytes:
    raw = (CORPUS / name).read_bytes()
    return raw.replace(b"{FROM}", sender.encode()).replace(b"{CASE}", case.encode()).replace(
        b"{REPLY_TO}", reply_to.encode()
    )


@pytest.fixture
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        yield tmp_path / "media"


@pytest.fixture
def mailbox(db, tmp_path):
    path = tmp_path / "maildir"
    for sub in ("new", "cur", "tmp"):
        (path / sub).mkdir(parents=True)
    return services_mail.mailbox_create(
        actor=None, name="Support", address="support@casedesk.localhost", kind="maildir", maildir_path=str(path),
    )


@pytest.fixture
def deliver(mailbox, media, django_capture_on_commit_callbacks):
    """deliver(raw, key=None, box=mailbox) -> the stored message after its processing task ran."""
    counter = iter(range(10**6))

    def run(raw: bytes, key: str | None = None, box: Mailbox | None = None):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            message, _ = services_mail.inbound_store(
                mailbox=box or mailbox, raw=raw, source_key=key or f"test:{next(counter)}"
            )
        if callbacks:  # queued for processing after commit: run the task's service, as the worker would
            with django_capture_on_commit_callbacks(execute=True):
                services_mail.inbound_process(message_id=message.pk)
        message.refresh_from_db()
        return message

    return run
