"""Every request body of the API refuses what it does not take (core.api.serializers)."""
import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import spectacular_settings
from rest_framework import serializers

from core.api.serializers import StrictInputMixin

pytestmark = pytest.mark.django_db

# Request bodies that are no serializer of ours, each with the reason.
NOT_OURS: set[tuple[str, str]] = set()


def _request_serializers():
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method not in ("POST", "PATCH", "PUT", "DELETE") or (method, path) in NOT_OURS:
            continue
        view.request = spectacular_settings.GET_MOCK_REQUEST(method, path, view, None)
        view.schema.method, view.schema.path = method, path  # as get_operation() sets them (extend_schema scopes)
        found = view.schema.get_request_serializer()
        for body in found.values() if isinstance(found, dict) else [found]:  # {media type: serializer}
            if isinstance(body, serializers.ListSerializer):
                body = body.child
            if isinstance(body, type) and issubclass(body, serializers.BaseSerializer):
                yield method, path, body
            elif isinstance(body, serializers.BaseSerializer):
                yield method, path, type(body)


def test_every_request_body_refuses_unknown_and_read_only_fields():
    loose = sorted(f"{method} {path}: {cls.__module__}.{cls.__name__}"
                   for method, path, cls in _request_serializers() if not issubclass(cls, StrictInputMixin))
    assert loose == []


def test_the_walk_finds_the_request_bodies():
    found = {(method, path) for method, path, _cls in _request_serializers()}
    assert {("PATCH", "/api/v1/cases/{id}/"), ("POST", "/api/v1/cases/"), ("PATCH", "/api/v1/accounts/{id}/")} <= found
    assert len(found) > 80


# --- what the callers get --------------------------------------------------------------------------
@pytest.fixture
def case(world):
    from cases import services

    return services.case_create(actor=world.users["customer"], short_description="Printer on fire")


def test_a_case_patch_with_state_is_400_listing_the_actions(api_as, world, case):
    from cases.services import case_allowed_actions

    version = case.version
    response = api_as("agent").patch(f"/api/v1/cases/{case.pk}/", {"state": "resolved"})
    assert response.status_code == 400 and set(response.data["errors"]) == {"state"}
    message = response.data["errors"]["state"][0]
    actions = case_allowed_actions(case, world.users["agent"])
    assert actions and f"use the actions: {', '.join(actions)}" in message
    assert f"/api/v1/cases/{case.pk}/<action>/" in message
    case.refresh_from_db()
    assert case.state == "new" and case.version == version


def test_a_case_patch_with_a_system_field_or_an_unknown_one_is_400_naming_each(api_as, case):
    body = {"number": "CS9999999", "short_desription": "typo", "short_description": "Still on fire"}
    response = api_as("agent").patch(f"/api/v1/cases/{case.pk}/", body)
    assert response.status_code == 400
    errors = response.data["errors"]
    assert set(errors) == {"number", "short_desription"}
    assert "cannot be changed" in errors["number"][0]
    assert "Unknown field" in errors["short_desription"][0] and "short_description" in errors["short_desription"][0]
    case.refresh_from_db()
    assert case.short_description == "Printer on fire" and case.number != "CS9999999"


def test_a_refused_field_and_a_bad_value_are_reported_together(api_as, case):
    response = api_as("agent").patch(f"/api/v1/cases/{case.pk}/", {"state": "closed", "impact": 9})
    assert response.status_code == 400 and set(response.data["errors"]) == {"state", "impact"}


def test_a_legitimate_patch_still_works(api_as, case):
    response = api_as("agent").patch(f"/api/v1/cases/{case.pk}/", {"short_description": "Still on fire", "version": case.version})
    assert response.status_code == 200 and response.data["short_description"] == "Still on fire"


def test_creating_a_case_with_a_state_is_400(api_as, world):
    from cases.models import Case

    response = api_as("customer").post("/api/v1/cases/", {"short_description": "Broken", "state": "closed"})
    assert response.status_code == 400 and "actions" in response.data["errors"]["state"][0]
    assert not Case.objects.filter(short_description="Broken").exists()


def test_a_task_patch_with_state_lists_the_tasks_actions(api_as, world, case):
    from cases import services

    task = services.case_task_create(actor=world.users["agent"], case=case, short_description="Order part")
    response = api_as("agent").patch(f"/api/v1/case-tasks/{task.pk}/", {"state": "closed"})
    assert response.status_code == 400
    allowed = services.case_task_allowed_actions(task, world.users["agent"], in_scope=True)
    assert f"use the actions: {', '.join(allowed)}" in response.data["errors"]["state"][0]
    task.refresh_from_db()
    assert task.state == "open"


def test_a_model_resource_refuses_its_read_only_fields(api_as, world):
    response = api_as("admin").patch(f"/api/v1/accounts/{world.account.pk}/", {"number": "ACC9", "name": "Acme Corp"})
    assert response.status_code == 400 and "cannot be changed" in response.data["errors"]["number"][0]
    world.account.refresh_from_db()
    assert world.account.name == "Acme"


def test_a_command_refuses_an_unknown_key(api_as, case):
    response = api_as("agent").post(f"/api/v1/cases/{case.pk}/comments/", {"body": "Hello", "bdy": "x"})
    assert response.status_code == 400 and "Unknown field" in response.data["errors"]["bdy"][0]
