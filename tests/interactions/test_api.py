"""The interactions API: the persona matrix for every endpoint (internal records: customers get
an empty list and 404s), the commands' answers and refusals, the intake flow of a chat system,
and query bounds on the list."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from interactions import services
from interactions.choices import InteractionState
from interactions.models import Interaction
from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db
S = InteractionState
BASE = "/api/v1/interactions/"


@pytest.fixture
def waiting(world, open_interaction):
    """A chat from the world's customer, waiting in Tier 1's queue."""
    return open_interaction(contact=world.contacts["customer"], message="Hello?")


@pytest.fixture
def working(world, waiting):
    return services.interaction_accept(actor=world.users["agent"], interaction=waiting)


# --- reads ---------------------------------------------------------------------------------------
@matrix(external=200)
def test_list_access(persona, expected, api_as, waiting):
    response = api_as(persona).get(BASE)
    assert_status(response, expected)
    if expected == 200:
        numbers = [row["number"] for row in response.data["results"]]
        assert numbers == ([] if persona in ("other_customer", "customer", "customer_admin", "partner") else [waiting.number])


@matrix(external=404)
def test_detail_access(persona, expected, api_as, waiting):
    assert_status(api_as(persona).get(f"{BASE}{waiting.number}/"), expected)


def test_detail_has_transcript_links_and_allowed_actions(api_as, waiting):
    data = api_as("agent").get(f"{BASE}{waiting.pk}/").data
    assert data["number"] == waiting.number and data["state"] == S.ON_HOLD
    assert [e["kind"] for e in data["entries"]] == ["system", "customer", "system"]
    assert data["related_cases"] == [] and data["allowed_actions"] == ["accept", "close", "create-case", "link-case", "work-note"]


def test_list_filters(api_as, world, waiting, working, open_interaction):
    email = open_interaction(type="email")
    client = api_as("agent")
    assert [r["number"] for r in client.get(BASE, {"type": "email"}).data["results"]] == [email.number]
    assert [r["number"] for r in client.get(BASE, {"mine": "true"}).data["results"]] == [working.number]
    assert [r["number"] for r in client.get(BASE, {"state": "on_hold"}).data["results"]] == [email.number]
    assert client.get(BASE, {"contact": world.contacts["customer"].pk}).data["count"] == 1


def test_list_queries_do_not_grow_with_rows(api_as, world, open_interaction, django_assert_max_num_queries):
    client = api_as("agent")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE).status_code == 200
        return len(ctx)

    for _ in range(5):
        services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    few = count()
    for _ in range(25):
        services.interaction_accept(actor=world.users["agent"], interaction=open_interaction())
    with django_assert_max_num_queries(few):
        assert len(client.get(BASE).data["results"]) == 25
    assert few <= 6


# --- commands ------------------------------------------------------------------------------------
COMMANDS = [
    ("accept", "waiting", {}, 200),
    ("hold", "working", {"reason": "transfer"}, 200),
    ("wrap-up", "working", {"wrap_up_code": "information"}, 200),
    ("close", "working", {"wrap_up_code": "resolved"}, 200),
    ("work-notes", "waiting", {"body": "Called back"}, 201),
    ("link-case", "working", {"case": "case"}, 201),
    ("create-case", "waiting", {"short_description": "From the chat"}, 201),
]


@pytest.mark.parametrize(("command", "start", "body", "ok"), COMMANDS, ids=[c[0] for c in COMMANDS])
@matrix(external=404, internal="ok")
def test_command_access(persona, expected, command, start, body, ok, api_as, request, acme_case):
    interaction = request.getfixturevalue(start)
    body = {**body, "case": acme_case.number} if "case" in body else body
    if persona == "manager" and start == "working":
        expected = ok  # a supervisor finishes the agent's work too
    expected = ok if expected == "ok" else expected
    assert_status(api_as(persona).post(f"{BASE}{interaction.pk}/{command}/", body), expected)


def test_accept_answers_the_interaction_in_progress(api_as, world, waiting):
    data = api_as("agent").post(f"{BASE}{waiting.number}/accept/").data
    assert data["state"] == S.WORK_IN_PROGRESS and data["assigned_to_username"] == world.users["agent"].username


def test_an_invalid_transition_is_409_naming_the_allowed_actions(api_as, working):
    response = api_as("agent").post(f"{BASE}{working.pk}/accept/")
    assert_status(response, 409)
    assert response.data["code"] == "invalid_transition" and response.data["state"] == S.WORK_IN_PROGRESS
    assert response.data["allowed_actions"] == ["close", "create-case", "hold", "link-case", "work-note", "wrap-up"]


def test_another_agents_interaction_is_403(api_as, world, working):
    from tests.factories import user_with_roles

    colleague = user_with_roles("agent", username="agent_colleague")
    world.group.members.add(colleague)
    client = APIClient()
    client.force_authenticate(colleague)
    assert_status(client.post(f"{BASE}{working.pk}/close/"), 403)


def test_close_from_wrap_up_without_a_code_is_400(api_as, working):
    client = api_as("agent")
    client.post(f"{BASE}{working.pk}/wrap-up/")
    response = client.post(f"{BASE}{working.pk}/close/")
    assert_status(response, 400)
    assert "wrap_up_code" in response.data["errors"]


def test_create_case_answers_the_case_and_the_closed_interaction(api_as, world, waiting):
    response = api_as("agent").post(f"{BASE}{waiting.pk}/create-case/", {"impact": 2, "urgency": 2})
    assert_status(response, 201)
    assert response.data["case_number"].startswith("CS")
    assert response.data["interaction"]["state"] == S.CLOSED_COMPLETE
    assert response.data["interaction"]["related_cases"][0]["case_number"] == response.data["case_number"]


def test_link_case_refuses_an_open_email_with_409_and_links_with_close(api_as, open_interaction, acme_case):
    email = open_interaction(type="email")
    client = api_as("agent")
    refused = client.post(f"{BASE}{email.pk}/link-case/", {"case": acme_case.number})
    assert_status(refused, 409)
    assert "closed complete" in refused.data["detail"]
    linked = client.post(f"{BASE}{email.pk}/link-case/", {"case": acme_case.pk, "close": True})
    assert_status(linked, 201)
    assert linked.data["state"] == S.CLOSED_COMPLETE


def test_link_case_to_an_unknown_case_is_400(api_as, working):
    response = api_as("agent").post(f"{BASE}{working.pk}/link-case/", {"case": "CS9999999"})
    assert_status(response, 400)
    assert "case" in response.data["errors"]


def test_the_api_is_read_only_besides_the_commands(api_as, waiting):
    client = api_as("admin")
    assert_status(client.post(BASE, {"type": "chat"}), 405)
    assert_status(client.patch(f"{BASE}{waiting.pk}/", {"short_description": "x"}), 405)


# --- intake --------------------------------------------------------------------------------------
INTAKE = "/api/v1/interaction-intake/"


@persona_matrix(anonymous=401, other_customer=403, customer=403, customer_admin=403, partner=403, agent=201, manager=201, admin=201)
def test_intake_open_access(persona, expected, api_as):
    assert_status(api_as(persona).post(f"{INTAKE}open/", {"type": "phone", "phone": "+1 555 0100"}), expected)


@persona_matrix(anonymous=401, other_customer=403, customer=403, customer_admin=403, partner=403, agent=201, manager=201, admin=201)
def test_intake_messages_access(persona, expected, api_as, waiting):
    assert_status(api_as(persona).post(f"{INTAKE}messages/", {"interaction": waiting.number, "body": "hi"}), expected)


@persona_matrix(anonymous=401, other_customer=403, customer=403, customer_admin=403, partner=403, agent=200, manager=200, admin=200)
def test_intake_end_access(persona, expected, api_as, waiting):
    assert_status(api_as(persona).post(f"{INTAKE}end/", {"interaction": waiting.number, "outcome": "abandoned"}), expected)


def test_a_chat_system_runs_a_conversation_end_to_end(world, integration, api_as):
    bot = APIClient()
    bot.credentials(HTTP_AUTHORIZATION=f"Token {_token(integration)}")
    opened = bot.post(f"{INTAKE}open/", {
        "type": "chat", "source": "webchat", "external_id": "sess-42", "email": "customer_dana@example.com",
        "assignment_group": world.group.pk, "message": "My VPN drops", "message_id": "m1",
    })
    assert_status(opened, 201)
    number = opened.data["number"]
    assert opened.data["state"] == S.ON_HOLD and opened.data["contact"] == world.contacts["customer"].pk
    again = bot.post(f"{INTAKE}open/", {"type": "chat", "source": "webchat", "external_id": "sess-42"})
    assert_status(again, 200)
    assert again.data["number"] == number

    agent = api_as("agent")
    assert_status(agent.post(f"{BASE}{number}/accept/"), 200)
    said = bot.post(f"{INTAKE}messages/", {
        "source": "webchat", "external_id": "sess-42", "kind": "agent", "author": "agent_alice", "body": "Which client?",
        "message_id": "m2",
    })
    assert_status(said, 201)
    assert said.data["created"] is True and said.data["interaction"]["number"] == number
    repeat = bot.post(f"{INTAKE}messages/", {"interaction": number, "kind": "agent", "body": "Which client?", "message_id": "m2"})
    assert_status(repeat, 200)
    assert repeat.data["created"] is False and repeat.data["entry"] == said.data["entry"]
    assert_status(bot.post(f"{INTAKE}messages/", {"interaction": number, "body": "5.1", "message_id": "m3"}), 201)
    ended = bot.post(f"{INTAKE}end/", {"source": "webchat", "external_id": "sess-42", "outcome": "complete"})
    assert_status(ended, 200)
    assert ended.data["state"] == S.WRAP_UP
    closed = agent.post(f"{BASE}{number}/close/", {"wrap_up_code": "resolved"})
    assert closed.data["state"] == S.CLOSED_COMPLETE
    kinds = [e["kind"] for e in closed.data["entries"]]
    assert kinds.count("customer") == 2 and kinds.count("agent") == 1

    # The integration reads nothing: not the list, not the record, not the workspace.
    assert bot.get(BASE).data["results"] == []
    assert_status(bot.get(f"{BASE}{number}/"), 404)
    assert_status(bot.get("/api/v1/cases/"), 200)
    assert bot.get("/api/v1/cases/").data["results"] == []


def test_intake_answers_404_for_an_unknown_interaction(api_as):
    assert_status(api_as("agent").post(f"{INTAKE}messages/", {"interaction": "IMS9999999", "body": "x"}), 404)
    assert_status(api_as("agent").post(f"{INTAKE}end/", {"source": "x", "external_id": "y", "outcome": "complete"}), 404)


def test_intake_needs_a_reference(api_as):
    response = api_as("agent").post(f"{INTAKE}messages/", {"body": "x"})
    assert_status(response, 400)
    assert "interaction" in response.data["errors"]


def test_intake_message_to_a_closed_interaction_opens_a_follow_up(api_as, world, waiting):
    services.interaction_close(actor=world.users["agent"], interaction=waiting)
    response = api_as("agent").post(f"{INTAKE}messages/", {"interaction": waiting.number, "body": "One more question"})
    assert_status(response, 201)
    follow_up = Interaction.objects.get(number=response.data["interaction"]["number"])
    assert follow_up.parent_id == waiting.pk and response.data["interaction"]["parent"] == waiting.number


def test_intake_open_with_a_connected_agent(api_as, world):
    response = api_as("agent").post(f"{INTAKE}open/", {"type": "phone", "agent": "agent_alice", "phone": "+1 555 0000"})
    assert_status(response, 201)
    assert response.data["state"] == S.WORK_IN_PROGRESS and response.data["assigned_to"] == "agent_alice"


def test_intake_refuses_an_unknown_agent(api_as):
    response = api_as("agent").post(f"{INTAKE}open/", {"type": "phone", "agent": "customer_dana"})
    assert_status(response, 400)


def _token(user) -> str:
    from users.services import api_token_create

    return api_token_create(user=user, name="channel integration")[1]


def test_the_schema_documents_the_intake_and_the_commands(api_client):
    paths = api_client.get("/api/v1/schema/?format=json").json()["paths"]
    for path in ("/api/v1/interaction-intake/open/", "/api/v1/interaction-intake/messages/", "/api/v1/interaction-intake/end/",
                 "/api/v1/interactions/{id}/create-case/", "/api/v1/interactions/{id}/link-case/"):
        assert path in paths, path
    assert "409" in paths["/api/v1/interactions/{id}/accept/"]["post"]["responses"]
