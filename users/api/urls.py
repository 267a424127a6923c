from rest_framework.routers import SimpleRouter

from users.api import tokens, views

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("assignment-groups", views.AssignmentGroupViewSet, basename="assignment-group")
router.register("skills", views.SkillViewSet, basename="skill")
router.register("agent-skills", views.AgentSkillViewSet, basename="agent-skill")
router.register("agent-capacities", views.AgentCapacityViewSet, basename="agent-capacity")
router.register("agent-presences", views.AgentPresenceViewSet, basename="agent-presence")
router.register("auth/tokens", tokens.ApiTokenViewSet, basename="api-token")

urlpatterns = router.urls
