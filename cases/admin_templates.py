"""Admin for task templates: edited while Draft (items inline), then published or cloned by
actions that call the services. A published template is read-only except for `active`."""
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import TaskTemplate, TaskTemplateItem
from core.admin import ServiceAdmin, ServiceInline
from core.exceptions import Conflict

ITEM_FIELDS = [
    "short_description", "description", "order", "assignment_group", "priority", "visible_to_customer", "conditions",
]


def _published(obj) -> bool:
    return obj is not None and obj.pk is not None and not obj.is_draft


class TaskTemplateItemInline(ServiceInline):
    model = TaskTemplateItem
    fields = ITEM_FIELDS
    create_service = services.task_template_item_create
    update_service = services.task_template_item_update
    delete_service = services.task_template_item_delete

    def has_add_permission(self, request, obj=None):
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _published(obj) and super().has_delete_permission(request, obj)


def _run(model_admin, request, queryset, service, verb: str) -> None:
    done = 0
    for template in queryset:
        try:
            service(actor=request.user, template=template)
            done += 1
        except (ValidationError, PermissionDenied, Conflict) as exc:
            reason = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            model_admin.message_user(request, f"{template}: {reason}", messages.ERROR)
    if done:
        model_admin.message_user(request, f"{verb} {done} template(s).", messages.SUCCESS)


@admin.register(TaskTemplate)
class TaskTemplateAdmin(ServiceAdmin):
    create_service = services.task_template_create
    update_service = services.task_template_update
    inlines = [TaskTemplateItemInline]
    list_display = ["name", "number", "state", "active", "updated_at"]
    list_filter = ["state", "active"]
    list_select_related = []
    search_fields = ["name", "number", "short_description"]
    fields = ["number", "name", "short_description", "active", "state", "published_at", "published_by"]
    actions = ["publish_selected", "clone_selected"]

    def get_readonly_fields(self, request, obj=None):
        readonly = ["number", "state", "published_at", "published_by"]
        return readonly + (["name", "short_description"] if _published(obj) else [])

    @admin.action(description="Publish selected templates (read-only afterwards)")
    def publish_selected(self, request, queryset):
        _run(self, request, queryset, services.task_template_publish, "Published")

    @admin.action(description="Clone selected templates (as new drafts)")
    def clone_selected(self, request, queryset):
        _run(self, request, queryset, services.task_template_clone, "Cloned")


@admin.register(TaskTemplateItem)
class TaskTemplateItemAdmin(ServiceAdmin):
    create_service = services.task_template_item_create
    update_service = services.task_template_item_update
    list_display = ["short_description", "template", "order", "assignment_group", "visible_to_customer"]
    list_filter = ["template__state", "visible_to_customer"]
    list_select_related = ["template", "assignment_group"]
    search_fields = ["short_description", "template__name"]
    fields = ["template", *ITEM_FIELDS]
    autocomplete_fields = ["template"]

    def get_readonly_fields(self, request, obj=None):
        if _published(obj.template if obj else None):
            return ["template", *ITEM_FIELDS]
        return ["template"] if obj else []
