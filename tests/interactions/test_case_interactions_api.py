"""GET /api/v1/cases/{id}/interactions/ (API.md "Sub-resources of a case")."""
import pytest

from interactions import services
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


def url(case, suffix=""):
    return f"/api/v1/cases/{case.pk}/interactions/{suffix}"


@pytest.fixture
def linked(world, acme_case, open_interaction):
    """Two interactions linked to Dana's case at Acme, one not linked."""
    agent = world.users["agent"]
    first = open_interaction(type="chat", short_description="Printer chat")
    second = open_interaction(type="phone", short_description="Printer call")
    open_interaction(type="chat", short_description="Unrelated")
    for interaction in (first, second):
        services.interaction_link_case(actor=agent, interaction=interaction, case=acme_case)
    return first, second


# Customers see their case but no interaction (internal records): an empty list, not the rows.
@matrix(external=200, other_customer=404)
def test_case_interactions_access(persona, expected, api_as, acme_case, linked):
    response = api_as(persona).get(url(acme_case))
    assert_status(response, expected)
    if expected == 200:
        internal = persona in ("agent", "manager", "admin")
        wanted = {linked[0].pk, linked[1].pk} if internal else set()
        assert {row["id"] for row in response.data["results"]} == wanted and response.data["count"] == len(wanted)


@matrix(external=405, internal=405)
def test_case_interactions_are_read_only_here(persona, expected, api_as, acme_case, linked):
    """Linking is `/interactions/{id}/link-case/`; the case's route takes no POST."""
    assert_status(api_as(persona).post(url(acme_case), {}), expected)


def test_the_case_is_found_by_number_too(api_as, acme_case, linked):
    response = api_as("agent").get(f"/api/v1/cases/{acme_case.number.lower()}/interactions/")
    assert response.status_code == 200 and response.data["count"] == 2


def test_a_missing_case_is_404(api_as, linked):
    assert_status(api_as("agent").get("/api/v1/cases/999999/interactions/"), 404)


def test_rows_are_the_interaction_list_shape_newest_first(api_as, acme_case, linked):
    rows = api_as("agent").get(url(acme_case)).data["results"]
    assert [row["short_description"] for row in rows] == ["Printer call", "Printer chat"]
    listed = api_as("agent").get("/api/v1/interactions/", {"search": "Printer call"}).data["results"][0]
    assert set(rows[0]) == set(listed)


def test_filters_like_the_interaction_list(api_as, acme_case, linked):
    client = api_as("agent")
    assert [r["type"] for r in client.get(url(acme_case), {"type": "phone"}).data["results"]] == ["phone"]
    assert_status(client.get(url(acme_case), {"type": "fax"}), 400)


def test_list_queries_do_not_grow_with_rows(api_as, world, acme_case, open_interaction, django_assert_max_num_queries):
    client = api_as("agent")
    agent = world.users["agent"]

    def link(n):
        for i in range(n):
            interaction = open_interaction(type="chat", short_description=f"Chat {i}")
            services.interaction_accept(actor=agent, interaction=interaction)
            services.interaction_link_case(actor=agent, interaction=interaction, case=acme_case)

    link(2)
    with django_assert_max_num_queries(8) as few:
        assert client.get(url(acme_case)).data["count"] == 2
    link(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url(acme_case)).data["count"] == 12


def test_the_schema_describes_it(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/cases/{id}/interactions/"]
    assert set(operations) == {"get", "parameters"} or set(operations) == {"get"}
    listed = operations["get"]
    assert {p["name"] for p in listed.get("parameters", [])} >= {"state", "type", "page", "page_size"}
    ok = listed["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    page = schema["components"]["schemas"][ok]
    assert {"count", "results"} <= set(page["properties"])
    row = schema["components"]["schemas"]["Interaction"]
    nullable = {name for name, prop in row["properties"].items() if prop.get("nullable")}
    assert {"assigned_to", "assigned_to_username", "account", "contact", "closed_at"} <= nullable
    assert set(row["required"]) == set(row["properties"])  # every field is in every answer


def test_the_answer_matches_the_schema_for_an_unassigned_interaction(api_as, acme_case, linked):
    """`assigned_to_username` is null for an interaction nobody accepted: the schema says nullable."""
    rows = api_as("agent").get(url(acme_case)).data["results"]
    assert {row["assigned_to_username"] for row in rows} == {None}
