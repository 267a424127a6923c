"""Home, my cases, the case page and its actions, the catalog (portal.views.cases).
The case page is /portal/cases/<number>/: outgoing mail links to it (PORTAL_CASE_URL_PATH)."""
from django.urls import path

from portal.views.cases import lists, record, submit

urlpatterns = [
    path("", lists.home, name="home"),
    path("cases/", lists.case_list, name="case-list"),
    path("cases/<str:number>/", record.case_detail, name="case-detail"),
    path("cases/<str:number>/comment/", record.case_comment, name="case-comment"),
    path("cases/<str:number>/attach/", record.case_attach, name="case-attach"),
    path("cases/<str:number>/survey/", record.case_survey, name="case-survey"),
    path("cases/<str:number>/act/<slug:action>/", record.case_action, name="case-action"),
    path("catalog/", submit.catalog, name="catalog"),
    path("catalog/<int:pk>/", submit.catalog_item, name="catalog-item"),
    path("products/<int:pk>/new-case/", submit.product_new_case, name="product-new-case"),
    path("services/<int:pk>/new-case/", submit.service_new_case, name="service-new-case"),
    path("help/", submit.get_help, name="get-help"),
]
