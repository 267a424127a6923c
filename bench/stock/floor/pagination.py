"""The floor API's pagination (a module of its own: DRF reads it from the settings while its
generic views are being imported)."""
from rest_framework import pagination


class CappedPagination(pagination.PageNumberPagination):
    """25 a page and a count of at most 1,000 (the product counts the same way: `count_capped`)."""
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200
    CAP = 1000

    def paginate_queryset(self, queryset, request, view=None):
        counted = queryset.order_by()[: self.CAP + 1].count()
        self.count_capped = counted > self.CAP
        self.django_paginator_class = type("Capped", (pagination.DjangoPaginator,), {"count": min(counted, self.CAP)})
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = self.count_capped
        return response
