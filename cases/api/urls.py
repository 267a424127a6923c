from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import attachments, views

router = SimpleRouter()
router.register("case-types", views.CaseTypeViewSet, basename="case-type")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = router.urls + [
    path("cases/<str:pk>/attachments/", attachments.CaseAttachmentListView.as_view(), name="case-attachment-list"),
    path(
        "cases/<str:pk>/attachments/<int:attachment_id>/download/",
        attachments.CaseAttachmentDownloadView.as_view(),
        name="case-attachment-download",
    ),
    # After the router: its named sub-resources (comments, activity, assign, ...) match first.
    path("cases/<str:pk>/<slug:action_name>/", views.CaseActionView.as_view(), name="case-action"),
]
