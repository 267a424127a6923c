"""The project's URLs plus the framework-floor views, mounted only while bench_run measures."""
from django.urls import path

from bench import floor
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("bench-floor/cases/", floor.case_list),
    path("bench-floor/cases/<int:pk>/", floor.case_detail),
    path("bench-floor/cases/create/", floor.CaseCreate.as_view()),
    path("bench-floor/case-list-html/", floor.case_list_html),  # bench/workspace_lists.py
    *project_urlpatterns,
]
