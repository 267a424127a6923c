"""The agent workspace's case pages (included at "" by config/urls.py)."""
from django.urls import path

from cases.views import dashboards

app_name = "cases"

urlpatterns = [
    path("dashboards/agent/", dashboards.AgentDashboardView.as_view(), name="dashboard-agent"),
    path("dashboards/manager/", dashboards.ManagerDashboardView.as_view(), name="dashboard-manager"),
]
