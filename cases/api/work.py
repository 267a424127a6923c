"""Case tasks (`/case-tasks/`) and case lines (`/case-lines/`), and their lists under a case
(`/cases/{id}/tasks/`, `/cases/{id}/lines/`). Reads through the scoped selectors, writes through
`cases.services.work`; state changes are POST commands named as the transitions."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from cases import permissions_work, selectors, selectors_work, services
from cases.models import CaseLine, CaseTask
from cases.models.work import LineResolutionCode
from catalog import selectors as catalog_selectors
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.permissions import CanCreate
from core.api.serializers import StrictModelSerializer, StrictSerializer
from core.api.views import ScopedServiceViewSet
from users import selectors as user_selectors
from users.api.fields import UserIdField
from users.permissions import is_internal


def _scoped(selector, **kwargs):
    return ScopedPrimaryKeyRelatedField(selector=selector, required=False, allow_null=True, **kwargs)


def _internal(context) -> bool:
    """Is the caller internal? Asked once per request, not once per row."""
    request = context["request"]
    if not hasattr(request, "_caller_internal"):
        request._caller_internal = is_internal(request.user)
    return request._caller_internal


# --- serializers ---------------------------------------------------------------------------------
TASK_READ_ONLY = [
    "id", "number", "state", "account", "contact", "consumer", "opened_at", "opened_by", "closed_at", "closed_by",
    "created_at", "updated_at",
]
TASK_INTERNAL = permissions_work.TASK_FIELDS_HIDDEN_FROM_CUSTOMERS


class CaseTaskSerializer(StrictModelSerializer):
    case = ScopedPrimaryKeyRelatedField(selector=selectors.case_list_for_user)
    service_definition = _scoped(catalog_selectors.service_definition_list_for_user)
    assignment_group = _scoped(user_selectors.assignment_group_list_for_user)
    assigned_to = UserIdField(required=False, allow_null=True)
    state = serializers.CharField(read_only=True, help_text="open, closed, cancelled")
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = CaseTask
        fields = [
            *TASK_READ_ONLY[:3], "case", "short_description", "description", "service_definition", "priority",
            "assignment_group", "assigned_to", "visible_to_customer", "close_notes", *TASK_READ_ONLY[3:],
            "allowed_actions",
        ]
        read_only_fields = TASK_READ_ONLY
        optional_fields = TASK_INTERNAL  # the customer side's answer leaves them out (core.api.schema)

    def get_allowed_actions(self, task) -> list[str]:
        return services.case_task_allowed_actions(task, self.context["request"].user, in_scope=True)

    def to_representation(self, task):
        data = super().to_representation(task)
        if not _internal(self.context):
            for name in TASK_INTERNAL:
                data.pop(name, None)
        return data


class CaseTaskNestedSerializer(CaseTaskSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)


class CaseTaskCloseInputSerializer(StrictSerializer):
    close_notes = serializers.CharField(required=False, allow_blank=True)


class CaseTaskCommentInputSerializer(StrictSerializer):
    body = serializers.CharField()


class CaseTaskCancelInputSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True)


LINE_INTERNAL = permissions_work.LINE_FIELDS_HIDDEN_FROM_CUSTOMERS
LINE_READ_ONLY = [
    "id", "number", "state", "account", "contact", "resolution_code", "resolution_notes", "opened_at",
    "opened_by", "resolved_at", "resolved_by", "created_at", "updated_at",
]


class CaseLineSerializer(StrictModelSerializer):
    case = ScopedPrimaryKeyRelatedField(selector=selectors.case_list_for_user)
    parent_line = _scoped(selectors_work.case_line_list_for_user)
    product = _scoped(catalog_selectors.product_list_for_user)
    sold_product = _scoped(catalog_selectors.sold_product_list_for_user)
    install_base_item = _scoped(catalog_selectors.install_base_item_list_for_user)
    asset = _scoped(catalog_selectors.asset_list_for_user)
    assigned_to = UserIdField(required=False, allow_null=True)
    # Plain types, not enums: the OpenAPI enum names "state"/"priority"/"resolution_code" are the
    # case's; the model's choices still validate in the service (400 naming the field).
    state = serializers.CharField(read_only=True, help_text="draft, new, work_in_progress, awaiting_info, "
                                  "resolved_accepted, resolved_denied, cancelled")
    priority = serializers.IntegerField(required=False, min_value=1, max_value=5, help_text="1 Critical .. 5 Planning")
    resolution_code = serializers.CharField(read_only=True, help_text="change_approved, added_replacement_product")
    draft = serializers.BooleanField(write_only=True, required=False, help_text="Create: start in draft.")
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = CaseLine
        fields = [
            *LINE_READ_ONLY[:3], "case", "parent_line", "short_description", "priority", "product", "sold_product",
            "install_base_item", "asset", "request_reason", "assigned_to", *LINE_READ_ONLY[3:], "draft",
            "allowed_actions",
        ]
        read_only_fields = LINE_READ_ONLY
        optional_fields = LINE_INTERNAL  # the customer side's answer leaves them out (core.api.schema)

    def get_allowed_actions(self, line) -> list[str]:
        return services.case_line_allowed_actions(line, self.context["request"].user)

    def to_representation(self, line):
        data = super().to_representation(line)
        if not _internal(self.context):
            for name in permissions_work.LINE_FIELDS_HIDDEN_FROM_CUSTOMERS:
                data.pop(name, None)
        return data


class CaseLineNestedSerializer(CaseLineSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)


class CaseLineResolveInputSerializer(StrictSerializer):
    resolution_code = serializers.CharField(
        required=False, allow_blank=True, help_text=f"accept: one of {', '.join(LineResolutionCode.values)}"
    )
    resolution_notes = serializers.CharField(required=False, allow_blank=True)


class CaseLineCancelInputSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True)


# --- viewsets ------------------------------------------------------------------------------------
def _no_draft_on_update(validated: dict) -> dict:
    if validated.pop("draft", None) is not None:
        raise serializers.ValidationError({"draft": "Only a new line starts in draft."})
    return validated


class CaseTaskViewSet(ScopedServiceViewSet):
    """Case tasks: agents create and work them, the back office works those routed to it, the
    customer side reads those visible to it, replies on them and closes them (reference 5.4).
    Commands: POST /case-tasks/{id}/close/, /cancel/, /comment/."""

    selector = selectors_work.case_task_list_for_user
    create_service = services.case_task_create
    update_service = services.case_task_update
    serializer_class = CaseTaskSerializer
    permission_classes = [IsAuthenticated, CanCreate]
    number_field = "number"
    filterset_fields = ["state", "case", "account", "priority", "assignment_group", "assigned_to", "visible_to_customer"]
    search_fields = ["number", "short_description"]
    ordering_fields = ["updated_at", "opened_at", "priority", "number"]
    ordering = ["-updated_at"]

    def hidden_fields(self):
        return permissions_work.case_task_fields_hidden_from(self.request.user)

    def _answer(self, task):
        task = self.get_queryset().get(pk=task.pk)
        return Response(self.get_serializer(task).data)

    @extend_schema(request=CaseTaskCloseInputSerializer, responses=CaseTaskSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        task = self.get_object()
        data = CaseTaskCloseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.case_task_close(actor=request.user, task=task, **data.validated_data))

    @extend_schema(request=CaseTaskCommentInputSerializer, responses=CaseTaskSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None):
        task = self.get_object()
        data = CaseTaskCommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.case_task_comment(actor=request.user, task=task, **data.validated_data))

    @extend_schema(request=CaseTaskCancelInputSerializer, responses=CaseTaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        task = self.get_object()
        data = CaseTaskCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.case_task_cancel(actor=request.user, task=task, **data.validated_data))


class CaseLineViewSet(ScopedServiceViewSet):
    """Case lines: agents create and work them; the customer side reads the lines of its cases.
    Commands: POST /case-lines/{id}/<submit|start|request-info|info-received|accept|deny|cancel>/."""

    selector = selectors_work.case_line_list_for_user
    create_service = services.case_line_create
    update_service = services.case_line_update
    serializer_class = CaseLineSerializer
    permission_classes = [IsAuthenticated, CanCreate]
    number_field = "number"
    filterset_fields = ["state", "case", "parent_line", "account", "priority", "assigned_to", "product"]
    search_fields = ["number", "short_description"]
    ordering_fields = ["updated_at", "opened_at", "priority", "number"]
    ordering = ["number"]

    def hidden_fields(self):
        return permissions_work.case_line_fields_hidden_from(self.request.user)

    def perform_update(self, serializer):
        _no_draft_on_update(serializer.validated_data)
        super().perform_update(serializer)

    def _answer(self, line):
        line = self.get_queryset().get(pk=line.pk)
        return Response(self.get_serializer(line).data)

    def _simple(self, request, service):
        return self._answer(service(actor=request.user, line=self.get_object()))

    @extend_schema(request=None, responses=CaseLineSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._simple(request, services.case_line_submit)

    @extend_schema(request=None, responses=CaseLineSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        return self._simple(request, services.case_line_start)

    @extend_schema(request=None, responses=CaseLineSerializer)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        return self._simple(request, services.case_line_request_info)

    @extend_schema(request=None, responses=CaseLineSerializer)
    @action(detail=True, methods=["post"], url_path="info-received")
    def info_received(self, request, pk=None):
        return self._simple(request, services.case_line_info_received)

    @extend_schema(request=CaseLineResolveInputSerializer, responses=CaseLineSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        line = self.get_object()
        data = CaseLineResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.case_line_accept(actor=request.user, line=line, **data.validated_data))

    @extend_schema(request=CaseLineResolveInputSerializer, responses=CaseLineSerializer)
    @action(detail=True, methods=["post"])
    def deny(self, request, pk=None):
        line = self.get_object()
        data = CaseLineResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notes = data.validated_data.get("resolution_notes", "")
        return self._answer(services.case_line_deny(actor=request.user, line=line, resolution_notes=notes))

    @extend_schema(request=CaseLineCancelInputSerializer, responses=CaseLineSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        line = self.get_object()
        data = CaseLineCancelInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.case_line_cancel(actor=request.user, line=line, **data.validated_data))


# --- under a case --------------------------------------------------------------------------------
class _CaseChildrenView(generics.GenericAPIView):
    """GET the case's children the caller may see; POST creates one on that case."""

    selector = None
    create_service = None
    create_permission = ""

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def _case(self):
        pk = self.kwargs["pk"]
        lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
        return get_object_or_404(selectors.case_list_for_user(user=self.request.user), **lookup)

    def get(self, request, pk: str):
        case = self._case()
        rows = self.filter_queryset(self.get_queryset().filter(case=case))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def post(self, request, pk: str):
        case = self._case()
        if not request.user.has_perm(self.create_permission):
            self.permission_denied(request, message="You cannot create these records.")
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = type(self).create_service(actor=request.user, case=case, **data.validated_data)
        created = self.get_queryset().get(pk=created.pk)
        return Response(self.get_serializer(created).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(responses=CaseTaskNestedSerializer(many=True)),
    post=extend_schema(responses={201: CaseTaskNestedSerializer}),
)
class CaseTasksView(_CaseChildrenView):
    selector = selectors_work.case_task_list_for_user
    create_service = services.case_task_create
    create_permission = "cases.add_casetask"
    serializer_class = CaseTaskNestedSerializer
    ordering = ["-updated_at"]

    def hidden_fields(self):
        return permissions_work.case_task_fields_hidden_from(self.request.user)


@extend_schema_view(
    get=extend_schema(responses=CaseLineNestedSerializer(many=True)),
    post=extend_schema(responses={201: CaseLineNestedSerializer}),
)
class CaseLinesView(_CaseChildrenView):
    selector = selectors_work.case_line_list_for_user
    create_service = services.case_line_create
    create_permission = "cases.add_caseline"
    serializer_class = CaseLineNestedSerializer
    ordering = ["number"]

    def hidden_fields(self):
        return permissions_work.case_line_fields_hidden_from(self.request.user)
