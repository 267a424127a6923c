"""drf-spectacular post-processing: document the error responses every operation can give."""

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
    "400": "Invalid input; `errors` names each field.",
    "401": "Not authenticated.",
    "403": "The object is visible but the action is not the caller's.",
    "404": "Not found, or outside the caller's scope.",
    "409": "Invalid transition or a concurrent change.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            codes = ["401", "403", "404"] if method == "get" else ["400", "401", "403", "404", "409"]
            if method == "get" and any(p.get("in") == "query" for p in operation.get("parameters", [])):
                codes.insert(0, "400")  # a bad value, or a filter unknown or hidden to the caller (core.api.filters)
            for code in codes:
                responses.setdefault(
                    code,
                    {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": ref}}},
                )
    return result
