"""Escalations over the API: /escalations/ and /cases/{id}/escalate/ for every persona, what the
customer side sees, the error shapes, and bounded list queries."""
import pytest

from cases import services
from cases.models import Escalation
from cases.services import escalations as esc
from tests.factories import EscalationTemplateFactory
from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db

# Dana's case at Acme: the customer, Acme's customer admin and Acme's partner see it.
CUSTOMER_SIDE = {"customer": 200, "customer_admin": 200, "partner": 200}
CUSTOMER_SIDE_403 = {"customer": 403, "customer_admin": 403, "partner": 403}


@pytest.fixture
def template(world):
    """Tier 1 (agent_alice, manager_max) approves case escalations."""
    return EscalationTemplateFactory(name="Case escalation", approval_group=world.group, is_default=True)


@pytest.fixture
def requested(world, open_case, template):
    return esc.escalation_request(actor=world.users["customer"], case=open_case, reason="inactivity")


@pytest.fixture
def escalated(world, open_case):
    return esc.escalation_request(actor=world.users["agent"], case=open_case, reason="inactivity", severity="high")


@pytest.fixture
def account_escalation(world):
    return esc.escalation_request(actor=world.users["agent"], account=world.account, reason="customer_deadline")


def url(e, action=""):
    return f"/api/v1/escalations/{e.pk}/" + (f"{action}/" if action else "")


# --- reads ---------------------------------------------------------------------------------------
@matrix(external=200)
def test_escalation_list_access(persona, expected, api_as, escalated, account_escalation):
    response = api_as(persona).get("/api/v1/escalations/")
    assert_status(response, expected)
    if expected == 200:
        numbers = {r["number"] for r in response.data["results"]}
        wanted = {
            "other_customer": set(),
            "customer": {escalated.number},
            "customer_admin": {escalated.number},
            "partner": {escalated.number},
        }.get(persona, {escalated.number, account_escalation.number})
        assert numbers == wanted


@matrix(**CUSTOMER_SIDE)
def test_case_escalation_detail_access(persona, expected, api_as, escalated):
    assert_status(api_as(persona).get(url(escalated)), expected)


@matrix()
def test_account_escalation_detail_access(persona, expected, api_as, account_escalation):
    assert_status(api_as(persona).get(url(account_escalation)), expected)


def test_escalation_by_number(api_as, escalated):
    response = api_as("agent").get(f"/api/v1/escalations/{escalated.number.lower()}/")
    assert_status(response, 200)
    assert response.data["id"] == escalated.pk and response.data["severity"] == "high"


def test_the_customer_side_sees_the_state_only(api_as, escalated):
    data = api_as("customer").get(url(escalated)).data
    assert set(data) == {"id", "number", "case", "state", "requested_at", "updated_at"}
    assert data["state"] == "escalated"


def test_agents_see_everything_and_their_allowed_actions(api_as, requested, world):
    data = api_as("manager").get(url(requested)).data
    assert data["request_source"] == "customer" and data["reason"] == "inactivity"
    assert set(data["approvers"]) == {world.users["agent"].pk, world.users["manager"].pk}
    assert data["allowed_actions"] == ["approve", "de-escalate", "decline", "update-trend"]
    assert api_as("admin").get(url(requested)).data["allowed_actions"] == ["de-escalate", "update-trend"]


def test_list_filters_by_state(api_as, escalated):
    client = api_as("agent")
    assert client.get("/api/v1/escalations/?state=escalated").data["count"] == 1
    assert client.get("/api/v1/escalations/?state=requested").data["count"] == 0


def _escalated_cases(world, total):
    while Escalation.objects.count() < total:
        case = services.case_create(actor=world.users["customer"], short_description="Slow")
        esc.escalation_request(actor=world.users["agent"], case=case, reason="inactivity")


def test_escalation_list_query_count_is_bounded(api_as, world, django_assert_max_num_queries):
    counts = {"agent": [], "customer": []}
    for total in (2, 12):
        _escalated_cases(world, total)
        for persona, seen in counts.items():
            with django_assert_max_num_queries(12) as captured:
                response = api_as(persona).get("/api/v1/escalations/?page_size=50")
            assert response.data["count"] == total
            seen.append(len(captured))
    assert all(small == big for small, big in counts.values()), counts


def test_case_list_with_escalations_query_count_is_bounded(api_as, world, django_assert_max_num_queries):
    counts = {"agent": [], "customer": []}
    for total in (3, 15):
        _escalated_cases(world, total)
        for persona, seen in counts.items():
            with django_assert_max_num_queries(12) as captured:
                response = api_as(persona).get("/api/v1/cases/?page_size=50")
            assert [r["escalation"]["state"] for r in response.data["results"]] == ["escalated"] * total
            seen.append(len(captured))
    assert all(small == big for small, big in counts.values()), counts


# --- the case's escalation summary ---------------------------------------------------------------
def test_a_page_without_escalated_cases_reads_no_escalations(api_as, world, open_case):
    """`Case.has_escalation` spares the summary's query when no case of the page was escalated;
    the first escalation sets it, and the page then reads the escalations once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api_as("agent")
    with CaptureQueriesContext(connection) as before:
        client.get("/api/v1/cases/?page_size=50")
    assert not any("cases_escalation" in q["sql"] for q in before.captured_queries)
    esc.escalation_request(actor=world.users["agent"], case=open_case, reason="inactivity")
    open_case.refresh_from_db()
    assert open_case.has_escalation
    with CaptureQueriesContext(connection) as after:
        rows = client.get("/api/v1/cases/?page_size=50").data["results"]
    assert sum("cases_escalation" in q["sql"] for q in after.captured_queries) == 1
    assert [r["escalation"]["state"] for r in rows if r["id"] == open_case.pk] == ["escalated"]
    assert all(r["escalation"] is None for r in rows if r["id"] != open_case.pk)


def test_the_agent_case_shows_state_and_severity(api_as, escalated, open_case):
    data = api_as("agent").get(f"/api/v1/cases/{open_case.pk}/").data
    assert data["escalation"] == {"id": escalated.pk, "number": escalated.number, "state": "escalated", "severity": "high"}


def test_the_customer_case_shows_the_state_only(api_as, escalated, open_case):
    data = api_as("customer").get(f"/api/v1/cases/{open_case.pk}/").data
    assert data["escalation"] == {"id": escalated.pk, "number": escalated.number, "state": "escalated"}


def test_a_case_never_escalated_shows_none(api_as, open_case):
    assert api_as("agent").get(f"/api/v1/cases/{open_case.pk}/").data["escalation"] is None


# --- POST /cases/{id}/escalate/ ------------------------------------------------------------------
@matrix(**CUSTOMER_SIDE)
def test_case_escalate_access(persona, expected, api_as, open_case):
    response = api_as(persona).post(f"/api/v1/cases/{open_case.pk}/escalate/", {"reason": "inactivity"})
    assert_status(response, expected)
    assert open_case.escalations.exists() is (expected == 200)
    if expected == 200:
        assert response.data["number"] == open_case.number and response.data["escalation"]["state"] == "escalated"


def test_case_escalate_twice_is_409_invalid_transition(api_as, open_case):
    client = api_as("customer")
    client.post(f"/api/v1/cases/{open_case.pk}/escalate/", {"reason": "inactivity"})
    response = client.post(f"/api/v1/cases/{open_case.number}/escalate/", {"reason": "inactivity"})
    assert_status(response, 409)
    assert response.data["code"] == "invalid_transition" and response.data["state"] == "escalated"


def test_case_escalate_bad_input_is_400(api_as, open_case):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/escalate/", {"reason": "bored", "severity": "x"})
    assert_status(response, 400)
    assert set(response.data["errors"]) == {"reason", "severity"}


def test_customers_cannot_pick_a_template_they_cannot_see(api_as, open_case, template):
    response = api_as("customer").post(
        f"/api/v1/cases/{open_case.pk}/escalate/", {"reason": "inactivity", "template": template.pk}
    )
    assert_status(response, 400)
    assert "template" in response.data["errors"]


# --- POST /escalations/ and PATCH ----------------------------------------------------------------
@matrix(external=403, internal=201)
def test_account_escalation_create_access(persona, expected, api_as, world):
    response = api_as(persona).post(
        "/api/v1/escalations/", {"account": world.account.pk, "reason": "inactivity", "severity": "high"}
    )
    assert_status(response, expected)
    if expected == 201:
        assert response.data["source"] == "account" and response.data["state"] == "escalated"


def test_create_with_both_a_case_and_an_account_is_400(api_as, world, open_case):
    response = api_as("agent").post(
        "/api/v1/escalations/", {"account": world.account.pk, "case": open_case.pk, "reason": "inactivity"}
    )
    assert_status(response, 400)


@matrix(**CUSTOMER_SIDE_403)
def test_escalation_patch_access(persona, expected, api_as, escalated):
    response = api_as(persona).patch(url(escalated), {"justification": "Board is asking"})
    assert_status(response, expected)
    escalated.refresh_from_db()
    assert (escalated.justification == "Board is asking") is (expected == 200)


# --- commands ------------------------------------------------------------------------------------
@persona_matrix(
    anonymous=401, other_customer=404, customer=403, customer_admin=403, partner=403, agent=200, manager=200,
    admin=403,
)
def test_approve_access(persona, expected, api_as, requested):
    response = api_as(persona).post(url(requested, "approve"), {"comment": "OK"})
    assert_status(response, expected)
    requested.refresh_from_db()
    assert (requested.state == "escalated") is (expected == 200)


@persona_matrix(
    anonymous=401, other_customer=404, customer=403, customer_admin=403, partner=403, agent=200, manager=200,
    admin=403,
)
def test_decline_access(persona, expected, api_as, requested):
    assert_status(api_as(persona).post(url(requested, "decline"), {"reason": "Within SLA"}), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_de_escalate_access(persona, expected, api_as, escalated):
    assert_status(api_as(persona).post(url(escalated, "de-escalate"), {"reason": "Fixed"}), expected)


@matrix(**CUSTOMER_SIDE_403)
def test_update_trend_access(persona, expected, api_as, escalated):
    assert_status(api_as(persona).post(url(escalated, "update-trend"), {"trend": "improving"}), expected)


def test_approve_an_escalated_one_is_409_with_allowed_actions(api_as, escalated):
    response = api_as("agent").post(url(escalated, "approve"), {})
    assert_status(response, 409)
    assert response.data["code"] == "invalid_transition" and response.data["state"] == "escalated"
    assert response.data["allowed_actions"] == ["de-escalate", "update-trend"]


def test_decline_without_reason_is_400(api_as, requested):
    response = api_as("manager").post(url(requested, "decline"), {})
    assert_status(response, 400)
    assert "reason" in response.data["errors"]


def test_bad_trend_is_400(api_as, escalated):
    response = api_as("agent").post(url(escalated, "update-trend"), {"trend": "sideways"})
    assert_status(response, 400)
    assert "trend" in response.data["errors"]


def test_commands_answer_with_the_escalation(api_as, escalated):
    response = api_as("agent").post(url(escalated, "update-trend"), {"trend": "declining", "comment": "Worse"})
    assert_status(response, 200)
    assert response.data["trend"] == "declining"
    response = api_as("agent").post(url(escalated, "de-escalate"), {"reason": "Fixed"})
    assert (response.data["state"], response.data["allowed_actions"]) == ("closed", [])


SECRET = "SECRET-ESCALATION-9c1e"


def test_escalation_internals_never_reach_the_customer_side(api_as, world, open_case):
    e = esc.escalation_request(
        actor=world.users["agent"], case=open_case, reason="inactivity", severity="high", justification=SECRET
    )
    esc.escalation_update_trend(actor=world.users["agent"], escalation=e, trend="declining", comment=SECRET)
    urls = [
        "/api/v1/escalations/", url(e), "/api/v1/cases/", f"/api/v1/cases/{open_case.pk}/",
        f"/api/v1/cases/{open_case.pk}/activity/", f"/api/v1/cases/{open_case.pk}/comments/",
    ]
    for persona in ("customer", "customer_admin", "partner"):
        client = api_as(persona)
        for address in urls:
            response = client.get(address)
            assert_status(response, 200)
            text = response.content.decode()
            assert SECRET not in text and '"severity"' not in text and '"trend"' not in text, address
    assert SECRET in api_as("agent").get(f"/api/v1/cases/{open_case.pk}/activity/").content.decode()
