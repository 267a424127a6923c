from rest_framework.routers import SimpleRouter

from notifications.api import views

router = SimpleRouter()
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register("notification-preferences", views.NotificationPreferenceViewSet, basename="notification-preference")

urlpatterns = router.urls
