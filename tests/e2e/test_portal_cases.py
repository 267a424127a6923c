"""The customer's main flow in a real browser (issue 6): submit from a catalog item with an
attachment, see the case page, comment; an agent proposes a solution (through the service); the
customer accepts it and answers the survey. Screenshots at laptop and 390 px phone sizes."""
import re

import pytest

from cases import services as case_services
from cases.models import Case, CaseSurvey
from tests.e2e.conftest import PHONE, shot
from tests.portal.cases.conftest import RESOLVE, catalog_item, service_and_type  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_customer_submits_from_the_catalog_comments_accepts_and_answers_the_survey(
    page_as, live_server, world, catalog_item, tmp_path  # noqa: F811
):
    page = page_as("customer")
    page.goto("/portal/catalog/")
    shot(page, "portal-01-catalog")
    page.get_by_role("link", name=re.compile("Request a replacement part")).click()
    page.fill("#id_item-v_part", "Fuser unit")
    page.fill("#id_item-v_quantity", "2")
    page.fill("#id_item-v_needed_by", "2026-12-01")
    page.select_option("#id_item-v_colour", "black")
    page.check("#id_item-v_urgent")
    page.fill("#id_item-v_notes", "The old one smells burnt.")
    log = tmp_path / "printer-log.txt"
    log.write_text("E-13 fuser error at 09:14\n")
    page.set_input_files("#id_file", str(log))
    shot(page, "portal-02-catalog-item-form")
    page.get_by_role("button", name="Submit request").click()
    page.wait_for_url(re.compile(r"/portal/cases/CS\d+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    case = Case.objects.get(number=number)
    assert case.channel == "web" and case.case_type.code == "repair"
    assert page.get_by_text("printer-log.txt").first.is_visible()
    assert page.get_by_text("Which part?: Fuser unit").is_visible()
    shot(page, "portal-03-case-submitted")

    page.fill("#id_body", "Tray 2 is also jammed.")
    page.get_by_role("button", name="Add comment").click()
    page.get_by_text("Your comment was added.").wait_for()
    assert page.locator(".pc-timeline").get_by_text("Tray 2 is also jammed.").is_visible()

    agent = world.users["agent"]
    case = case_services.case_act(actor=agent, case=case, action="assign-to-me")
    case_services.case_work_note_add(actor=agent, case=case, body="SECRET work note")
    case_services.case_act(actor=agent, case=case, action="propose-solution", **RESOLVE)

    page.reload()
    assert page.get_by_text("Was your problem solved?").is_visible()
    assert "SECRET work note" not in page.content()
    shot(page, "portal-04-solution-proposed")
    # The same session at phone size (signing in again would change the password and end it).
    phone_context = page.context.browser.new_context(
        viewport=PHONE, base_url=live_server.url, storage_state=page.context.storage_state()
    )
    phone = phone_context.new_page()
    phone.goto(f"/portal/cases/{number}/")
    shot(phone, "portal-05-solution-proposed-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the case page scrolls sideways on a phone ({width}px)"

    page.get_by_role("button", name="Accept solution").click()
    page.get_by_text("the solution is accepted and the case is closed").wait_for()  # the swap has landed
    page.get_by_text("How did we do?").wait_for()
    page.get_by_label("5 Excellent").check()
    page.fill("#id_comment", "Quick and friendly.")
    shot(page, "portal-06-survey")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_text("Thank you for your feedback").first.wait_for()
    shot(page, "portal-07-closed-with-survey")
    survey = CaseSurvey.objects.get(case__number=number)
    assert (survey.rating, survey.comment) == (5, "Quick and friendly.")

    phone.goto("/portal/")
    shot(phone, "portal-08-home-phone")
    phone.goto("/portal/catalog/")
    shot(phone, "portal-09-catalog-phone")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone_context.close()
