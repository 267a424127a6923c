"""SLAs in the API (internal only): `/slas/` and `/cases/{id}/slas/` list task SLAs with their
clock explained (counted and paused intervals with why each began and ended, elapsed, business
elapsed, time left, percentage); `/sla-definitions/` reads the definitions (admins edit them in
the admin console). The customer side gets 404 on every SLA object, even on its own cases."""
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from cases import permissions_slas, selectors, selectors_slas
from cases.models import SlaDefinition, TaskSla
from cases.services.slas import sla_calendars
from cases.sla_conditions import condition_describe
from core.api.pagination import CappedCountPagination
from core.api.views import ScopedReadOnlyViewSet


def _seconds(value) -> float | None:
    return None if value is None else value.total_seconds()


class SlaIntervalSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="counted or paused")
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True, help_text="Empty while it lasts.")
    begin_reason = serializers.CharField()
    end_reason = serializers.CharField()
    duration_seconds = serializers.FloatField(help_text="Wall time (to now while it lasts).")
    business_duration_seconds = serializers.FloatField(help_text="Of which inside the schedule's business hours.")

    def to_representation(self, interval):
        return {
            "kind": interval.kind, "started_at": serializers.DateTimeField().to_representation(interval.started_at),
            "ended_at": interval.ended_at and serializers.DateTimeField().to_representation(interval.ended_at),
            "begin_reason": interval.begin_reason, "end_reason": interval.end_reason,
            "duration_seconds": _seconds(interval.duration),
            "business_duration_seconds": _seconds(interval.business_duration),
        }


class SlaClockSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="The instant the figures are computed for.")
    elapsed_seconds = serializers.FloatField(help_text="Wall time since the start (to the stop once stopped).")
    actual_elapsed_seconds = serializers.FloatField(help_text="Elapsed without the paused stretches.")
    business_elapsed_seconds = serializers.FloatField(help_text="Counted business time.")
    business_time_left_seconds = serializers.FloatField(help_text="Duration minus business elapsed; negative once breached.")
    actual_time_left_seconds = serializers.FloatField(allow_null=True, help_text="Wall time to the breach time, while in progress.")
    business_percentage = serializers.FloatField()
    intervals = SlaIntervalSerializer(many=True)

    def to_representation(self, clock):
        return {
            "at": serializers.DateTimeField().to_representation(clock.at),
            "elapsed_seconds": _seconds(clock.elapsed),
            "actual_elapsed_seconds": _seconds(clock.actual_elapsed),
            "business_elapsed_seconds": _seconds(clock.business_elapsed),
            "business_time_left_seconds": _seconds(clock.business_time_left),
            "actual_time_left_seconds": _seconds(clock.actual_time_left),
            "business_percentage": clock.business_percentage,
            "intervals": SlaIntervalSerializer(clock.intervals, many=True).data,
        }


class TaskSlaListSerializer(serializers.ListSerializer):
    """Loads the business calendars of a whole page at once (a constant number of queries)."""

    def to_representation(self, data):
        items = list(data.all() if hasattr(data, "all") else data)
        self.context.setdefault("calendars", sla_calendars()).load({t.schedule_id for t in items})
        return super().to_representation(items)


class TaskSlaSerializer(serializers.ModelSerializer):
    definition_name = serializers.CharField(source="definition.name", read_only=True)
    target = serializers.CharField(read_only=True, help_text="response or resolution")
    stage = serializers.CharField(read_only=True, help_text="in_progress, paused, completed or cancelled")
    duration_seconds = serializers.SerializerMethodField()
    pause_duration_seconds = serializers.SerializerMethodField()
    business_pause_duration_seconds = serializers.SerializerMethodField()
    clock = serializers.SerializerMethodField()

    class Meta:
        model = TaskSla
        list_serializer_class = TaskSlaListSerializer
        fields = [
            "id", "case", "definition", "definition_name", "target", "stage", "has_breached", "schedule",
            "start_time", "stop_time", "breach_time", "original_breach_time", "duration_seconds",
            "pause_duration_seconds", "business_pause_duration_seconds", "notified_pct", "next_check_at", "clock",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, task) -> float:
        return task.duration.total_seconds()

    def get_pause_duration_seconds(self, task) -> float:
        return task.pause_duration.total_seconds()

    def get_business_pause_duration_seconds(self, task) -> float:
        return task.business_pause_duration.total_seconds()

    @extend_schema_field(SlaClockSerializer)
    def get_clock(self, task) -> dict:
        calendars = self.context.setdefault("calendars", sla_calendars())
        now = self.context.setdefault("now", timezone.now())
        return SlaClockSerializer(selectors_slas.sla_clock(task, calendars.get(task.schedule_id), now)).data


class SlaDefinitionSerializer(serializers.ModelSerializer):
    target = serializers.CharField(read_only=True, help_text="response or resolution")
    duration_seconds = serializers.SerializerMethodField()
    conditions_in_words = serializers.SerializerMethodField()

    class Meta:
        model = SlaDefinition
        fields = [
            "id", "name", "description", "active", "target", "duration_seconds", "schedule", "schedule_source",
            "start_condition", "pause_condition", "resume_condition", "stop_condition", "cancel_condition",
            "reset_condition", "when_to_resume", "when_to_cancel", "retroactive_start", "contract", "account",
            "product", "conditions_in_words", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_duration_seconds(self, definition) -> float:
        return definition.duration.total_seconds()

    def get_conditions_in_words(self, definition) -> dict[str, str]:
        names = ("start", "pause", "resume", "stop", "cancel", "reset")
        return {name: condition_describe(getattr(definition, f"{name}_condition")) for name in names}


class TaskSlaViewSet(ScopedReadOnlyViewSet):
    """Task SLAs with their clocks (agents, managers, admins)."""

    selector = selectors_slas.task_sla_list_for_user
    serializer_class = TaskSlaSerializer
    pagination_class = CappedCountPagination
    filterset_fields = ["case", "definition", "stage", "target", "has_breached", "schedule"]
    ordering_fields = ["id", "start_time", "breach_time"]
    ordering = ["-id"]


class SlaDefinitionViewSet(ScopedReadOnlyViewSet):
    """SLA definitions (read; admins define them in the admin console)."""

    selector = selectors_slas.sla_definition_list_for_user
    serializer_class = SlaDefinitionSerializer
    filterset_fields = ["active", "target", "schedule"]
    search_fields = ["name"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]


class CaseSlasView(generics.ListAPIView):
    """GET the SLAs of one case, oldest first, with their clocks (internal only: 404 otherwise)."""

    serializer_class = TaskSlaSerializer
    ordering = ["start_time", "id"]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TaskSla.objects.none()
        user, pk = self.request.user, self.kwargs["pk"]
        lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
        case = get_object_or_404(selectors.case_list_for_user(user=user), **lookup)
        if not permissions_slas.can_view_task_slas(user):
            raise Http404
        return selectors_slas.task_slas_for_case(user=user, case=case).order_by("start_time", "id")
