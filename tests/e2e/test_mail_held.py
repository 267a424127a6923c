"""Held mail in a real browser: an agent sees an unknown sender's message at /mail/held/, opens a
case for a contact from it, and discards a quarantined one."""
import pytest
from django.test import override_settings

from interactions import services_mail
from tests.e2e.conftest import PHONE, shot
from tests.interactions.mail_conftest import corpus

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _deliver(mailbox, raw, key):
    message, _ = services_mail.inbound_store(mailbox=mailbox, raw=raw, source_key=key)
    return services_mail.inbound_process(message_id=message.pk)


def test_an_agent_triages_held_and_quarantined_mail(page_as, world, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        mailbox = services_mail.mailbox_create(
            actor=None, name="Support", address="support@casedesk.localhost", kind="maildir", maildir_path=str(tmp_path),
        )
        held = _deliver(mailbox, corpus("forwarded.eml", sender="stranger@nowhere.example"), "k1")
        broken = _deliver(mailbox, corpus("broken_boundary.eml", sender=world.contacts["customer"].email), "k2")
        assert (held.state, broken.state) == ("held", "quarantined")

        page = page_as("agent")
        page.goto("/mail/held/")
        assert page.locator(f"#message-{held.pk}").inner_text().count("Unknown sender") == 1
        assert "boundary" in page.locator(f"#message-{broken.pk}").inner_text()
        shot(page, "mail-held-01-list")

        row = page.locator(f"#message-{held.pk}")
        row.locator("input[name=contact_email]").fill(world.contacts["customer"].email)
        row.locator("button:has-text('Create case')").click()
        page.wait_for_load_state()
        assert "opened for Dana Diaz" in page.locator(".messages").inner_text()
        shot(page, "mail-held-02-case-created")

        page.locator(f"#message-{broken.pk} button:has-text('Discard')").click()
        page.wait_for_load_state()
        assert page.locator("p.empty").is_visible()
        shot(page, "mail-held-03-empty")

        phone = page_as("agent", viewport=PHONE)
        phone.goto("/mail/held/")
        shot(phone, "mail-held-04-phone-empty")
