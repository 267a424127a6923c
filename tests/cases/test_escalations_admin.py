"""Admin for escalations, their templates, time worked and the usage ledger: admins only; saves
and transitions go through the services."""
import pytest

from cases.models import Escalation, EscalationTemplate
from cases.services import escalations as esc
from tests.cases.admin_helpers import form_data
from tests.factories import CaseTimeEntryFactory, EntitlementUsageFactory, EscalationFactory, EscalationTemplateFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

ADMIN_ONLY = {"anonymous": 302, "external": 302, "internal": 302, "admin": 200}


@pytest.fixture
def rows(world):
    return {
        "escalation": EscalationFactory(),
        "escalationtemplate": EscalationTemplateFactory(),
        "casetimeentry": CaseTimeEntryFactory(),
        "entitlementusage": EntitlementUsageFactory(),
    }


@pytest.mark.parametrize("model", ["escalation", "escalationtemplate", "casetimeentry", "entitlementusage"])
@matrix(**ADMIN_ONLY)
def test_admin_pages(persona, expected, model, client_as, rows):
    client = client_as(persona)
    assert_status(client.get(f"/admin/cases/{model}/"), expected)
    assert_status(client.get(f"/admin/cases/{model}/{rows[model].pk}/change/"), expected)


def test_the_usage_ledger_and_time_entries_are_read_only(client_as, rows):
    client = client_as("admin")
    assert_status(client.get("/admin/cases/entitlementusage/add/"), 403)
    page = client.get(f"/admin/cases/casetimeentry/{rows['casetimeentry'].pk}/change/")
    assert page.context["has_change_permission"] is False


def test_admin_adds_a_case_escalation_through_the_service(client_as, world, open_case):
    page = client_as("admin").get("/admin/cases/escalation/add/")
    data = form_data(page) | {"case": open_case.pk, "reason": "inactivity", "severity": "high"}
    assert_status(client_as("admin").post("/admin/cases/escalation/add/", data), 302)
    e = Escalation.objects.get(case=open_case)
    assert (e.number[:3], e.state, e.requested_by) == ("ESC", "escalated", world.users["admin"])
    assert open_case.events.filter(kind="work_note", body__startswith=f"Escalation {e.number}").exists()


def test_admin_add_shows_the_services_refusal(client_as, world, open_case):
    esc.escalation_request(actor=world.users["agent"], case=open_case, reason="inactivity")
    page = client_as("admin").get("/admin/cases/escalation/add/")
    data = form_data(page) | {"case": open_case.pk, "reason": "inactivity", "severity": "high"}
    response = client_as("admin").post("/admin/cases/escalation/add/", data)
    assert response.status_code == 200 and "not allowed" in response.content.decode()
    assert Escalation.objects.filter(case=open_case).count() == 1


def test_admin_edits_through_the_service(client_as, world, rows):
    e = rows["escalation"]
    url = f"/admin/cases/escalation/{e.pk}/change/"
    data = form_data(client_as("admin").get(url)) | {"severity": "high", "justification": "Board escalation"}
    assert_status(client_as("admin").post(url, data), 302)
    e.refresh_from_db()
    assert (e.severity, e.justification) == ("high", "Board escalation")
    assert e.case.events.filter(body__contains="severity: medium → high").exists()


def test_admin_de_escalate_action(client_as, rows):
    e = rows["escalation"]
    client_as("admin").post("/admin/cases/escalation/", {"action": "deescalate_selected", "_selected_action": [e.pk]})
    e.refresh_from_db()
    assert e.state == "closed" and e.close_reason == "Closed from the admin."


def test_admin_approve_action_is_for_approvers_only(client_as, world, open_case):
    EscalationTemplateFactory(approval_group=world.group, is_default=True)
    e = esc.escalation_request(actor=world.users["customer"], case=open_case, reason="inactivity")
    response = client_as("admin").post(
        "/admin/cases/escalation/", {"action": "approve_selected", "_selected_action": [e.pk]}, follow=True
    )
    assert "Only the approvers" in response.content.decode()
    e.refresh_from_db()
    assert e.state == "requested"


def test_admin_saves_a_template_and_moves_the_default(client_as, world):
    first = EscalationTemplateFactory(is_default=True)
    page = client_as("admin").get("/admin/cases/escalationtemplate/add/")
    data = form_data(page) | {"name": "VIP", "applies_to": "case", "is_default": "on", "approval_group": world.group.pk}
    assert_status(client_as("admin").post("/admin/cases/escalationtemplate/add/", data), 302)
    first.refresh_from_db()
    assert EscalationTemplate.objects.get(name="VIP").is_default and not first.is_default


def test_admin_logs_time_through_the_service(client_as, world, open_case):
    page = client_as("admin").get("/admin/cases/casetimeentry/add/")
    data = form_data(page) | {"case": open_case.pk, "minutes": 25, "note": "Phone call", "worked_on": "2026-01-05"}
    assert_status(client_as("admin").post("/admin/cases/casetimeentry/add/", data), 302)
    entry = open_case.time_entries.get()
    assert (entry.agent, entry.minutes) == (world.users["admin"], 25)
