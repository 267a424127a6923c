"""A customer never sees a work note or an internal field, from any customer-facing endpoint."""
import json

import pytest

from cases import services
from cases.api.serializers import CUSTOMER_HIDDEN
from cases.models import CaseTypeField
from tests.cases.conftest import act
from tests.factories import CaseTypeFactory

pytestmark = pytest.mark.django_db
SECRET = "SECRET-WORK-NOTE-7f3a"
INTERNAL_EXTRA = "internal_risk_score"
CUSTOMERS = ("customer", "customer_admin", "partner")


@pytest.fixture
def busy_case(world):
    case_type = CaseTypeFactory(code="secretive")
    CaseTypeField.objects.create(case_type=case_type, name=INTERNAL_EXTRA, label="Risk", kind="number",
                                 customer_visible=False)
    CaseTypeField.objects.create(case_type=case_type, name="model", label="Model", kind="text")
    case = services.case_create(
        actor=world.users["agent"], short_description="Visible", contact=world.contacts["customer"],
        case_type=case_type, extra={INTERNAL_EXTRA: "9", "model": "LJ-4000"}, assignment_group=world.group,
    )
    act(world, "agent", case, "assign-to-me", work_note=SECRET)
    services.case_work_note_add(actor=world.users["agent"], case=case, body=SECRET)
    services.case_comment_add(actor=world.users["agent"], case=case, body="Public reply")
    return case


def _customer_responses(client, case):
    base = f"/api/v1/cases/{case.pk}"
    yield client.get("/api/v1/cases/")
    yield client.get(f"{base}/")
    yield client.get(f"{base}/comments/")
    yield client.get(f"{base}/activity/")
    yield client.post(f"{base}/comments/", {"body": "Customer reply"})
    yield client.post("/api/v1/cases/", {"short_description": "Another"})


@pytest.mark.parametrize("persona", CUSTOMERS)
def test_no_work_note_or_internal_field_reaches_the_customer(persona, api_as, busy_case):
    client = api_as(persona)
    for response in _customer_responses(client, busy_case):
        assert response.status_code in (200, 201), response.content[:300]
        text = response.content.decode()
        assert SECRET not in text
        assert INTERNAL_EXTRA not in text
        payload = json.loads(text)
        rows = payload.get("results", [payload]) if isinstance(payload, dict) else payload
        for row in rows:
            assert not (set(row) & CUSTOMER_HIDDEN), set(row) & CUSTOMER_HIDDEN
            assert row.get("kind") != "work_note"


@pytest.mark.parametrize("persona", CUSTOMERS)
def test_work_notes_endpoint_is_closed_to_customers(persona, api_as, busy_case):
    assert api_as(persona).get(f"/api/v1/cases/{busy_case.pk}/work-notes/").status_code == 403


def test_customer_action_responses_hide_internal_data(api_as, world, busy_case):
    case = act(world, "agent", busy_case, "propose-solution", resolution_code="solved_fixed", close_notes="Done",
               work_note=SECRET)
    response = api_as("customer").post(f"/api/v1/cases/{case.pk}/reject-solution/", {"reason": "No"})
    assert response.status_code == 200 and SECRET not in response.content.decode()
    assert INTERNAL_EXTRA not in response.content.decode()


def test_agents_do_see_them(api_as, busy_case):
    client = api_as("agent")
    assert SECRET in client.get(f"/api/v1/cases/{busy_case.pk}/activity/").content.decode()
    assert client.get(f"/api/v1/cases/{busy_case.pk}/").data["extra"][INTERNAL_EXTRA] == "9"
