"""A user id in a write answers nothing about who holds it (users.api.fields.UserIdField).

For every persona and every endpoint that takes a user id, the answer for an id the persona may
not name (a customer's login, an agent's id for a customer, an inactive agent) is the answer for
an id nobody holds: same status, same body."""
import json

import pytest

from cases import services
from tests.factories import user_with_roles
from tests.matrix import PERSONAS

pytestmark = pytest.mark.django_db

MISSING = 987654


@pytest.fixture
def probes(world):
    """persona -> the ids it may not name (each must answer like MISSING)."""
    inactive = user_with_roles("agent", username="agent_gone")
    inactive.is_active = False
    inactive.save()
    customers = [world.users[p].pk for p in ("other_customer", "customer_admin", "partner")]
    staff = [world.users["manager"].pk, world.users["admin"].pk]
    return {
        "internal": [MISSING, inactive.pk, *customers],
        "external": [MISSING, inactive.pk, *customers, *staff],
    }


@pytest.fixture
def case(world):
    return services.case_create(actor=world.users["customer"], short_description="Printer on fire")


def _requests(case):
    """(method, url, body builder) for each endpoint that takes a user id."""
    base = f"/api/v1/cases/{case.pk}"
    return [
        ("post", f"{base}/watch/", lambda uid: {"user": uid}),
        ("delete", f"{base}/watch/", lambda uid: {"user": uid}),
        ("post", f"{base}/related-parties/", lambda uid: {"party_type": "contributor", "user": uid}),
        ("patch", f"{base}/", lambda uid: {"assigned_to": uid}),
        ("post", f"{base}/assign/", lambda uid: {"assigned_to": uid}),
        ("post", "/api/v1/case-tasks/", lambda uid: {"case": case.pk, "short_description": "x", "assigned_to": uid}),
        ("post", "/api/v1/escalations/", lambda uid: {"case": case.pk, "reason": "other", "watch_list": [uid]}),
    ]


def _answer(client, method, url, body):
    response = getattr(client, method)(url, body, format="json")
    return response.status_code, json.dumps(getattr(response, "data", None), sort_keys=True, default=str)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_an_id_the_caller_may_not_name_answers_like_a_missing_one(persona, api_as, world, case, probes):
    client = api_as(persona)
    ids = probes["external" if persona in ("other_customer", "customer", "customer_admin", "partner") else "internal"]
    ids = [uid for uid in ids if uid != world.users[persona].pk]  # naming oneself is allowed
    for method, url, body in _requests(case):
        answers = {uid: _answer(client, method, url, body(uid)) for uid in ids}
        assert len(set(answers.values())) == 1, (method, url, answers)
        status, text = answers[MISSING]
        assert status in (400, 403, 404), (method, url, status, text)
        if status == 400:
            assert str(MISSING) not in text  # the id is not repeated back


def test_an_agent_still_names_staff(api_as, world, case):
    client = api_as("agent")
    manager = world.users["manager"]
    assert client.post(f"/api/v1/cases/{case.pk}/watch/", {"user": manager.pk}).status_code == 200
    response = client.post(
        f"/api/v1/cases/{case.pk}/related-parties/", {"party_type": "contributor", "user": manager.pk}
    )
    assert response.status_code == 201 and response.data["user"] == manager.pk


def test_a_customer_still_names_themself(api_as, world, case):
    response = api_as("customer").post(f"/api/v1/cases/{case.pk}/watch/", {"user": world.users["customer"].pk})
    assert response.status_code == 200 and response.data["watching"] is True


def test_the_refusal_is_in_peoples_words(api_as, world, case):
    response = api_as("agent").post(f"/api/v1/cases/{case.pk}/watch/", {"user": world.users["customer_admin"].pk})
    assert response.status_code == 400
    assert response.data["errors"]["user"] == ["No such user, or not one you can name here: give the id of an "
                                               "active staff member (or your own)."]


def test_a_manager_cannot_learn_a_login_through_a_group(api_as, world, probes):
    client = api_as("manager")
    answers = set()
    for uid in probes["internal"]:
        response = client.patch(f"/api/v1/assignment-groups/{world.group.pk}/", {"members": [uid]}, format="json")
        answers.add((response.status_code, json.dumps(response.data, sort_keys=True, default=str)))
    assert len(answers) == 1 and next(iter(answers))[0] == 400
