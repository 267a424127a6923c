"""What the portal's case views share: turning a service's refusal into a message and a status."""
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError

from core.exceptions import Conflict, FileTooLarge, InvalidTransition, LimitExceeded, UnsupportedFileType

ACTION_LABELS = {
    "accept-solution": "Accept solution", "reject-solution": "Reject solution", "close": "Close case",
    "info-received": "Send the information", "comment": "comment", "attach": "attach a file",
}


def refusal(request, exc: Exception) -> int:
    """Show why a service refused, as a message; answer the HTTP status the API would use."""
    if isinstance(exc, InvalidTransition):
        allowed = ", ".join(ACTION_LABELS.get(a, a.replace("-", " ")) for a in exc.allowed) or "none"
        action = ACTION_LABELS.get(exc.action, exc.action.replace("-", " "))
        messages.error(request, f"You cannot {action.lower()} now: the case is {exc.state}. Possible now: {allowed}.")
        return 409
    if isinstance(exc, Conflict):
        messages.error(request, exc.detail)
        return 409
    if isinstance(exc, LimitExceeded):
        messages.error(request, exc.detail)
        return 429
    if isinstance(exc, (FileTooLarge, UnsupportedFileType)):
        messages.error(request, exc.detail)
        return 413 if isinstance(exc, FileTooLarge) else 415
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or "That is not yours to do.")
        return 403
    if isinstance(exc, ValidationError):
        for text in validation_messages(exc):
            messages.error(request, text)
        return 400
    raise exc


def validation_messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [m for field_messages in exc.message_dict.values() for m in field_messages]
    return list(exc.messages)


SERVICE_ERRORS = (Conflict, LimitExceeded, FileTooLarge, UnsupportedFileType, PermissionDenied, ValidationError)
