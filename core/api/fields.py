from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(OpenApiTypes.INT)
class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id resolved through a selector for the requesting user, so an id outside the
    caller's scope is 'does not exist', exactly like one that really does not exist."""

    def __init__(self, *, selector, related: tuple[str, ...] = (), **kwargs):
        self.selector = selector
        self.related = related
        super().__init__(**kwargs)

    def get_queryset(self):
        # Resolving one id needs none of the list's joins and prefetches (a group's members, a
        # contact's login, ...): only the relations the caller names in `related`.
        queryset = self.selector(user=self.context["request"].user).prefetch_related(None).select_related(None)
        return queryset.select_related(*self.related) if self.related else queryset
