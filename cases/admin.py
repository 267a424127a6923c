from django.contrib import admin

from cases import services
from cases.models import CaseType
from core.admin import ServiceAdmin


@admin.register(CaseType)
class CaseTypeAdmin(ServiceAdmin):
    """Case types are deactivated, never deleted; saves go through cases.services."""

    create_service = services.case_type_create
    update_service = services.case_type_update
    list_display = ["name", "code", "category", "active", "updated_at"]
    list_filter = ["category", "active"]
    list_select_related = []
    search_fields = ["name", "code", "description"]
    autocomplete_fields = ["service_definitions"]
    readonly_fields = ["created_at", "updated_at"]
import cases.admin_templates  # noqa: E402,F401  (task templates)
