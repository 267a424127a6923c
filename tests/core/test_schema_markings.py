"""The schema's nullable, required and list markings say what the answers are (issue 14, item 8):
null authors, fields the customer side does not get, lists that are paginated or plain. The
fuzzing in tests/fuzz validates real answers against the schema; these pin what it found."""
import importlib
import pkgutil

import pytest
from rest_framework import serializers

pytestmark = pytest.mark.django_db

API_APPS = ("cases", "catalog", "customers", "interactions", "notifications", "users", "core")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _component(schema, name):
    return schema["components"]["schemas"][name]


def _ok(operation, code="200"):
    return operation["responses"][code]["content"]["application/json"]["schema"]


@pytest.mark.parametrize(("component", "field"), [
    ("CaseEvent", "author"), ("JournalEntry", "author"), ("CaseRelatedParty", "added_by"),
    ("CaseMerge", "merged_by"), ("TaskTemplate", "published_by"), ("InteractionEntry", "author_username"),
    ("InteractionDetail", "wrap_up_duration_seconds"),
])
def test_fields_that_can_be_null_are_nullable(schema, component, field):
    assert _component(schema, component)["properties"][field].get("nullable") is True


def test_a_blank_wrap_up_code_is_allowed(schema):
    code = _component(schema, "Interaction")["properties"]["wrap_up_code"]
    assert any(option == {"$ref": "#/components/schemas/BlankEnum"} for option in code.get("oneOf", [])), code


@pytest.mark.parametrize(("component", "hidden", "always"), [
    ("Case", ["assignment_group", "needs_attention", "sla_due"], ["id", "number", "state"]),
    ("CaseDetail", ["assignment_group", "state_category"], ["id", "allowed_actions"]),
    ("CaseTask", ["assigned_to", "opened_by"], ["id", "number"]),
    ("CaseLine", ["assigned_to", "opened_by", "resolved_by"], ["id", "number"]),
    ("Escalation", ["account", "reason", "assigned_to"], ["id", "number", "case", "state"]),
    ("Account", ["notes", "registration_code", "path"], ["id", "number", "name"]),
])
def test_fields_the_customer_side_does_not_get_are_not_required(schema, component, hidden, always):
    required = _component(schema, component)["required"]
    assert not set(hidden) & set(required)
    assert set(always) <= set(required)


def test_accounts_are_documented_in_full_whoever_asks(schema):
    answer = _ok(schema["paths"]["/api/v1/accounts/{id}/"]["get"])
    assert answer == {"$ref": "#/components/schemas/Account"}


@pytest.mark.parametrize(("path", "component"), [
    ("/api/v1/cases/{id}/children/", "PaginatedCaseList"),
    ("/api/v1/cases/{id}/merged/", "PaginatedCaseMergeList"),
    ("/api/v1/cases/{id}/related-parties/", "PaginatedCaseRelatedPartyList"),
    ("/api/v1/cases/{id}/tasks/", "PaginatedCaseTaskNestedList"),
    ("/api/v1/cases/{id}/lines/", "PaginatedCaseLineNestedList"),
    ("/api/v1/cases/{id}/time/", "PaginatedCaseTimeEntryList"),
    ("/api/v1/cases/{id}/blocked-by/", "PaginatedCaseBlockerList"),
    ("/api/v1/cases/{id}/comments/", "PaginatedJournalEntryList"),
])
def test_lists_under_a_case_are_documented_paginated(schema, path, component):
    assert _ok(schema["paths"][path]["get"]) == {"$ref": f"#/components/schemas/{component}"}


def test_effective_preferences_are_a_plain_list(schema):
    answer = _ok(schema["paths"]["/api/v1/notification-preferences/effective/"]["get"])
    assert answer["type"] == "array"


@pytest.mark.parametrize("path", ["/api/v1/cases/{id}/comments/", "/api/v1/cases/{id}/work-notes/"])
def test_adding_a_journal_entry_requires_its_body_and_answers_201_with_it(schema, path):
    operation = schema["paths"][path]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert _component(schema, body["$ref"].rsplit("/", 1)[1])["required"] == ["body"]
    assert _ok(operation, "201") == {"$ref": "#/components/schemas/JournalEntry"}


def test_creating_under_a_case_answers_201(schema):
    for path in ("/api/v1/cases/{id}/tasks/", "/api/v1/cases/{id}/lines/"):
        assert "201" in schema["paths"][path]["post"]["responses"]


def test_unwatching_answers_200_with_the_watch_list(schema):
    assert "200" in schema["paths"]["/api/v1/cases/{id}/watch/"]["delete"]["responses"]


def test_every_get_documents_400_for_a_bad_query_parameter(schema):
    for path, item in schema["paths"].items():
        if "get" in item:
            assert "400" in item["get"]["responses"], path


def test_times_of_day_have_no_offset_format(schema):
    start = _component(schema, "ScheduleSpan")["properties"]["start_time"]
    assert "format" not in start and start["pattern"].startswith("^")


def _model_serializers():
    seen = []
    for app in API_APPS:
        package = importlib.import_module(f"{app}.api")
        for module in pkgutil.iter_modules(package.__path__):
            for value in vars(importlib.import_module(f"{app}.api.{module.name}")).values():
                if (isinstance(value, type) and issubclass(value, serializers.ModelSerializer) and hasattr(value, "Meta")
                        and value not in seen):  # abstract bases (StrictModelSerializer) have no Meta
                    if value.__module__.startswith(f"{app}.api"):
                        seen.append(value)
    return seen


def _crosses_nullable_relation(model, source: str) -> bool:
    parts = source.split(".")
    for name in parts[:-1] if len(parts) > 1 else parts:
        try:
            field = model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a property or method: not a model relation
            return False
        if not (field.is_relation and (field.many_to_one or field.one_to_one)):
            return False
        if field.null:
            return True
        model = field.related_model
    return False


def test_read_fields_through_a_nullable_relation_allow_null():
    """A declared read field (`author = SlugRelatedField(...)`, `source="assigned_to.username"`)
    does not learn from the model that it can be null: it must say `allow_null=True`."""
    wrong = []
    for serializer in _model_serializers():
        for name, field in serializer().fields.items():
            if isinstance(field, (serializers.SerializerMethodField, serializers.ListSerializer)) or field.allow_null:
                continue
            if field.source != "*" and _crosses_nullable_relation(serializer.Meta.model, field.source):
                wrong.append(f"{serializer.__module__}.{serializer.__name__}.{name}")
    assert wrong == []


def test_writes_document_the_body_errors(schema):
    """Found by the fuzzing: an attachment of a refused type and a body of no known media type are 415."""
    for path in ("/api/v1/cases/{id}/attachments/", "/api/v1/catalog-items/{id}/validate-answers/"):
        assert {"413", "415", "429"} <= set(schema["paths"][path]["post"]["responses"]), path
