from django.urls import path
from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("case-types", views.CaseTypeViewSet, basename="case-type")
router.register("cases", views.CaseViewSet, basename="case")

urlpatterns = router.urls + [
    # After the router: its named sub-resources (comments, activity, assign, ...) match first.
    path("cases/<str:pk>/<slug:action_name>/", views.CaseActionView.as_view(), name="case-action"),
]
