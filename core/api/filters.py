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
    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, used_only=False):
        if used_only and data is not None and not prefix:
            # A filter the request does not name filters nothing, but django-filter deep-copies
            # every filter and builds a form field for each on every request (a case list has
            # 13: ~2 ms). Keep those the query string names (a range filter's keys carry a
            # suffix, hence the prefix match).
            keys = list(data.keys())
            self.base_filters = {
                name: f for name, f in type(self).base_filters.items() if any(k.startswith(name) for k in keys)
            }
        super().__init__(data, queryset, request=request, prefix=prefix)

    @classmethod
    def filter_for_field(cls, field, field_name, lookup_expr=None):
        if field.is_relation and lookup_expr in (None, "exact"):
            return IdFilter(field_name=field_name, lookup_expr="exact")
        return super().filter_for_field(field, field_name, lookup_expr)


class FilterBackend(DjangoFilterBackend):
    filterset_base = IdFilterSet

    # django-filter builds a FilterSet class from `filterset_fields` on every request (class
    # creation and model introspection: several ms). It depends only on the view class and the
    # model, so build it once per pair.
    _classes: dict = {}

    def filter_queryset(self, request, queryset, view):
        self._used_only = True  # the browsable API's filter form (to_html) still shows every filter
        try:
            return super().filter_queryset(request, queryset, view)
        finally:
            self._used_only = False

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        filterset_class = self.get_filterset_class(view, queryset)
        if getattr(self, "_used_only", False) and filterset_class and issubclass(filterset_class, IdFilterSet):
            kwargs["used_only"] = True
        return kwargs

    def get_filterset_class(self, view, queryset=None):
        if getattr(view, "filterset_class", None) is not None:
            return super().get_filterset_class(view, queryset)
        key = (type(view), getattr(queryset, "model", None))
        if key not in self._classes:
            self._classes[key] = super().get_filterset_class(view, queryset)
        return self._classes[key]
