"""Escalations (`/escalations/`), and under a case: `escalate`, `clear-attention`, `time` and
`blocked-by`. Reads go through the scoped selectors, writes through the services in
`cases.services.escalations`, `.attention` and `.entitlements`."""
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import permissions_escalations, selectors, selectors_escalations
from cases.api import serializers as case_serializers
from cases.models import CaseBlocker, CaseTimeEntry, Escalation
from cases.models.escalations import EscalationReason, EscalationSeverity, EscalationTrend
from cases.services import attention, entitlements
from cases.services import escalations as services
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.permissions import CanCreate
from core.api.serializers import StrictModelSerializer, StrictSerializer
from core.api.views import ScopedViewSetMixin
from customers import selectors as customer_selectors
from users import selectors as user_selectors
from users.api.fields import UserIdField
from users.permissions import is_internal


def _internal(context) -> bool:
    """Is the caller internal? Asked once per request, not once per row."""
    request = context["request"]
    if not hasattr(request, "_caller_internal"):
        request._caller_internal = is_internal(request.user)
    return request._caller_internal


def _scoped(selector, **kwargs):
    return ScopedPrimaryKeyRelatedField(selector=selector, required=False, allow_null=True, **kwargs)


def _users(**kwargs):
    return UserIdField(**kwargs)


# --- serializers ---------------------------------------------------------------------------------
CUSTOMER_FIELDS = permissions_escalations.ESCALATION_FIELDS_FOR_CUSTOMERS


class EscalationSerializer(serializers.ModelSerializer):
    """An escalation as agents see it; the customer side gets only its number, case and state."""

    # Plain strings, not enums: "state" and "source" are names the case and others use too.
    state = serializers.CharField(read_only=True, help_text="requested, escalated, declined, closed")
    source = serializers.CharField(read_only=True, help_text="case or account")
    request_source = serializers.CharField(read_only=True, help_text="customer or internal")
    watch_list = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    approvers = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Escalation
        fields = [
            "id", "number", "source", "case", "account", "state", "request_source", "reason", "severity", "trend",
            "justification", "template", "watch_list", "approvers", "assignment_group", "assigned_to",
            "requested_by", "requested_at", "approved_by", "approved_at", "declined_by", "declined_at",
            "decline_reason", "closed_by", "closed_at", "close_reason", "created_at", "updated_at", "allowed_actions",
        ]
        read_only_fields = fields
        # the customer side's answer has CUSTOMER_FIELDS only (core.api.schema)
        optional_fields = set(fields) - CUSTOMER_FIELDS

    def get_allowed_actions(self, escalation) -> list[str]:
        if not _internal(self.context):
            return []
        return services.escalation_allowed_actions(escalation, self.context["request"].user)

    def get_fields(self):
        fields = super().get_fields()
        if getattr(self.context.get("view"), "swagger_fake_view", False):  # the schema documents them all
            return fields
        if "request" in self.context and not _internal(self.context):  # rendered for the customer side
            fields = {name: field for name, field in fields.items() if name in CUSTOMER_FIELDS}
        return fields


class EscalationCreateSerializer(StrictSerializer):
    case = _scoped(selectors.case_list_for_user, help_text="Escalate this case, or…")
    account = _scoped(customer_selectors.account_list_for_user, help_text="…this account.")
    reason = serializers.ChoiceField(choices=EscalationReason.choices)
    severity = serializers.ChoiceField(choices=EscalationSeverity.choices, required=False)
    justification = serializers.CharField(required=False, allow_blank=True)
    template = _scoped(selectors_escalations.escalation_template_list_for_user)
    watch_list = _users(many=True, required=False)
    assignment_group = _scoped(user_selectors.assignment_group_list_for_user, help_text="Account escalations.")
    assigned_to = _users(required=False, allow_null=True, help_text="Account escalations.")


class EscalationUpdateSerializer(StrictSerializer):
    severity = serializers.ChoiceField(choices=EscalationSeverity.choices, required=False)
    justification = serializers.CharField(required=False, allow_blank=True)
    watch_list = _users(many=True, required=False)
    assignment_group = _scoped(user_selectors.assignment_group_list_for_user, help_text="Account escalations.")
    assigned_to = _users(required=False, allow_null=True, help_text="Account escalations.")

    # The escalation's other fields answer "cannot be changed here"; `state` lists its actions.
    read_only_names = frozenset(EscalationSerializer.Meta.fields)

    def get_allowed_actions(self, escalation) -> list[str]:
        return services.escalation_allowed_actions(escalation, self.context["request"].user)


class EscalationCommentInputSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True)


class EscalationReasonInputSerializer(StrictSerializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class EscalationTrendInputSerializer(StrictSerializer):
    trend = serializers.ChoiceField(choices=EscalationTrend.choices)
    comment = serializers.CharField(required=False, allow_blank=True)


class CaseEscalateInputSerializer(StrictSerializer):
    reason = serializers.ChoiceField(choices=EscalationReason.choices)
    severity = serializers.ChoiceField(choices=EscalationSeverity.choices, required=False)
    justification = serializers.CharField(required=False, allow_blank=True)
    template = _scoped(selectors_escalations.escalation_template_list_for_user, help_text="Agents only.")


class CaseTimeEntrySerializer(StrictModelSerializer):
    agent = serializers.SlugRelatedField(slug_field="username", read_only=True)
    charged = serializers.SerializerMethodField(help_text="Hours taken from the entitlement (null: none).")
    overage = serializers.SerializerMethodField(help_text="Hours the entitlement could not cover.")

    class Meta:
        model = CaseTimeEntry
        fields = ["id", "case", "agent", "minutes", "note", "worked_on", "entitlement", "charged", "overage", "created_at"]
        read_only_fields = ["id", "case", "agent", "entitlement", "charged", "overage", "created_at"]
        extra_kwargs = {"worked_on": {"required": False}}

    def _usage(self, entry):
        try:
            return entry.usage
        except CaseTimeEntry.usage.RelatedObjectDoesNotExist:
            return None

    def get_charged(self, entry) -> str | None:
        usage = self._usage(entry)
        return None if usage is None else str(usage.charged)

    def get_overage(self, entry) -> str | None:
        usage = self._usage(entry)
        return None if usage is None else str(usage.overage)


class CaseBlockerSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(read_only=True, help_text="customer_info, task, problem_workaround, other")
    reason_label = serializers.CharField(source="get_reason_display", read_only=True)
    task_number = serializers.CharField(source="task.number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = CaseBlocker
        fields = ["id", "reason", "reason_label", "task", "task_number", "created_at", "resolved_at"]
        read_only_fields = fields


# --- /escalations/ -------------------------------------------------------------------------------
class EscalationViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Case and account escalations. Agents list, create (a case or an account), edit and work
    them; the customer side lists the escalations of its cases (number and state only).
    Commands: POST /escalations/{id}/approve/, /decline/, /de-escalate/, /update-trend/."""

    selector = selectors_escalations.escalation_list_for_user
    serializer_class = EscalationSerializer
    permission_classes = [IsAuthenticated, CanCreate]
    number_field = "number"
    filterset_fields = ["state", "source", "severity", "reason", "trend", "case", "account", "request_source"]
    search_fields = ["number"]
    ordering_fields = ["requested_at", "updated_at", "severity", "number"]
    ordering = ["-requested_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.prefetch_related("watch_list", "approvers") if _internal({"request": self.request}) else qs

    def hidden_fields(self):
        return permissions_escalations.escalation_fields_hidden_from(
            self.request.user, EscalationSerializer.Meta.fields
        )

    def _answer(self, escalation, code=status.HTTP_200_OK):
        escalation = self.get_queryset().get(pk=escalation.pk)
        return Response(self.get_serializer(escalation).data, status=code)

    @extend_schema(request=EscalationCreateSerializer, responses={201: EscalationSerializer})
    def create(self, request):
        data = EscalationCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        escalation = services.escalation_request(actor=request.user, **data.validated_data)
        return self._answer(escalation, status.HTTP_201_CREATED)

    @extend_schema(request=EscalationUpdateSerializer, responses=EscalationSerializer)
    def partial_update(self, request, pk=None):
        escalation = self.get_object()
        data = EscalationUpdateSerializer(
            escalation, data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        return self._answer(services.escalation_update(actor=request.user, instance=escalation, **data.validated_data))

    @extend_schema(request=EscalationCommentInputSerializer, responses=EscalationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        escalation = self.get_object()
        data = EscalationCommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.escalation_approve(actor=request.user, escalation=escalation, **data.validated_data))

    @extend_schema(request=EscalationReasonInputSerializer, responses=EscalationSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        escalation = self.get_object()
        data = EscalationReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(services.escalation_decline(actor=request.user, escalation=escalation, **data.validated_data))

    @extend_schema(request=EscalationReasonInputSerializer, responses=EscalationSerializer)
    @action(detail=True, methods=["post"], url_path="de-escalate")
    def de_escalate(self, request, pk=None):
        escalation = self.get_object()
        data = EscalationReasonInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.escalation_deescalate(actor=request.user, escalation=escalation, **data.validated_data)
        )

    @extend_schema(request=EscalationTrendInputSerializer, responses=EscalationSerializer)
    @action(detail=True, methods=["post"], url_path="update-trend")
    def update_trend(self, request, pk=None):
        escalation = self.get_object()
        data = EscalationTrendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(
            services.escalation_update_trend(actor=request.user, escalation=escalation, **data.validated_data)
        )


# --- under a case --------------------------------------------------------------------------------
def _case_for(request, pk: str):
    lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
    return get_object_or_404(selectors.case_list_for_user(user=request.user), **lookup)


def _case_answer(request, case):
    context = {"request": request, "internal": is_internal(request.user)}
    case = selectors.case_list_for_user(user=request.user).get(pk=case.pk)
    return Response(case_serializers.CaseDetailSerializer(case, context=context).data)


class CaseEscalateView(APIView):
    """POST /cases/{id}/escalate/: agents and the customer side of the case request an escalation
    (one open per case: 409 otherwise). Answered with the updated case, whose `escalation` shows
    it (state and severity for agents, state for the customer side)."""

    @extend_schema(request=CaseEscalateInputSerializer, responses=case_serializers.CaseDetailSerializer,
                   operation_id="cases_escalate")
    def post(self, request, pk: str):
        case = _case_for(request, pk)
        data = CaseEscalateInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        services.escalation_request(actor=request.user, case=case, **data.validated_data)
        return _case_answer(request, case)


class CaseClearAttentionView(APIView):
    """POST /cases/{id}/clear-attention/: the assignee, a manager or an admin clears the flag."""

    @extend_schema(request=None, responses=case_serializers.CaseDetailSerializer, operation_id="cases_clear_attention")
    def post(self, request, pk: str):
        case = _case_for(request, pk)
        return _case_answer(request, attention.case_attention_clear(actor=request.user, case=case))


class CaseTimeView(generics.GenericAPIView):
    """GET the time worked on the case; POST logs time (agents). Internal: the customer side of
    the case gets 403."""

    serializer_class = CaseTimeEntrySerializer
    ordering = ["-created_at"]

    def get_queryset(self):
        return CaseTimeEntry.objects.none()

    def _case(self):
        case = _case_for(self.request, self.kwargs["pk"])
        if not is_internal(self.request.user):
            raise PermissionDenied("Time worked is internal.")
        return case

    @extend_schema(operation_id="cases_time_list", responses=CaseTimeEntrySerializer(many=True))
    def get(self, request, pk: str):
        case = self._case()
        rows = selectors_escalations.case_time_entries_for_user(user=request.user, case=case).select_related("usage")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(operation_id="cases_time_create", responses={201: CaseTimeEntrySerializer})
    def post(self, request, pk: str):
        case = self._case()
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = entitlements.case_time_entry_add(actor=request.user, case=case, **data.validated_data)
        entry = CaseTimeEntry.objects.select_related("agent", "usage").get(pk=entry.pk)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)


class CaseBlockedByView(generics.GenericAPIView):
    """GET the case's "blocked by" entries (reference 2.3), open first. Internal only."""

    serializer_class = CaseBlockerSerializer

    def get_queryset(self):
        return CaseBlocker.objects.none()

    @extend_schema(responses=CaseBlockerSerializer(many=True))
    def get(self, request, pk: str):
        case = _case_for(request, pk)
        if not is_internal(request.user):
            raise PermissionDenied("The action status is internal.")
        rows = selectors_escalations.case_blocked_by_for_user(user=request.user, case=case)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

