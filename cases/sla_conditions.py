"""The condition language of SLA definitions: small, safe data an admin edits as JSON.

A condition is a list of clauses that must all hold (AND). A clause is one test of one case field

    {"field": "priority", "op": "in", "value": [1, 2]}

or a group of such tests of which at least one must hold (OR, one level, no nesting):

    {"any": [{"field": "state", "op": "eq", "value": "resolved"},
             {"field": "state", "op": "eq", "value": "closed"}]}

Operators: `eq`, `ne` (a value), `in`, `not_in` (a non-empty list), `is_empty`, `is_not_empty`
(no value: null or ""), and `changes` (no value; reset conditions only: the field differs from
its value when the SLA attached or last reset-checked). Fields are an allow-list of case fields
(FIELDS); relations compare by id. Values are checked against the field's choices (and, for
`state`, against the states of the installed lifecycles) and stored normalised (`"2"` -> 2).

An empty condition never matches, except that the start condition may not be empty.
Nothing is evaluated with eval or lookups built from user input: each clause reads one
attribute of the in-memory case."""
from django.core.exceptions import ValidationError

from cases.choices import CaseCategory, MajorCaseState, Priority, StateCategory
from core.choices import Channel

OPS_WITH_VALUE = ("eq", "ne")
OPS_WITH_LIST = ("in", "not_in")
OPS_WITHOUT_VALUE = ("is_empty", "is_not_empty", "changes")
OPS = OPS_WITH_VALUE + OPS_WITH_LIST + OPS_WITHOUT_VALUE
OP_LABELS = {
    "eq": "is", "ne": "is not", "in": "is one of", "not_in": "is none of", "is_empty": "is empty",
    "is_not_empty": "is not empty", "changes": "changes",
}

# field -> (attribute on Case, kind, choices or None)
FIELDS: dict[str, tuple[str, str, tuple | None]] = {
    "state": ("state", "str", None),  # lifecycle state codes (custom lifecycles add their own)
    "state_category": ("state_category", "str", tuple(StateCategory.values)),
    "priority": ("priority", "int", tuple(Priority.values)),
    "impact": ("impact", "int", (1, 2, 3)),
    "urgency": ("urgency", "int", (1, 2, 3)),
    "channel": ("channel", "str", tuple(Channel.values)),
    "category": ("category", "str", tuple(CaseCategory.values)),
    "major_case_state": ("major_case_state", "str", tuple(MajorCaseState.values)),
    "needs_attention": ("needs_attention", "bool", (True, False)),
    "case_type": ("case_type_id", "id", None),
    "product": ("product_id", "id", None),
    "account": ("account_id", "id", None),
    "contact": ("contact_id", "id", None),
    "consumer": ("consumer_id", "id", None),
    "partner": ("partner_id", "id", None),
    "contract": ("contract_id", "id", None),
    "entitlement": ("entitlement_id", "id", None),
    "service_definition": ("service_definition_id", "id", None),
    "assignment_group": ("assignment_group_id", "id", None),
    "assigned_to": ("assigned_to_id", "id", None),
    "parent": ("parent_id", "id", None),
}


def _fail(where: str, message: str):
    raise ValidationError(f"{where}: {message}")


def _value(field: str, value, where: str):
    _attr, kind, choices = FIELDS[field]
    if kind in ("int", "id"):
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
            _fail(where, f"{field} takes {'an id' if kind == 'id' else 'a whole number'}, not {value!r}.")
        value = int(value)
    elif kind == "bool":
        if not isinstance(value, bool):
            _fail(where, f"{field} takes true or false, not {value!r}.")
    elif not isinstance(value, str):
        _fail(where, f"{field} takes text, not {value!r}.")
    if choices is not None and value not in choices:
        _fail(where, f"{value!r} is not a {field}; use one of {', '.join(map(str, choices))}.")
    return value


def _clause_clean(clause, where: str, *, allow_changes: bool) -> dict:
    if not isinstance(clause, dict):
        _fail(where, "each clause is an object {field, op, value} or {any: [...]}.")
    unknown = set(clause) - {"field", "op", "value"}
    if unknown:
        _fail(where, f"unknown key(s) {', '.join(sorted(unknown))}.")
    field, op = clause.get("field"), clause.get("op")
    if field not in FIELDS:
        _fail(where, f"{field!r} is not a field SLA conditions may test; use one of {', '.join(FIELDS)}.")
    if op not in OPS:
        _fail(where, f"{op!r} is not an operator; use one of {', '.join(OPS)}.")
    if op == "changes" and not allow_changes:
        _fail(where, "'changes' is only for reset conditions.")
    if op in OPS_WITHOUT_VALUE:
        if clause.get("value") not in (None, "", []):
            _fail(where, f"'{op}' takes no value.")
        return {"field": field, "op": op}
    if "value" not in clause:
        _fail(where, f"'{op}' needs a value.")
    value = clause["value"]
    if op in OPS_WITH_LIST:
        if not isinstance(value, list) or not value:
            _fail(where, f"'{op}' needs a non-empty list of values.")
        return {"field": field, "op": op, "value": [_value(field, v, where) for v in value]}
    if isinstance(value, list):
        _fail(where, f"'{op}' takes one value; use 'in' for a list.")
    return {"field": field, "op": op, "value": _value(field, value, where)}


def condition_clean(condition, *, allow_changes: bool = False) -> list:
    """The condition, checked and normalised; ValidationError naming the clause otherwise."""
    if condition in (None, ""):
        return []
    if not isinstance(condition, list):
        raise ValidationError("A condition is a list of clauses (all must hold).")
    cleaned = []
    for i, clause in enumerate(condition, start=1):
        where = f"clause {i}"
        if isinstance(clause, dict) and "any" in clause:
            if set(clause) != {"any"} or not isinstance(clause["any"], list) or not clause["any"]:
                _fail(where, "an 'any' group is {\"any\": [clause, ...]} with at least one clause.")
            group = []
            for j, inner in enumerate(clause["any"], start=1):
                if isinstance(inner, dict) and "any" in inner:
                    _fail(f"{where}.{j}", "'any' groups do not nest.")
                group.append(_clause_clean(inner, f"{where}.{j}", allow_changes=allow_changes))
            cleaned.append({"any": group})
        else:
            cleaned.append(_clause_clean(clause, where, allow_changes=allow_changes))
    return cleaned


def condition_fields(condition: list, op: str | None = None) -> set[str]:
    """The fields a condition tests (only with operator `op` when given)."""
    names = set()
    for clause in condition or []:
        for inner in clause.get("any", [clause]):
            if op is None or inner["op"] == op:
                names.add(inner["field"])
    return names


def case_value(case, field: str):
    value = getattr(case, FIELDS[field][0])
    return value.value if hasattr(value, "value") else value


def _clause_matches(clause: dict, case, watched: dict | None) -> bool:
    op, field = clause["op"], clause["field"]
    value = case_value(case, field)
    if op == "eq":
        return value == clause["value"]
    if op == "ne":
        return value != clause["value"]
    if op == "in":
        return value in clause["value"]
    if op == "not_in":
        return value not in clause["value"]
    if op == "is_empty":
        return value in (None, "")
    if op == "is_not_empty":
        return value not in (None, "")
    # changes: against the snapshot taken when the SLA attached (missing snapshot: no change)
    return watched is not None and field in watched and watched[field] != value


def condition_matches(condition: list, case, *, watched: dict | None = None) -> bool:
    """Does the case meet the (cleaned) condition? An empty condition never matches."""
    if not condition:
        return False
    for clause in condition:
        if "any" in clause:
            if not any(_clause_matches(inner, case, watched) for inner in clause["any"]):
                return False
        elif not _clause_matches(clause, case, watched):
            return False
    return True


def _describe_clause(clause: dict) -> str:
    label = clause["field"].replace("_", " ")
    if "value" not in clause:
        return f"{label} {OP_LABELS[clause['op']]}"
    value = clause["value"]
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return f"{label} {OP_LABELS[clause['op']]} {shown}"


def condition_describe(condition: list) -> str:
    """A condition in words: 'state category is new and priority is one of 1, 2'."""
    parts = []
    for clause in condition or []:
        if "any" in clause:
            parts.append("(" + " or ".join(_describe_clause(c) for c in clause["any"]) + ")")
        else:
            parts.append(_describe_clause(clause))
    return " and ".join(parts) or "never"
