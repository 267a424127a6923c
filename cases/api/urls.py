from rest_framework.routers import SimpleRouter

from cases.api import views

router = SimpleRouter()
router.register("case-types", views.CaseTypeViewSet, basename="case-type")

urlpatterns = router.urls
