"""Mailboxes and stored inbound messages, through their services (a message is stored, not yet
processed: state received)."""
import factory
from factory.django import DjangoModelFactory

from interactions.models import InboundMessage, Mailbox

__all__ = ["MailboxFactory", "InboundMessageFactory"]


class MailboxFactory(DjangoModelFactory):
    class Meta:
        model = Mailbox

    name = factory.Sequence(lambda n: f"Mailbox {n}")
    address = factory.Sequence(lambda n: f"support{n}@casedesk.localhost")
    kind = "maildir"
    maildir_path = factory.Sequence(lambda n: f"/nonexistent/maildir{n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from interactions.services_mail import mailbox_create

        return mailbox_create(actor=None, **kwargs)


class InboundMessageFactory(DjangoModelFactory):
    class Meta:
        model = InboundMessage

    mailbox = factory.SubFactory(MailboxFactory)
    source_key = factory.Sequence(lambda n: f"test:{n}")
    raw = factory.Sequence(
        lambda n: (
            f"From: Someone <someone{n}@example.com>\r\nTo: support@casedesk.localhost\r\nSubject: Message {n}\r\n"
            f"Message-ID: <factory-{n}@example.com>\r\n\r\nHello {n}.\r\n"
        ).encode()
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from interactions.services_mail import inbound_store

        message, _ = inbound_store(mailbox=kwargs["mailbox"], raw=kwargs["raw"], source_key=kwargs["source_key"])
        return message
