"""Demo inbound mail for `manage.py seed_demo`: a maildir mailbox under var/ (INBOUND_MAIL_DEMO_MAILDIR)
with three messages waiting in new/ — a contact's new problem (becomes a case), an unknown sender
(held at /mail/held/) and an out-of-office reply (ignored). The beat polls it within half a
minute of `make run` starting. Idempotent: the mailbox and its messages are made once."""
import os
import time
from email.utils import formatdate

from django.conf import settings

from interactions.models import Mailbox
from interactions.services_mail import mailbox_create

NAME = "Support (demo maildir)"
MESSAGES = [
    ("lea.laurent@acme.example", "Lea Laurent", "Badge reader at the Lyon office rejects every card",
     "", "Hello,\n\nsince this morning the badge reader at the Lyon office rejects every card, ours included.\n\n"
     "Best regards,\nLea\n\n--\nLea Laurent, Acme Europe"),
    ("someone@unknown.example", "Sam Stranger", "Question about your products",
     "", "Hi, do you also support the LJ-5000? Thanks, Sam"),
    ("dana.diaz@acme.example", "Dana Diaz", "Automatic reply: Your case", "Auto-Submitted: auto-replied\n",
     "I am out of the office until Monday."),
]


def _write(path: str, index: int, sender: str, name: str, subject: str, extra: str, body: str) -> None:
    raw = (
        f"From: {name} <{sender}>\nTo: help@demo.example\nSubject: {subject}\nDate: {formatdate()}\n"
        f"Message-ID: <demo-{index}-{int(time.time())}@demo.example>\n{extra}"
        f"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).replace("\n", "\r\n").encode()
    name_on_disk = f"{int(time.time())}.demo{index}.casedesk"
    tmp = os.path.join(path, "tmp", name_on_disk)
    with open(tmp, "wb") as f:
        f.write(raw)
    os.replace(tmp, os.path.join(path, "new", name_on_disk))  # maildir delivery: tmp/ then new/


def seed_mail_demo() -> int:
    if Mailbox.objects.filter(name=NAME).exists():
        return 0
    path = str(settings.INBOUND_MAIL_DEMO_MAILDIR)
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(path, sub), exist_ok=True)
    mailbox_create(
        actor=None, name=NAME, address="help@demo.example", kind="maildir", maildir_path=path, poll_interval_seconds=30,
    )
    for index, message in enumerate(MESSAGES, start=1):
        _write(path, index, *message)
    return 1 + len(MESSAGES)
