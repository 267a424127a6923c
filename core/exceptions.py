"""Domain errors that every interface maps the same way (the API to 409, views to a message)."""
from collections.abc import Iterable


class Conflict(Exception):
    """A concurrent change won; the caller should reload and try again."""

    code = "conflict"

    def __init__(self, detail: str = "The record was changed by someone else; reload and try again."):
        super().__init__(detail)
        self.detail = detail


class InvalidTransition(Conflict):
    """The action is not allowed from the record's current state."""

    code = "invalid_transition"

    def __init__(self, *, action: str, state: str, allowed: Iterable[str]):
        self.action, self.state, self.allowed = action, state, sorted(allowed)
        allowed_text = ", ".join(self.allowed) or "none"
        super().__init__(f"'{action}' is not allowed while the record is {state}. Allowed now: {allowed_text}.")
