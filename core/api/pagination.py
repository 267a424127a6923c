from django.core.paginator import Paginator as DjangoPaginator
from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


class CappedCountPagination(PageNumberPagination):
    """For lists that can hold millions of rows: counts at most COUNT_CAP rows (a bounded, indexed
    COUNT over a LIMIT subquery) instead of the whole match. Past the cap the response says
    `"count_capped": true`, `count` is the cap, and paging stops there: refine the filter."""

    COUNT_CAP = 1000

    def paginate_queryset(self, queryset, request, view=None):
        cap = self.COUNT_CAP
        counted = queryset.order_by()[: cap + 1].count()
        self.count_capped = counted > cap
        # Django's Paginator would COUNT the whole match; give it the bounded count instead.
        self.django_paginator_class = type("KnownCountPaginator", (DjangoPaginator,), {"count": min(counted, cap)})
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.count_capped
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {"type": "boolean"}
        return schema
