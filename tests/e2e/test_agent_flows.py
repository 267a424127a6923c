"""The agent's main flows in a real browser (issue 5): take an interaction from the inbox, create
the case, request info, propose a solution; filter a list; open a dashboard and drill down.
Screenshots of each step at laptop size, and of the main pages at phone size."""
import re

import pytest

from cases import services as case_services
from cases.models import Case
from interactions import services as interaction_services
from interactions.models import Interaction
from tests.e2e.conftest import PHONE, shot

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _cases(world, priorities):
    return [
        case_services.case_create(
            actor=world.users["agent"], short_description=f"Printer queue stuck ({p})", account=world.account,
            contact=world.contacts["customer"], assignment_group=world.group, impact=p if p < 4 else 3,
            urgency=p if p < 4 else 3, assigned_to=world.users["agent"],
        )
        for p in priorities
    ]


def test_take_an_interaction_create_the_case_request_info_and_propose_a_solution(page_as, world):
    interaction, _created = interaction_services.interaction_open(
        actor=world.users["agent"], type="chat", contact=world.contacts["customer"], assignment_group=world.group,
        short_description="Cannot sign in to the billing portal", message="Hi, my password reset mail never arrives.",
    )
    page = page_as("agent")
    page.goto("/inbox/")
    row = page.locator("tr", has_text=interaction.number)
    shot(page, "agent-01-inbox")
    row.get_by_role("button", name="Accept").click()
    page.wait_for_function(f"!document.body.innerText.includes('Interactions waiting') || "
                           f"document.querySelector('#inbox-body') !== null")
    page.goto(f"/interactions/{interaction.number}/")
    shot(page, "agent-02-interaction")
    page.get_by_role("link", name="Create case").click()
    page.wait_for_url(f"**/interactions/{interaction.number}/create-case/")
    shot(page, "agent-03-create-case")
    page.get_by_role("button", name="Create case").click()
    page.wait_for_url(re.compile(r".*/cases/CS\d+/$"))
    number = page.url.rstrip("/").rsplit("/", 1)[1]
    case = Case.objects.get(number=number)
    assert case.short_description == "Cannot sign in to the billing portal"
    assert Interaction.objects.get(pk=interaction.pk).state == "closed_complete"
    shot(page, "agent-04-case-created")

    if case.state == "new":
        page.get_by_role("button", name=re.compile("Accept|Assign to me")).first.click()
        page.wait_for_load_state()
    page.get_by_role("link", name=re.compile("^Request info")).click()
    panel = page.locator("#action-panel form")
    panel.locator("textarea[name=comment]").fill("Could you send a screenshot of the sign-in error?")
    shot(page, "agent-05-request-info")
    panel.locator("button[type=submit]").click()
    page.wait_for_function("(document.querySelector('span[title=State]') || {}).innerText === 'Awaiting info'")
    assert Case.objects.get(pk=case.pk).state == "awaiting_info"
    shot(page, "agent-06-awaiting-info")

    page.get_by_role("link", name=re.compile("^Propose solution")).click()
    panel = page.locator("#action-panel form")
    panel.locator("select[name=resolution_code]").select_option(index=1)
    panel.locator("textarea[name=close_notes]").fill("The mail was blocked by a filter; it now arrives.")
    panel.locator("button[type=submit]").click()
    page.wait_for_function("(document.querySelector('span[title=State]') || {}).innerText === 'Resolved'")
    case = Case.objects.get(pk=case.pk)
    assert case.state == "resolved"
    assert case.events.filter(kind="comment", body__contains="screenshot of the sign-in error").exists()
    shot(page, "agent-07-solution-proposed")

    phone = page_as("agent", viewport=PHONE)
    phone.goto(f"/cases/{number}/")
    shot(phone, "agent-08-case-phone")
    phone.goto("/inbox/")
    shot(phone, "agent-09-inbox-phone")


def test_filter_a_list(page_as, world):
    _cases(world, [1, 2, 3, 3])
    page = page_as("agent")
    page.goto("/cases/?view=all_open")
    assert page.locator("#case-results tbody tr").count() >= 4
    shot(page, "list-01-all-open")
    page.locator("#case-filters select[name=priority]").select_option("1")
    page.wait_for_url(re.compile(r".*priority=1.*"))
    page.wait_for_function("document.querySelectorAll('#case-results tbody tr').length === 1")
    assert "(1)" in page.locator("#case-results tbody tr").first.inner_text()
    shot(page, "list-02-filtered-p1")
    phone = page_as("agent", viewport=PHONE)
    phone.goto("/cases/?view=all_open")
    shot(phone, "list-03-phone")


def test_open_a_dashboard_and_drill_down(page_as, world):
    _cases(world, [1, 1, 2, 3])
    page = page_as("manager")
    page.goto("/dashboards/manager/")
    page.wait_for_selector("canvas")
    page.wait_for_timeout(800)  # let Chart.js finish its first animation before the screenshot
    shot(page, "dashboard-01-manager")
    chart = page.locator("figure.dash-chart", has_text="priority").first
    link = chart.locator("details.chart-table a").first
    href = link.get_attribute("href")
    assert href.startswith("/cases/?")
    chart.locator("details.chart-table").evaluate("d => d.open = true")
    link.click()
    page.wait_for_url(re.compile(r".*/cases/\?.*"))
    assert page.locator("#case-results tbody tr").count() >= 1
    shot(page, "dashboard-02-drill-down")
    page = page_as("agent")
    page.goto("/")
    page.wait_for_url("**/dashboards/agent/")
    page.wait_for_timeout(800)
    shot(page, "dashboard-03-agent")
