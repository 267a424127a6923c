"""Ordinary bad input gets a 4xx in the API's error shape, never a 500 (issue 14, item 5): a body
left out, a field left out, an id the URL refuses. The schema-driven fuzzing in tests/fuzz finds
these across the whole API; these tests pin the causes it found. Comments and work notes:
tests/cases/test_api_journal_input.py."""
import json

import pytest
from rest_framework import serializers

from core.api.views import require_service_arguments
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


# --- agent settings: the permission before the body, then each missing field named ----------------
@matrix(external=403, agent=403, manager=400, admin=400)
def test_agent_capacity_with_empty_body(persona, expected, api_as):
    assert_status(api_as(persona).post("/api/v1/agent-capacities/", {}, format="json"), expected)


@matrix(external=403, agent=403, manager=400, admin=400)
def test_agent_skill_with_empty_body(persona, expected, api_as):
    assert_status(api_as(persona).post("/api/v1/agent-skills/", {}, format="json"), expected)


def test_agent_capacity_without_max_items_names_it(api_as, world):
    body = {"user": world.users["agent"].pk, "channel": "phone"}
    response = api_as("manager").post("/api/v1/agent-capacities/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"max_items": ["This field is required."]}


def test_a_service_argument_the_input_left_out_is_400_not_a_type_error():
    def service(*, actor, instance, name: str, size: int, note: str = "") -> None:
        raise AssertionError("not called")

    with pytest.raises(serializers.ValidationError) as raised:
        require_service_arguments(service, {"name": "x"}, given={"actor", "instance"})
    assert raised.value.detail == {"size": ["This field is required."]}
    require_service_arguments(service, {"name": "x", "size": 1}, given={"actor", "instance"})  # complete: no error


# --- 404 and 500 under /api/ are JSON -------------------------------------------------------------
@pytest.mark.parametrize(
    "url", ["/api/v1/cases/1.5/", "/api/v1/agent-capacities/0.66/", "/api/v1/no-such-thing/", "/api/v1/cases/1/x/y/z/"]
)
def test_unmatched_api_url_is_json_404(url, api_as):
    response = api_as("agent").get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_malformed_case_id_is_json_404(api_as):
    response = api_as("agent").get("/api/v1/cases/abc/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_unmatched_page_url_stays_html(client_as):
    response = client_as("agent").get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_server_error_under_api_is_json(rf):
    from core.api.exceptions import server_error

    response = server_error(rf.get("/api/v1/cases/"))
    assert response.status_code == 500
    assert json.loads(response.content)["code"] == "server_error"
    assert server_error(rf.get("/cases/"))["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("url", ["/api/v1/assignment-groups/", "/api/v1/skills/"])
@pytest.mark.parametrize("persona", ["customer", "agent"])
def test_reference_data_create_is_refused_before_the_body_is_read(persona, url, api_as):
    assert api_as(persona).post(url, {}, format="json").status_code == 403


@pytest.mark.parametrize("suffix", ["comments", "work-notes", "activity", "resolve"])
def test_a_dotted_case_id_under_a_case_is_404_not_405(suffix, api_as):
    """Found by the fuzzing: the router refuses a dotted id, and the generic action route took it."""
    response = api_as("admin").get(f"/api/v1/cases/1.5/{suffix}/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
