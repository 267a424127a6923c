from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework import permissions as drf_permissions
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.permissions import CanCreate
from core.api.views import ScopedReadOnlyViewSet, ScopedServiceViewSet
from users import permissions, selectors, services
from users.api import serializers as s


class CanManageUsers(drf_permissions.BasePermission):
    message = "Only admins manage users and roles."

    def has_permission(self, request, view):
        return permissions.can_manage_users(request.user)


class UserViewSet(ScopedServiceViewSet):
    """Admins only: people, their roles and their assignment groups."""

    selector = selectors.user_list_for_user
    create_service = services.user_create
    update_service = services.user_update
    serializer_class = s.UserSerializer
    permission_classes = [drf_permissions.IsAuthenticated, CanManageUsers]
    filterset_fields = ["is_active", "groups__name"]
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["username", "date_joined", "last_login"]
    ordering = ["username"]

    @extend_schema(responses=s.MeSerializer)
    @action(detail=False, methods=["get"], permission_classes=[drf_permissions.IsAuthenticated])
    def me(self, request):
        """Who the caller is and which roles they hold."""
        return Response(s.MeSerializer(request.user).data)

    @extend_schema(request=s.PresenceInputSerializer, responses={200: s.PresenceInputSerializer})
    @action(detail=False, methods=["post"], url_path="me/presence", permission_classes=[drf_permissions.IsAuthenticated])
    def presence(self, request):
        """An agent sets their own presence: available, away or offline."""
        data = s.PresenceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        row = services.agent_presence_set(actor=request.user, user=request.user, **data.validated_data)
        return Response({"status": row.status})


class AssignmentGroupViewSet(ScopedServiceViewSet):
    selector = selectors.assignment_group_list_for_user
    permission_classes = [drf_permissions.IsAuthenticated, CanCreate]  # who may not create learns nothing from the body
    create_service = services.assignment_group_create
    update_service = services.assignment_group_update
    serializer_class = s.AssignmentGroupSerializer
    permission_classes = [drf_permissions.IsAuthenticated, CanCreate]  # 403 before the body is read
    filterset_fields = ["active", "manager"]
    search_fields = ["name"]
    ordering = ["name"]


class SkillViewSet(ScopedServiceViewSet):
    selector = selectors.skill_list_for_user
    create_service = services.skill_create
    update_service = services.skill_update
    serializer_class = s.SkillSerializer
    permission_classes = [drf_permissions.IsAuthenticated, CanCreate]  # 403 before the body is read
    search_fields = ["name"]
    ordering = ["name"]


class _AgentSettingViewSet(mixins.DestroyModelMixin, ScopedServiceViewSet):
    """Per-agent settings managers maintain: POST a row, PATCH its value, DELETE it."""

    http_method_names = [*ScopedServiceViewSet.http_method_names, "delete"]
    # Who may not set these is told 403 before the body is read (the service checks again).
    permission_classes = [drf_permissions.IsAuthenticated, CanCreate]
    update_serializer_class = None
    delete_service = None

    def get_serializer_class(self):
        if self.request.method == "PATCH":
            return self.update_serializer_class
        return self.serializer_class

    def perform_destroy(self, instance):
        type(self).delete_service(actor=self.request.user, instance=instance)


class AgentSkillViewSet(_AgentSettingViewSet):
    """Who knows what, 1 (novice) to 5 (expert). Everyone internal reads; managers and admins write."""

    selector = selectors.agent_skill_list_for_user
    create_service = services.agent_skill_set
    update_service = services.agent_skill_update
    delete_service = staticmethod(
        lambda *, actor, instance: services.agent_skill_remove(actor=actor, user=instance.user, skill=instance.skill)
    )
    serializer_class = s.AgentSkillSerializer
    update_serializer_class = s.AgentSkillUpdateSerializer
    filterset_fields = ["user", "skill"]
    ordering = ["id"]


class AgentCapacityViewSet(_AgentSettingViewSet):
    """How many open items of one channel an agent takes at once."""

    selector = selectors.agent_capacity_list_for_user
    create_service = services.agent_capacity_set
    update_service = services.agent_capacity_update
    delete_service = staticmethod(
        lambda *, actor, instance: services.agent_capacity_remove(
            actor=actor, user=instance.user, channel=instance.channel
        )
    )
    serializer_class = s.AgentCapacitySerializer
    update_serializer_class = s.AgentCapacityUpdateSerializer
    filterset_fields = ["user", "channel"]
    ordering = ["id"]


class AgentPresenceViewSet(ScopedReadOnlyViewSet):
    """Who is available right now. Agents set their own at POST /users/me/presence/."""

    selector = selectors.agent_presence_list_for_user
    serializer_class = s.AgentPresenceSerializer
    filterset_fields = ["user", "status"]
    ordering = ["id"]


