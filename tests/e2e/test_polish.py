"""Issue 6's loose ends in a real browser: a customer admin opens a case on behalf of a contact;
an agent reads the survey answer on the case timeline; an agent sees an email interaction's
files and creates a case that carries them. Screenshots kept in var/e2e-screenshots/."""
import re

import pytest
from django.test import override_settings

from cases import services as case_services
from cases.models import Case
from interactions import services_mail
from interactions.models import Interaction
from tests.e2e.conftest import PHONE, shot
from tests.interactions.mail_conftest import corpus
from tests.portal.cases.conftest import RESOLVE

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_customer_admin_opens_a_case_on_behalf_of_a_contact(page_as, world):
    page = page_as("customer_admin")
    page.goto("/portal/help/")
    page.select_option("#id_on_behalf_of", label="Dana Diaz · Acme")
    page.fill("#id_short_description", "Dana's laptop will not boot")
    page.fill("#id_description", "Reported by phone to me.")
    shot(page, "polish-01-on-behalf-form")
    page.get_by_role("button", name="Submit").click()
    page.wait_for_url(re.compile(r"/portal/cases/CS\d+/$"))
    case = Case.objects.get(number=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert case.contact == world.contacts["customer"] and case.opened_by == world.users["customer_admin"]
    shot(page, "polish-02-on-behalf-case")
    plain = page_as("customer", viewport=PHONE)
    plain.goto("/portal/help/")
    assert plain.locator("#id_on_behalf_of").count() == 0
    shot(plain, "polish-03-plain-customer-form-phone")


def test_agent_reads_the_survey_answer_on_the_timeline(page_as, world):
    customer, agent = world.users["customer"], world.users["agent"]
    case = case_services.case_create(actor=customer, short_description="Printer on fire")
    case = case_services.case_act(actor=agent, case=case, action="assign-to-me")
    case = case_services.case_act(actor=agent, case=case, action="propose-solution", **RESOLVE)
    case = case_services.case_act(actor=customer, case=case, action="accept-solution")
    case_services.case_survey_submit(actor=customer, case=case, rating=4, comment="Quick, but call me next time.")
    page = page_as("agent")
    page.goto(f"/cases/{case.number}/")
    timeline = page.locator(".entry.kind-survey")
    assert timeline.count() == 2
    assert "Satisfaction survey answered: 4/5" in page.content()
    timeline.first.scroll_into_view_if_needed()
    shot(page, "polish-04-agent-timeline-survey")
    portal = page_as("customer")
    portal.goto(f"/portal/cases/{case.number}/")
    assert "Satisfaction survey answered: 4/5" in portal.content() and "call me next time" not in portal.content()
    shot(portal, "polish-05-portal-timeline-survey")


def test_agent_sees_email_files_and_the_case_gets_them(page_as, world, tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path / "media"):
        mailbox = services_mail.mailbox_create(
            actor=None, name="Support", address="support@casedesk.localhost", kind="maildir",
            maildir_path=str(tmp_path), creates="interaction",
        )
        message, _ = services_mail.inbound_store(
            mailbox=mailbox, raw=corpus("new_with_attachments.eml", sender=world.contacts["customer"].email), source_key="k1",
        )
        message = services_mail.inbound_process(message_id=message.pk)
        interaction = Interaction.objects.get(pk=message.interaction_id)
        page = page_as("agent")
        page.goto(f"/interactions/{interaction.number}/")
        files = page.locator(".mail-files")
        assert "log.pdf" in files.inner_text() and "fixer.exe" in files.inner_text()
        shot(page, "polish-06-interaction-files")
        page.get_by_role("link", name="Create case").click()
        page.get_by_role("button", name=re.compile("Create case")).click()
        page.wait_for_url(re.compile(r"/cases/CS\d+/$"))
        html = page.content()
        assert "log.pdf" in html and "Not attached from the email" in html and "fixer.exe" in html
        shot(page, "polish-07-case-with-email-files")
