from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from cases.api import attachments, escalations, parties, portal, routing, slas, templates, views, work

router = SimpleRouter()
router.register("case-types", views.CaseTypeViewSet, basename="case-type")
router.register("cases", views.CaseViewSet, basename="case")
router.register("case-tasks", work.CaseTaskViewSet, basename="case-task")
router.register("case-lines", work.CaseLineViewSet, basename="case-line")
router.register("task-templates", templates.TaskTemplateViewSet, basename="task-template")
router.register("task-template-items", templates.TaskTemplateItemViewSet, basename="task-template-item")
router.register("slas", slas.TaskSlaViewSet, basename="task-sla")
router.register("sla-definitions", slas.SlaDefinitionViewSet, basename="sla-definition")
router.register("escalations", escalations.EscalationViewSet, basename="escalation")

urlpatterns = router.urls + [
    path("cases/<str:pk>/attachments/", attachments.CaseAttachmentListView.as_view(), name="case-attachment-list"),
    path(
        "cases/<str:pk>/attachments/<int:attachment_id>/download/",
        attachments.CaseAttachmentDownloadView.as_view(),
        name="case-attachment-download",
    ),
    path("cases/<str:pk>/tasks/", work.CaseTasksView.as_view(), name="case-tasks"),
    path("cases/<str:pk>/lines/", work.CaseLinesView.as_view(), name="case-lines"),
    path("cases/<str:pk>/slas/", slas.CaseSlasView.as_view(), name="case-slas"),
    # Sub-resources with their own views; before the generic action route, which would take them.
    path("cases/<str:pk>/related-parties/", parties.CaseRelatedPartiesView.as_view(), name="case-related-parties"),
    path(
        "cases/<str:pk>/related-parties/<int:party_id>/", parties.CaseRelatedPartyDetailView.as_view(),
        name="case-related-party-detail",
    ),
    path("cases/<str:pk>/watch/", parties.CaseWatchView.as_view(), name="case-watch"),
    path("cases/<str:pk>/children/", parties.CaseChildrenView.as_view(), name="case-children"),
    path("cases/<str:pk>/merge/", parties.CaseMergeView.as_view(), name="case-merge"),
    path("cases/<str:pk>/merged/", parties.CaseMergedView.as_view(), name="case-merged"),
    *routing.urlpatterns,  # offers, assignment rules, cases/{id}/agent-ranking/ and route/, routing/replay/
    path("cases/<str:pk>/escalate/", escalations.CaseEscalateView.as_view(), name="case-escalate"),
    path("cases/<str:pk>/clear-attention/", escalations.CaseClearAttentionView.as_view(), name="case-clear-attention"),
    path("cases/<str:pk>/time/", escalations.CaseTimeView.as_view(), name="case-time"),
    path("cases/<str:pk>/blocked-by/", escalations.CaseBlockedByView.as_view(), name="case-blocked-by"),
    path("cases/<str:pk>/survey/", portal.CaseSurveyView.as_view(), name="case-survey"),
    path("catalog-items/<str:pk>/submit/", portal.CatalogItemSubmitView.as_view(), name="catalog-item-submit"),
    # After the router: its named sub-resources (comments, activity, assign, ...) match first. The
    # id as the router takes it (no dot), so `GET /cases/1.5/comments/` is a 404, not this view's 405.
    re_path(
        r"^cases/(?P<pk>[^/.]+)/(?P<action_name>[-a-zA-Z0-9_]+)/$", views.CaseActionView.as_view(), name="case-action"
    ),
]
