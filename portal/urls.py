"""Everything under /portal/. Two halves, so each area keeps its own routes."""
from django.urls import include, path

app_name = "portal"

urlpatterns = [
    path("", include("portal.urls_account")),
    path("", include("portal.urls_cases")),
]
