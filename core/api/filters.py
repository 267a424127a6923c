"""The API's list backends: filters, search and ordering that follow what the reader may see.

- Relation filters take a plain id. django-filter's default for a foreign key checks that the id
  exists in the *unscoped* table, so `?account=<someone else's id>` (200, empty) and
  `?account=999999` (400) would tell a caller which ids exist. Here both simply match nothing; the
  scoped queryset decides what can be returned.
- A field the reader never gets (the view's `hidden_fields()`: for the customer side, the same map
  its answers are trimmed by) is no filter, no ordering and no search field for that reader. A
  query parameter a list does not know, hidden or unknown alike, is 400 naming it
  (`{"errors": {"<name>": ["Unknown filter. ..."]}}`), so a filter on a hidden field cannot tell
  a customer anything, and a mistyped filter does not silently answer the whole list.
"""
import django_filters
from django import forms
from django_filters.rest_framework import DjangoFilterBackend, FilterSet
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

# Parameters every list takes besides its filters: the response format and the page.
_ALWAYS_KNOWN = frozenset({api_settings.URL_FORMAT_OVERRIDE, "page", "page_size"})


def hidden_fields(view) -> frozenset[str]:
    """The fields this request's reader never gets from `view` (none unless the view says so)."""
    hide = getattr(view, "hidden_fields", None)
    return frozenset(hide()) if hide is not None else frozenset()


def _root(lookup: str) -> str:
    """`product__name` -> `product`: the field of the answer a lookup reads."""
    return lookup.lstrip("-@^=$").split("__", 1)[0]


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
        _refuse_unknown_params(request, view, self._filter_params(view, queryset))
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

    def _filter_params(self, view, queryset) -> set[str]:
        """The query parameters that name one of the view's filters this reader may use."""
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return set()
        hidden = hidden_fields(view)
        names = set()
        for name, filter_ in filterset_class.base_filters.items():
            if _root(filter_.field_name or name) in hidden:
                continue
            names.add(name)
            suffixes = getattr(filter_.field_class.widget, "suffixes", None)  # range filters: name_min ...
            names.update(f"{name}_{suffix}" if suffix else name for suffix in suffixes or ())
        return names


def _refuse_unknown_params(request, view, filter_params: set[str]) -> None:
    known = set(_ALWAYS_KNOWN) | filter_params | set(getattr(view, "query_params_known", ()))
    if getattr(view, "search_fields", None):
        known.add(api_settings.SEARCH_PARAM)
    known.add(api_settings.ORDERING_PARAM)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        listed = ", ".join(sorted(known - _ALWAYS_KNOWN)) or "none"
        raise ValidationError({name: [f"Unknown filter. This list takes: {listed}."] for name in unknown})


class SearchFilter(drf_filters.SearchFilter):
    """`?search=` over the view's search fields the reader may see."""

    def get_search_fields(self, view, request):
        fields = super().get_search_fields(view, request)
        hidden = hidden_fields(view)
        if not fields or not hidden:
            return fields
        return [name for name in fields if _root(name) not in hidden]


class OrderingFilter(drf_filters.OrderingFilter):
    """`?ordering=` by the view's ordering fields the reader may see; any other is 400 naming it
    (DRF would silently drop it, and with it the caller's idea of the order)."""

    def get_valid_fields(self, queryset, view, context=None):
        fields = super().get_valid_fields(queryset, view, context or {})
        hidden = hidden_fields(view)
        return [(name, label) for name, label in fields if _root(name) not in hidden]

    def remove_invalid_fields(self, queryset, fields, view, request):
        valid = {name for name, _ in self.get_valid_fields(queryset, view, {"request": request})}
        wanted = [term.strip() for term in fields if term.strip()]
        unknown = [term for term in wanted if term.lstrip("-") not in valid]
        if unknown:
            listed = ", ".join(sorted(valid)) or "none"
            raise ValidationError({self.ordering_param: [f"Unknown field: {', '.join(unknown)}. Order by: {listed}."]})
        return wanted
