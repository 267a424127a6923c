"""One error shape for the whole API: {"detail", "code", "errors"?} (API.md)."""
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.exceptions import Conflict, FileTooLarge, InvalidTransition, LimitExceeded, UnsupportedFileType


def _validation_errors(exc: DjangoValidationError) -> dict | list:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def api_exception_handler(exc, context):
    if isinstance(exc, InvalidTransition):
        body = {"detail": exc.detail, "code": exc.code, "state": exc.state, "allowed_actions": exc.allowed}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, Conflict):
        return Response({"detail": exc.detail, "code": exc.code}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, LimitExceeded):
        body = {"detail": exc.detail, "code": exc.code, "limit": exc.limit}
        return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS)
    if isinstance(exc, FileTooLarge):
        body = {"detail": exc.detail, "code": exc.code, "limit": exc.limit, "errors": {exc.field: [exc.detail]}}
        return Response(body, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, UnsupportedFileType):
        body = {
            "detail": exc.detail, "code": exc.code, "detected": exc.detected, "allowed": exc.allowed,
            "errors": {exc.field: [exc.detail]},
        }
        return Response(body, status=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_errors(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = {"detail": _summary(errors), "code": "invalid", "errors": errors}
    else:
        code = "forbidden" if isinstance(exc, exceptions.PermissionDenied) else exc.get_codes()
        if not isinstance(code, str):
            code = "error"
        response.data = {"detail": str(exc.detail), "code": code}
    return response


def _first_message(value) -> str:
    """The first message of a (possibly nested) DRF error structure, as plain text."""
    while isinstance(value, (list, dict)) and value:
        value = value[0] if isinstance(value, list) else next(iter(value.values()))
    return str(value)


def _summary(errors: dict) -> str:
    return "Invalid input. " + "; ".join(f"{field}: {_first_message(m)}" for field, m in errors.items())


# --- errors Django answers before DRF sees the request (config/urls.py: handler404, handler500) ---
API_PREFIX = "/api/"


def not_found(request, exception):
    """404 outside any view (an id the URL pattern refuses, an unknown path): JSON under /api/."""
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """500: JSON under /api/, so a client reads the same error shape even then."""
    if request.path_info.startswith(API_PREFIX):
        body = {"detail": "A server error occurred; it has been logged.", "code": "server_error"}
        return JsonResponse(body, status=500)
    return defaults.server_error(request)
