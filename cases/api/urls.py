from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import attachments, views, work

router = SimpleRouter()
router.register("case-types", views.CaseTypeViewSet, basename="case-type")
router.register("cases", views.CaseViewSet, basename="case")
router.register("case-tasks", work.CaseTaskViewSet, basename="case-task")
router.register("case-lines", work.CaseLineViewSet, basename="case-line")

urlpatterns = router.urls + [
    path("cases/<str:pk>/attachments/", attachments.CaseAttachmentListView.as_view(), name="case-attachment-list"),
    path(
        "cases/<str:pk>/attachments/<int:attachment_id>/download/",
        attachments.CaseAttachmentDownloadView.as_view(),
        name="case-attachment-download",
    ),
    path("cases/<str:pk>/tasks/", work.CaseTasksView.as_view(), name="case-tasks"),
    path("cases/<str:pk>/lines/", work.CaseLinesView.as_view(), name="case-lines"),
    # After the router: its named sub-resources (comments, activity, assign, ...) match first.
    path("cases/<str:pk>/<slug:action_name>/", views.CaseActionView.as_view(), name="case-action"),
]
