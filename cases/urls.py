"""The agent workspace's case pages (app_name "cases", included at "" in config/urls.py).

Fixed paths of the lists live outside /cases/<number>/ and /case-tasks/<number>/ (under
/case-lists/), so they can never be taken for a record number whatever the order of the routes."""
from django.urls import path

from cases.views import lists

app_name = "cases"

urlpatterns = [
    # Lists (cases/views/lists.py)
    path("cases/", lists.case_list, name="case-list"),
    path("case-tasks/", lists.task_list, name="task-list"),
    path("case-lists/nav/", lists.list_nav, name="list-nav"),
    path("case-lists/assign/", lists.case_bulk_assign, name="case-bulk-assign"),
    path("case-lists/filters/", lists.saved_filter_list, name="saved-filter-list"),
    path("case-lists/filters/<int:pk>/rename/", lists.saved_filter_rename, name="saved-filter-rename"),
    path("case-lists/filters/<int:pk>/delete/", lists.saved_filter_delete, name="saved-filter-delete"),
]
