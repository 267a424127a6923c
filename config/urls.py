from django.contrib import admin
from django.urls import include, path

from core import views as core_views

admin.site.site_header = "Casedesk admin console"
admin.site.site_title = "Casedesk admin"
admin.site.index_title = "Customers, products, people and access"

urlpatterns = [
    path("", core_views.HomeView.as_view(), name="home"),
    path("healthz/", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]
