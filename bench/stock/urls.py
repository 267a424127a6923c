"""The stock floor's paths: the same as the product's (bench/README.md, "The stock floor")."""
from django.contrib.auth import views as auth_views
from django.urls import path
from rest_framework.authtoken.views import obtain_auth_token

from bench.stock.floor import api, portal, workspace

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="floor/login.html"), name="login"),
    path("api/v1/auth/token/", obtain_auth_token, name="api-token"),
    path("api/v1/cases/", api.CaseListCreate.as_view(), name="api-case-list"),
    path("api/v1/cases/<int:pk>/", api.CaseDetail.as_view(), name="api-case-detail"),
    path("portal/", portal.home, name="portal-home"),
    path("portal/cases/", portal.case_list, name="portal-case-list"),
    path("portal/cases/<str:number>/", portal.case_detail, name="portal-case-detail"),
    path("portal/cases/<str:number>/comment/", portal.case_comment, name="portal-case-comment"),
    path("cases/", workspace.case_list, name="case-list"),
    path("cases/<str:number>/", workspace.case_detail, name="case-detail"),
    path("cases/<str:number>/journal/", workspace.case_journal, name="case-journal"),
]
