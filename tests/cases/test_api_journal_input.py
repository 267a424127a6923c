"""A comment or work note without its text is 400 naming `body` (issue 14: `{}` was a KeyError, 500)."""
import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["customer", "agent"])
def test_comment_without_body_is_400_naming_the_body(persona, api_as, open_case):
    response = api_as(persona).post(f"/api/v1/cases/{open_case.pk}/comments/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"] == {"body": ["This field is required."]}


def test_work_note_without_body_is_400_naming_the_body(api_as, open_case):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/work-notes/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"body": ["This field is required."]}


def test_blank_comment_is_400(api_as, open_case):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/comments/", {"body": ""}, format="json")
    assert response.status_code == 400 and "body" in response.json()["errors"]


def test_customer_work_note_is_refused_before_its_body_is_read(api_as, open_case):
    response = api_as("customer").post(f"/api/v1/cases/{open_case.pk}/work-notes/", {}, format="json")
    assert response.status_code == 403


def test_comment_answer_is_the_new_entry(api_as, open_case):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/comments/", {"body": "On it."}, format="json")
    assert response.status_code == 201
    assert response.json()["body"] == "On it." and response.json()["author"] == "agent_alice"
