"""The API's filter backend: django-filter, with relation filters that take a plain id.

django-filter's default for a foreign key checks that the id exists in the *unscoped* table, so
`?account=<someone else's id>` (200, empty) and `?account=999999` (400) would tell a caller which
ids exist. Here both simply match nothing; the scoped queryset decides what can be returned."""
import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend, FilterSet


class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class IdFilterSet(FilterSet):
    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        if field.is_relation and lookup_expr in (None, "exact"):
            return IdFilter(field_name=field_name, lookup_expr="exact")
        return super().filter_for_field(field, field_name, lookup_expr)


class FilterBackend(DjangoFilterBackend):
    filterset_base = IdFilterSet
