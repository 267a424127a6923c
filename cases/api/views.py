from rest_framework.permissions import IsAuthenticated

from cases import selectors, services
from cases.api import serializers as s
from catalog.api.permissions import CanCreate
from core.api.views import ScopedServiceViewSet


class CaseTypeViewSet(ScopedServiceViewSet):
    """Case types: every signed-in user reads the active ones; admins define them."""

    selector = selectors.case_type_list_for_user
    create_service = services.case_type_create
    update_service = services.case_type_update
    serializer_class = s.CaseTypeSerializer
    permission_classes = [IsAuthenticated, CanCreate]
    filterset_fields = ["category", "active", "service_definitions"]
    search_fields = ["name", "code", "description"]
    ordering_fields = ["name", "code", "category", "created_at", "updated_at"]
    ordering = ["name"]
