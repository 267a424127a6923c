"""What the customer side may write when it opens a case follows the same field rules as what it
reads (cases.permissions): no internal field of the case type, no channel but the self-service
one, no priority and no impact (it says how urgent the case is; the agents triage the rest). The
API, the portal and catalog requests (portal and API) all go through `case_create`."""
import pytest

from cases.models import Case, CaseTypeField
from tests.factories import CaseTypeFactory

pytestmark = pytest.mark.django_db
CUSTOMER_SIDE = ("customer", "customer_admin", "partner")


@pytest.fixture
def typed(world):
    """A case type with an internal (and required) field and a customer-visible one."""
    case_type = CaseTypeFactory(code="typed")
    CaseTypeField.objects.create(case_type=case_type, name="risk", label="Risk", kind="text", required=True,
                                 customer_visible=False)
    CaseTypeField.objects.create(case_type=case_type, name="model", label="Model", kind="text")
    return case_type


def _post(client, **body):
    return client.post("/api/v1/cases/", {"short_description": "Help", **body}, format="json")


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_customer_cannot_reach_priority_one_through_impact_and_urgency(persona, api_as):
    client = api_as(persona)
    refused = _post(client, impact=1, urgency=1)
    assert refused.status_code == 400 and set(refused.data["errors"]) == {"impact"}
    assert _post(client, priority=1).status_code == 400
    urgent = _post(client, urgency=1)
    assert urgent.status_code == 201 and urgent.data["urgency"] == 1
    assert (urgent.data["impact"], urgent.data["priority"]) == (3, 3)  # low impact until an agent triages it


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
@pytest.mark.parametrize("channel", ["proactive", "phone", "email", "walk_in"])
def test_customer_cannot_choose_the_channel(persona, channel, api_as):
    response = _post(api_as(persona), channel=channel)
    assert response.status_code == 400 and set(response.data["errors"]) == {"channel"}


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_customer_case_comes_in_through_the_web(persona, api_as):
    assert _post(api_as(persona)).data["channel"] == _post(api_as(persona), channel="web").data["channel"] == "web"


def test_agents_still_set_impact_and_channel(api_as, world):
    response = _post(api_as("agent"), contact=world.contacts["customer"].pk, impact=1, urgency=1, channel="proactive")
    assert response.status_code == 201 and (response.data["priority"], response.data["channel"]) == (1, "proactive")


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_customer_cannot_set_an_internal_field_of_the_case_type(persona, api_as, typed):
    client = api_as(persona)
    refused = _post(client, case_type=typed.pk, extra={"risk": "low", "model": "LJ-4000"})
    assert refused.status_code == 400 and set(refused.data["errors"]) == {"extra.risk"}
    assert refused.data["errors"]["extra.risk"] == _post(client, case_type=typed.pk, extra={"nope": 1}).data["errors"]["extra.nope"]
    made = _post(client, case_type=typed.pk, extra={"model": "LJ-4000"})  # the internal field is not asked of them
    assert made.status_code == 201, made.data
    assert Case.objects.get(pk=made.data["id"]).extra == {"model": "LJ-4000"}


def test_agents_still_must_fill_the_internal_required_field(api_as, world, typed):
    client = api_as("agent")
    contact = world.contacts["customer"].pk
    assert set(_post(client, contact=contact, case_type=typed.pk).data["errors"]) == {"extra.risk"}
    assert _post(client, contact=contact, case_type=typed.pk, extra={"risk": "high"}).status_code == 201


@pytest.mark.parametrize("persona, sees_risk", [("customer", False), ("customer_admin", False), ("partner", False),
                                                 ("agent", True), ("admin", True)])
def test_case_type_definitions_show_internal_fields_to_agents_only(persona, sees_risk, api_as, typed):
    row = api_as(persona).get(f"/api/v1/case-types/{typed.pk}/").data
    names = [f["name"] for f in row["fields"]]
    assert "model" in names and ("risk" in names) == sees_risk


# --- the portal ----------------------------------------------------------------------------------
def _portal_case(response) -> Case:
    assert response.status_code == 302, response.content.decode()[-1500:]
    return Case.objects.get(number=response["Location"].rstrip("/").rsplit("/", 1)[-1])


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_portal_request_is_web_and_urgency_alone_never_makes_it_critical(persona, client_as):
    posted = {"short_description": "Down", "urgency": 1, "impact": 1, "priority": 1, "channel": "proactive"}
    case = _portal_case(client_as(persona).post("/portal/help/", posted))
    assert (case.channel, case.impact, case.urgency, case.priority) == ("web", 3, 1, 3)


@pytest.fixture
def item_on_typed(typed):
    """A catalog item whose variables share their names with the case type's fields."""
    from catalog import services as catalog_services
    from tests.factories import ServiceDefinitionFactory

    service = ServiceDefinitionFactory(name="Typed service")
    typed.service_definitions.add(service)
    item = catalog_services.catalog_item_create(actor=None, name="Typed request", service_definition=service)
    catalog_services.catalog_item_variable_create(actor=None, item=item, name="risk", label="Risk", kind="text", order=1)
    catalog_services.catalog_item_variable_create(actor=None, item=item, name="model", label="Model", kind="text", order=2)
    return item


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_portal_catalog_answer_never_fills_an_internal_field(persona, client_as, item_on_typed):
    response = client_as(persona).post(f"/portal/catalog/{item_on_typed.pk}/", {"item-v_risk": "none", "item-v_model": "X1"})
    case = _portal_case(response)
    assert case.extra == {"model": "X1"}
    assert "Risk: none" in case.description  # the answer itself is kept, where agents read it


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_api_catalog_answer_never_fills_an_internal_field(persona, api_as, item_on_typed):
    response = api_as(persona).post(f"/api/v1/catalog-items/{item_on_typed.pk}/submit/",
                                    {"answers": {"risk": "none", "model": "X1"}}, format="json")
    assert response.status_code == 201, response.data
    assert Case.objects.get(pk=response.data["id"]).extra == {"model": "X1"}
    assert "risk" not in response.data["extra"]


def test_agent_catalog_answer_still_fills_the_internal_field(api_as, world, item_on_typed):
    response = api_as("agent").post(f"/api/v1/catalog-items/{item_on_typed.pk}/submit/",
                                    {"answers": {"risk": "none", "model": "X1"}, "contact": world.contacts["customer"].pk},
                                    format="json")
    assert response.status_code == 201, response.data
    assert Case.objects.get(pk=response.data["id"]).extra == {"risk": "none", "model": "X1"}


def test_the_customer_never_writes_a_field_it_cannot_read():
    from cases import permissions
    from cases.services.cases import AGENT_FIELDS, CUSTOMER_CREATE_FIELDS

    assert not permissions.CASE_FIELDS_CUSTOMERS_SET & permissions.CASE_FIELDS_HIDDEN_FROM_CUSTOMERS
    assert set(CUSTOMER_CREATE_FIELDS) <= set(AGENT_FIELDS) - {"priority", "impact", "channel"}
