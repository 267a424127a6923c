"""Mailboxes as admins configure them (the admin's Mailbox pages call these): create and edit
(checked here, so every interface refuses the same), the IMAP password, and "Poll now". The
polling, storing and processing of mail are in `interactions.services_mail`."""
import logging
import os
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from core.services import model_apply
from interactions import permissions_mail
from interactions.choices import MailSourceKind
from interactions.mail.sources import SourceError
from interactions.models import Mailbox

log = logging.getLogger(__name__)

__all__ = ["mailbox_create", "mailbox_update", "mailbox_password", "mailbox_poll_request"]


# --- mailboxes (the admin) -----------------------------------------------------------------------
def _mailbox_clean(mailbox: Mailbox) -> None:
    errors = {}
    if mailbox.kind == MailSourceKind.IMAP:
        if not mailbox.imap_host.strip():
            errors["imap_host"] = "An IMAP mailbox needs its server."
        if not mailbox.imap_username.strip():
            errors["imap_username"] = "An IMAP mailbox needs the user name to sign in with."
        if not (mailbox.imap_password_env.strip() or mailbox.imap_password):
            errors["imap_password_env"] = "Name the environment variable holding the password, or store a password."
    elif not mailbox.maildir_path.strip():
        errors["maildir_path"] = "A maildir mailbox needs its directory."
    if mailbox.poll_interval_seconds < 10:
        errors["poll_interval_seconds"] = "Poll at most every 10 seconds."
    if mailbox.default_assignment_group_id and not mailbox.default_assignment_group.active:
        errors["default_assignment_group"] = f"{mailbox.default_assignment_group} is not active."
    if errors:
        raise ValidationError(errors)


_EDITABLE = {
    "name", "address", "kind", "active", "imap_host", "imap_port", "imap_ssl", "imap_username", "imap_password_env",
    "imap_password", "imap_folder", "maildir_path", "creates", "default_case_type", "default_assignment_group",
    "poll_interval_seconds",
}


def _mailbox_fields(fields: dict) -> dict:
    refused = sorted(set(fields) - _EDITABLE)
    if refused:
        raise ValidationError({name: "Not an editable mailbox field." for name in refused})
    fields = dict(fields)
    if "address" in fields:
        fields["address"] = (fields["address"] or "").strip().lower()
    return fields


@transaction.atomic
def mailbox_create(*, actor, **fields) -> Mailbox:
    permissions_mail.require_can_configure_mailboxes(actor, change=False)
    mailbox = Mailbox()
    model_apply(mailbox, _mailbox_fields(fields))
    _mailbox_clean(mailbox)
    mailbox.save()
    return mailbox


@transaction.atomic
def mailbox_update(*, actor, instance: Mailbox, **fields) -> Mailbox:
    """Edit a mailbox. An empty stored password in the form keeps the one stored (the admin
    never shows it); changing the server, user or folder forgets the IMAP cursor."""
    permissions_mail.require_can_configure_mailboxes(actor, change=True)
    mailbox = Mailbox.objects.select_for_update().get(pk=instance.pk)
    fields = _mailbox_fields(fields)
    if not fields.get("imap_password"):
        fields.pop("imap_password", None)
    changed = model_apply(mailbox, fields)
    _mailbox_clean(mailbox)
    if {"imap_host", "imap_username", "imap_folder", "kind"} & set(changed):
        mailbox.imap_uidvalidity, mailbox.imap_last_uid = None, 0
    mailbox.save()
    return mailbox


def mailbox_password(mailbox: Mailbox) -> str:
    """The IMAP password: the named environment variable, else the stored one."""
    name = mailbox.imap_password_env.strip()
    if name:
        value = os.environ.get(name)
        if value is None:
            raise SourceError(f"The environment variable {name} (the mailbox's password) is not set.")
        return value
    return mailbox.imap_password


def mailbox_poll_request(*, actor, mailbox: Mailbox) -> None:
    """"Poll now" (the admin): queue a poll of the mailbox after commit. The poll itself runs in
    the worker, outside any request transaction, and skips a mailbox another poll holds."""
    permissions_mail.require_can_configure_mailboxes(actor, change=True)
    if not mailbox.active:
        raise ValidationError(f"{mailbox.name} is not active.")
    transaction.on_commit(partial(_queue_poll, mailbox.pk))


def _queue_poll(mailbox_id: int) -> None:
    from interactions.tasks_mail import poll_mailbox_task

    try:
        poll_mailbox_task.delay(mailbox_id=mailbox_id)
    except Exception:  # noqa: BLE001  (broker outage: the beat polls it when due)
        log.warning("could not queue a poll of mailbox %s", mailbox_id, exc_info=True)
