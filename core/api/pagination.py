from django.core.exceptions import EmptyResultSet
from django.core.paginator import InvalidPage, Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models.expressions import RawSQL
from rest_framework import pagination
from rest_framework.exceptions import NotFound


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


def known_count_paginator(count: int) -> type[DjangoPaginator]:
    # Django's Paginator would COUNT the whole match; give it the bounded count instead.
    return type("KnownCountPaginator", (DjangoPaginator,), {"count": count})


class CappedCountPagination(PageNumberPagination):
    """For lists that can hold millions of rows: counts at most COUNT_CAP rows (a bounded, indexed
    COUNT over a LIMIT subquery) instead of the whole match. Past the cap the response says
    `"count_capped": true`, `count` is the cap, and paging stops there: refine the filter.

    The bounded count rides in the page's own statement, as an uncorrelated scalar subquery that
    PostgreSQL and SQLite evaluate once: one round trip for the page and its count."""

    COUNT_CAP = 1000
    COUNT_COLUMN = "_capped_count"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        raw = request.query_params.get(self.page_query_param) or 1
        if raw in self.last_page_strings:  # the last page needs the count first
            return self._paginate_counted_first(queryset, request, view)
        cap = self.COUNT_CAP
        try:  # a number, at least 1, and on a page the cap allows: Django's own checks and messages
            number = known_count_paginator(cap)([], page_size).validate_number(raw)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=raw, message=str(exc))) from None
        bottom = (number - 1) * page_size
        top = min(bottom + page_size, cap)
        inner = queryset.order_by().values("pk")[: cap + 1]
        try:
            sql, params = inner.query.get_compiler(using=queryset.db).as_sql()
        except EmptyResultSet:  # a filter that matches nothing by construction (`.none()`, `__in=[]`)
            rows = []
        else:
            counter = RawSQL(f"SELECT COUNT(*) FROM ({sql}) capped", params)
            rows = list(queryset.annotate(**{self.COUNT_COLUMN: counter})[bottom:top])
        if rows:
            counted = getattr(rows[0], self.COUNT_COLUMN)
        elif number == 1:
            counted = 0
        else:
            raise NotFound(self.invalid_page_message.format(page_number=raw, message="That page contains no results"))
        self.count_capped = counted > cap
        paginator = known_count_paginator(min(counted, cap))(queryset, page_size)
        self.page = Page(rows, number, paginator)
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return rows

    def _paginate_counted_first(self, queryset, request, view):
        cap = self.COUNT_CAP
        counted = queryset.order_by()[: cap + 1].count()
        self.count_capped = counted > cap
        self.django_paginator_class = known_count_paginator(min(counted, cap))
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.count_capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {"type": "boolean"}
        return schema
