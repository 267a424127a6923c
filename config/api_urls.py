"""/api/v1/: each app's router plus auth, schema and docs (assets from the sidecar, no CDN)."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from users.api.tokens import TokenObtainView

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("", include("core.api.urls")),
    path("", include("users.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("catalog.api.urls")),
    # interactions before cases: its `cases/<pk>/interactions/` comes before cases' generic
    # `cases/<pk>/<action>/` route, which would take it.
    path("", include("interactions.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("notifications.api.urls")),
]
