"""Task templates over the API (reference 5.5).

    /task-templates/            GET list, POST (admins)       /task-templates/{id}/  GET, PATCH (drafts)
    /task-templates/{id}/publish/  /clone/  /apply/ {"case": id}   (commands)
    /task-template-items/       GET, POST, PATCH, DELETE (items of drafts)

Templates are internal reference data: agents read and apply them, admins define them."""
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cases import permissions, selectors, services
from cases.models import TaskTemplate, TaskTemplateApplication, TaskTemplateItem
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.permissions import CanCreate
from core.api.serializers import StrictModelSerializer, StrictSerializer
from core.api.views import ScopedServiceViewSet
from users import selectors as user_selectors


class TaskTemplateItemSerializer(StrictModelSerializer):
    template = ScopedPrimaryKeyRelatedField(selector=selectors.task_template_list_for_user)
    assignment_group = ScopedPrimaryKeyRelatedField(
        selector=user_selectors.assignment_group_list_for_user, required=False, allow_null=True
    )
    conditions = serializers.JSONField(required=False, help_text=TaskTemplateItem._meta.get_field("conditions").help_text)

    class Meta:
        model = TaskTemplateItem
        fields = [
            "id", "template", "short_description", "description", "order", "assignment_group", "priority",
            "visible_to_customer", "conditions", "created_at", "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class TaskTemplateItemUpdateSerializer(TaskTemplateItemSerializer):
    class Meta(TaskTemplateItemSerializer.Meta):
        read_only_fields = ["id", "template", "created_at", "updated_at"]


class NestedItemSerializer(TaskTemplateItemSerializer):
    class Meta(TaskTemplateItemSerializer.Meta):
        fields = [f for f in TaskTemplateItemSerializer.Meta.fields if f != "template"]
        read_only_fields = fields


class TaskTemplateSerializer(StrictModelSerializer):
    items = NestedItemSerializer(many=True, read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = TaskTemplate
        fields = [
            "id", "number", "name", "short_description", "active", "state", "published_at", "published_by", "items",
            "created_at", "updated_at",
        ]
        read_only_fields = ["id", "number", "state", "published_at", "published_by", "items", "created_at", "updated_at"]


class TaskTemplateCloneInputSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class TaskTemplateApplyInputSerializer(StrictSerializer):
    case = ScopedPrimaryKeyRelatedField(selector=selectors.case_list_for_user)


class TaskTemplateApplicationSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = TaskTemplateApplication
        fields = ["id", "template", "case", "actor", "applied_at", "created", "skipped"]
        read_only_fields = fields


class TaskTemplateViewSet(ScopedServiceViewSet):
    selector = selectors.task_template_list_for_user
    create_service = services.task_template_create
    update_service = services.task_template_update
    serializer_class = TaskTemplateSerializer
    permission_classes = [IsAuthenticated, CanCreate]
    number_field = "number"
    filterset_fields = ["state", "active"]
    search_fields = ["name", "number", "short_description"]
    ordering_fields = ["name", "number", "updated_at"]
    ordering = ["name"]

    def _answer(self, template, code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=template.pk)).data, status=code)

    @extend_schema(request=None, responses=TaskTemplateSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._answer(services.task_template_publish(actor=request.user, template=self.get_object()))

    @extend_schema(request=TaskTemplateCloneInputSerializer, responses={201: TaskTemplateSerializer})
    @action(detail=True, methods=["post"])
    def clone(self, request, pk=None):
        template = self.get_object()
        data = TaskTemplateCloneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.task_template_clone(actor=request.user, template=template, **data.validated_data)
        return self._answer(copy, status.HTTP_201_CREATED)

    @extend_schema(request=TaskTemplateApplyInputSerializer, responses={201: TaskTemplateApplicationSerializer})
    @action(detail=True, methods=["post"])
    def apply(self, request, pk=None):
        template = self.get_object()
        permissions.require_can_work_case(request.user)
        data = TaskTemplateApplyInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        application = services.task_template_apply(actor=request.user, template=template, case=data.validated_data["case"])
        return Response(TaskTemplateApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class TaskTemplateItemViewSet(ScopedServiceViewSet):
    selector = selectors.task_template_item_list_for_user
    create_service = services.task_template_item_create
    update_service = services.task_template_item_update
    serializer_class = TaskTemplateItemSerializer
    permission_classes = [IsAuthenticated, CanCreate]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["template"]
    ordering_fields = ["order", "id"]
    ordering = ["template", "order", "id"]

    def get_serializer_class(self):
        return TaskTemplateItemUpdateSerializer if self.action == "partial_update" else TaskTemplateItemSerializer

    def destroy(self, request, pk=None):
        services.task_template_item_delete(actor=request.user, instance=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
