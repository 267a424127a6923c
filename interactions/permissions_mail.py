"""Who reads and who handles inbound mail. Stored messages are internal records, like
interactions: every internal role holding `interactions.view_interaction` reads them (the held
and quarantined list, the admin); agents holding `interactions.work_interaction` act on them
(re-process, create a case for a contact, discard). Customers never see one. Mailboxes are
configured by admins (`interactions.add_mailbox` / `change_mailbox`)."""
from django.core.exceptions import PermissionDenied

from core import access
from interactions.models import InboundMessage
from interactions.permissions import VIEW, WORK

__all__ = [
    "can_view_inbound", "can_handle_inbound", "require_can_handle_inbound", "require_can_configure_mailboxes",
]


def _has(user, perm: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(perm))


def can_view_inbound(user) -> bool:
    return _has(user, VIEW)


def can_handle_inbound(user) -> bool:
    return _has(user, WORK)


def require_can_handle_inbound(user) -> None:
    if user is not None and not can_handle_inbound(user):
        raise PermissionDenied("Only agents handle inbound mail.")


def require_can_configure_mailboxes(user, *, change: bool) -> None:
    perm = "interactions.change_mailbox" if change else "interactions.add_mailbox"
    if user is not None and not _has(user, perm):
        raise PermissionDenied("Only admins configure mailboxes.")


class InboundMessagePolicy(access.AccessPolicy):
    """Internal records: the view permission of the internal roles is the whole rule."""

    view_permission = VIEW

    def relation_reasons(self, obj, user):
        return []  # a sender never sees the stored message, even their own


access.register(InboundMessage, InboundMessagePolicy())
