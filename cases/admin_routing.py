"""Admin for routing: assignment rules (ordered, with their conditions and skills, saved through
cases.services.routing) and offers (a read-only log; offers change only by being answered,
timing out or being cancelled)."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from cases.models import AssignmentRule, CaseOffer, RoutingSkillRequirement
from cases.services import routing as routing_services
from core.admin import ServiceAdmin, ServiceInline


class RoutingSkillRequirementInline(ServiceInline):
    model = RoutingSkillRequirement
    fields = ["skill", "min_level", "mandatory"]
    create_service = routing_services.routing_skill_requirement_create
    update_service = routing_services.routing_skill_requirement_update
    delete_service = routing_services.routing_skill_requirement_delete
    verbose_name = "skill"
    verbose_name_plural = "skills (applied when the rule uses skills: mandatory ones filter, optional ones rank)"


@admin.register(AssignmentRule)
class AssignmentRuleAdmin(ServiceAdmin):
    create_service = routing_services.assignment_rule_create
    update_service = routing_services.assignment_rule_update
    list_display = [
        "order", "name", "active", "conditions", "assignment_group", "assigned_to", "strategy", "use_skills",
    ]
    list_display_links = ["order", "name"]
    list_filter = ["active", "strategy", "use_skills", "assignment_group"]
    list_select_related = [
        "assignment_group", "assigned_to", "case_type", "product", "account", "service_definition",
    ]
    search_fields = ["name"]
    ordering = ["order", "id"]
    autocomplete_fields = ["product", "account", "service_definition", "assignment_group", "assigned_to"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "order", "active"]}),
        ("Conditions (blank = any; all given must hold)", {
            "fields": ["case_type", "product", "account", "priority", "channel", "service_definition"],
        }),
        ("Assign to", {"fields": ["assignment_group", "assigned_to", "strategy", "use_skills"]}),
        ("History", {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [RoutingSkillRequirementInline]
    actions = ["activate_selected", "deactivate_selected"]

    @admin.display(description="conditions")
    def conditions(self, rule: AssignmentRule) -> str:
        return rule.conditions_text()

    def _set_active(self, request, queryset, active: bool) -> None:
        done = 0
        for rule in queryset:
            try:
                routing_services.assignment_rule_update(actor=request.user, instance=rule, active=active)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{rule}: {reason}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} rules {'activated' if active else 'deactivated'}.", messages.SUCCESS)

    @admin.action(description="Activate selected rules")
    def activate_selected(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description="Deactivate selected rules")
    def deactivate_selected(self, request, queryset):
        self._set_active(request, queryset, False)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead; the API's DELETE goes through the service


@admin.register(CaseOffer)
class CaseOfferAdmin(ServiceAdmin):
    list_display = ["case", "agent", "assignment_group", "state", "offered_at", "expires_at", "responded_at", "reason"]
    list_filter = ["state", "assignment_group"]
    list_select_related = ["case", "agent", "assignment_group"]
    search_fields = ["case__number", "agent__username"]
    date_hierarchy = None
    fields = [
        "case", "agent", "assignment_group", "rule", "state", "reason", "offered_at", "expires_at", "responded_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
