"""drf-spectacular: the schema class every view uses, and the post-processing that documents the
error responses every operation can give."""
from drf_spectacular import openapi
from rest_framework import serializers

# DRF writes a time of day without an offset ("09:00:00"); JSON Schema's "time" format requires one.
TIME_OF_DAY = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "09:00:00"}


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, plus one rule: a serializer's `Meta.optional_fields` are fields some
    callers do not receive (the customer side of a case gets no `assignment_group`), so the answer's
    schema does not mark them required. Name the same set the serializer trims, so they cannot drift."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema and schema.get("format") == "time":
            del schema["format"]
            schema.update(TIME_OF_DAY)
        return schema

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        optional = set(getattr(getattr(serializer, "Meta", None), "optional_fields", ()))
        if direction == "response" and optional and schema.get("required"):
            schema["required"] = [name for name in schema["required"] if name not in optional]
            if not schema["required"]:
                del schema["required"]
        return schema


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
        "state": {"type": "string"},
        "allowed_actions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["detail", "code"],
}
_DESCRIPTIONS = {
    "400": "Invalid input; `errors` names each field (or query parameter).",
    "401": "Not authenticated.",
    "403": "The object is visible but the action is not the caller's.",
    "404": "Not found, or outside the caller's scope.",
    "409": "Invalid transition or a concurrent change.",
    "413": "A file larger than the limit (`limit`).",
    "415": "A body of a media type not accepted, or a file whose detected type is not (`detected`, `allowed`).",
    "429": "Too many requests, or a limit reached (`limit`); try again later.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            # A GET answers 400 too: a filter, ordering or page that is not valid names its parameter.
            codes = ["400", "401", "403", "404"] if method == "get" else ["400", "401", "403", "404", "409"]
            if method in ("post", "put", "patch"):  # a body: its media type, its size, the rate of writes
                codes += ["413", "415", "429"]
            for code in codes:
                responses.setdefault(
                    code,
                    {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}},
                )
    return result
