from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.pagination import CappedCountPagination
from core.api.views import ScopedReadOnlyViewSet, ScopedServiceViewSet
from notifications import selectors, services
from notifications.api import serializers as s


class NotificationPreferenceViewSet(mixins.DestroyModelMixin, ScopedServiceViewSet):
    """Your own notification preferences. A topic is an event code (`case.commented`), a group
    (`case.*`) or `*`; the most specific one wins, and without any you get every message by email
    at once (NOTIFICATION_DEFAULT_DELIVERY). Mandatory messages ignore opt-outs and digests.
    DELETE a preference to fall back to the broader one."""

    selector = selectors.notification_preference_list_for_user
    update_service = services.notification_preference_update
    serializer_class = s.NotificationPreferenceSerializer
    http_method_names = [*ScopedServiceViewSet.http_method_names, "delete"]
    filterset_fields = ["topic", "email", "delivery"]
    ordering = ["topic"]

    def get_serializer_class(self):
        if self.request.method == "PATCH":
            return s.NotificationPreferenceUpdateSerializer
        return s.NotificationPreferenceSerializer

    def perform_create(self, serializer):
        serializer.instance = services.notification_preference_set(
            actor=self.request.user, user=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.notification_preference_delete(actor=self.request.user, instance=instance)

    @extend_schema(responses=s.EffectivePreferenceSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])  # one plain list
    def effective(self, request):
        """What applies to you for every event, and which preference (or default) decided it."""
        rows = services.notification_preferences_effective(user=request.user)
        return Response(s.EffectivePreferenceSerializer(rows, many=True).data)


class NotificationViewSet(ScopedReadOnlyViewSet):
    """Your own messages, newest first: what was mailed to you, or is held for your digest. Only
    yours (someone else's is 404), and only texts written for you: a customer never reads an
    internal message. Filters: `event`, `state`, `related` (`cases.case:42`); `?search=` in the
    subject."""

    selector = selectors.notification_list_for_user
    serializer_class = s.NotificationSerializer
    pagination_class = CappedCountPagination
    filterset_fields = ["event", "state", "related"]
    search_fields = ["subject"]
    ordering_fields = ["created_at", "sent_at"]
    ordering = ["-created_at", "-id"]
