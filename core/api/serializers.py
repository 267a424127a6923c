"""Input serializers that say no: a key the endpoint does not take is a 400 naming it.

DRF drops input keys that are not writable fields of the serializer, so `PATCH {"state": "closed"}`
used to answer 200 and change nothing, and a misspelt field (`"short_desription"`) vanished
without a word. `StrictInputMixin` refuses both, each with its own message:

- a field the resource shows but nobody writes here (`state`, `number`, `opened_at`, a computed
  field): "... cannot be changed here"; for `state`, the actions that move it on from the record's
  current state for this caller (its `allowed_actions`);
- a key that is no field at all: "Unknown field", with the fields the endpoint takes.

Every request body of the API uses it (tests/core/test_strict_input.py walks the schema's
operations and checks that each POST/PATCH/PUT/DELETE body is strict), so a new endpoint cannot
forget. A plain input serializer names the fields of the record it writes in `read_only_names`,
so that reading one of them back is "cannot be changed", not "unknown".
"""
from collections.abc import Mapping

from rest_framework import serializers

# Sent by the browsable API's HTML forms with every POST; never a field.
IGNORED_KEYS = frozenset({"csrfmiddlewaretoken"})


class StrictInputMixin:
    read_only_names: frozenset[str] | tuple[str, ...] | list[str] = ()
    # field -> message, for a read-only field whose own words help more than the default
    refused_messages: dict[str, str] = {}

    def to_internal_value(self, data):
        refused = self._refused_keys(data) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if refused and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **refused}) from None
            raise
        if refused:
            raise serializers.ValidationError(refused)
        return value

    # --- what is refused, and in which words -----------------------------------------------------
    def _writable(self) -> list[str]:
        return [name for name, field in self.fields.items() if not field.read_only]

    def _refused_keys(self, data: Mapping) -> dict[str, list[str]]:
        writable = set(self._writable())
        refused = {}
        for key in data:
            if key in writable or key in IGNORED_KEYS:
                continue
            refused[str(key)] = [self.refused_message(str(key))]
        return refused

    def refused_message(self, name: str) -> str:
        field = self.fields.get(name)
        if (field is not None and field.read_only) or name in self.read_only_names:
            return self.read_only_message(name)
        writable = ", ".join(sorted(self._writable())) or "none"
        return f"Unknown field: this request does not take '{name}'. It takes: {writable}."

    def read_only_message(self, name: str) -> str:
        if name in self.refused_messages:
            return self.refused_messages[name]
        if name == "state":
            return self.state_message()
        return f"{name} cannot be changed here: it is kept by the system."

    def state_message(self) -> str:
        actions = self.allowed_actions()
        if actions is None:
            return "state cannot be set directly: it moves only through the record's actions."
        if not actions:
            return "state cannot be changed here, and no action is open to you from the current state."
        where = self._action_path()
        return f"state cannot be changed here; use the actions: {', '.join(actions)} (POST {where}<action>/)."

    def allowed_actions(self) -> list[str] | None:
        """The actions open to the caller on the record being changed (None: no record, or the
        serializer cannot tell)."""
        getter = getattr(self, "get_allowed_actions", None)
        if getattr(self, "instance", None) is None or getter is None:
            return None
        return list(getter(self.instance))

    def _action_path(self) -> str:
        request = self.context.get("request") if hasattr(self, "context") else None
        path = getattr(request, "path", "") or ""
        return path if path.endswith("/") else f"{path}/"


class StrictSerializer(StrictInputMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictInputMixin, serializers.ModelSerializer):
    pass
