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


class FileTooLarge(Exception):
    """An upload is over the size limit (the API answers 413 and names the limit)."""

    code = "file_too_large"

    def __init__(self, *, limit: int, size: int | None = None, field: str = "file"):
        self.limit, self.size, self.field = limit, size, field
        self.detail = f"The file is larger than the limit of {limit} bytes ({limit / 1048576:.1f} MiB)."
        super().__init__(self.detail)


class UnsupportedFileType(Exception):
    """An upload's type, as sniffed from its content, is not accepted (the API answers 415)."""

    code = "unsupported_file_type"

    def __init__(self, *, detected: str, allowed: Iterable[str], field: str = "file"):
        self.detected, self.allowed, self.field = detected, sorted(allowed), field
        self.detail = f"Files of type {detected} are not accepted. Accepted types: {', '.join(self.allowed)}."
        super().__init__(self.detail)


class LimitExceeded(Exception):
    """A usage limit was reached (the consumer limits of reference 3.1): the API answers 429 and
    the portal shows the message with status 429."""

    code = "rate_limited"

    def __init__(self, detail: str, *, limit: int):
        self.detail, self.limit = detail, limit
        super().__init__(detail)
