import hashlib

import factory
from factory.django import DjangoModelFactory

from cases.models import CaseAttachment

__all__ = ["CaseAttachmentFactory"]

_BODY = b"hello from a factory\n"


def _case():
    from cases.services import case_create
    from tests.factories.customers import AccountFactory

    return case_create(actor=None, short_description="Attachment holder", account=AccountFactory())


class CaseAttachmentFactory(DjangoModelFactory):
    """A row as attachment_add leaves it, without writing to storage (the admin and query tests
    need rows, not bytes). Tests that read files go through services.attachment_add."""

    class Meta:
        model = CaseAttachment

    case = factory.LazyFunction(_case)
    file = factory.Sequence(lambda n: f"cases/factory/{n:032x}.txt")
    original_name = factory.Sequence(lambda n: f"notes-{n}.txt")
    content_type = "text/plain"
    size = len(_BODY)
    sha256 = hashlib.sha256(_BODY).hexdigest()
    customer_visible = True
