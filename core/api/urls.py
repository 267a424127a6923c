from django.urls import path

from core.api.access import AccessExplainView

urlpatterns = [path("access/", AccessExplainView.as_view(), name="api-access")]
