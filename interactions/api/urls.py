from django.urls import path
from rest_framework.routers import SimpleRouter

from interactions.api import views

router = SimpleRouter()
router.register("interactions", views.InteractionViewSet, basename="interaction")

urlpatterns = router.urls + [
    # Before cases' generic `cases/<pk>/<action>/` route (config/api_urls.py includes this first).
    path("cases/<str:pk>/interactions/", views.CaseInteractionsView.as_view(), name="case-interactions"),
    path("interaction-intake/open/", views.IntakeOpenView.as_view(), name="interaction-intake-open"),
    path("interaction-intake/messages/", views.IntakeMessageView.as_view(), name="interaction-intake-messages"),
    path("interaction-intake/end/", views.IntakeEndView.as_view(), name="interaction-intake-end"),
]
