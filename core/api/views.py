"""Base classes every API viewset uses, so scoping and service calls are by construction.

- `get_queryset()` returns `self.selector(user=request.user)`: out of scope is 404.
- Records with a human number also answer to it (`/accounts/ACC0000001/`).
- Writes call `create_service` / `update_service` with `actor=request.user`; the viewset never
  saves through the ORM, so the admin, the API and later the portal share every rule.
"""
import inspect
from collections.abc import Callable

from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, viewsets


class ScopedViewSetMixin:
    selector: Callable = None
    number_field: str | None = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no real user
            return self.get_serializer_class().Meta.model.objects.none()
        return type(self).selector(user=self.request.user)

    def get_object(self):
        # The scoped selector alone: list filters (django-filter builds a FilterSet of every
        # field, ~10 ms) would only narrow a lookup by id or number, never widen it.
        queryset = self.get_queryset()
        value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        if value.isascii() and value.isdigit():
            obj = get_object_or_404(queryset, pk=int(value))
        elif self.number_field:
            obj = get_object_or_404(queryset, **{self.number_field: value.upper()})
        else:
            obj = get_object_or_404(queryset.none())
        self.check_object_permissions(self.request, obj)
        return obj


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ServiceWriteMixin:
    """Create and update through services. `output_serializer_class` answers the write."""

    create_service: Callable = None
    update_service: Callable = None
    instance_kwarg: str = "instance"

    def perform_create(self, serializer):
        service = type(self).create_service
        require_service_arguments(service, serializer.validated_data, given={"actor"})
        serializer.instance = service(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        service = type(self).update_service
        require_service_arguments(service, serializer.validated_data, given={"actor", self.instance_kwarg})
        serializer.instance = service(
            actor=self.request.user, **{self.instance_kwarg: serializer.instance}, **serializer.validated_data
        )


def require_service_arguments(service: Callable, data: dict, *, given: set[str]) -> None:
    """400 naming each field the service needs that the input left out. The serializer should
    already require them; this keeps a serializer that does not from becoming a TypeError (500)."""
    missing = [
        name for name, parameter in inspect.signature(service).parameters.items()
        if parameter.kind is parameter.KEYWORD_ONLY and parameter.default is parameter.empty
        and name not in given and name not in data
    ]
    if missing:
        raise serializers.ValidationError({name: ["This field is required."] for name in missing})


class ScopedServiceViewSet(
    ServiceWriteMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]
