"""Routing in the API (reference 3.2):

    GET  /offers/                      the caller's open offers (?state=<state>|any, ?agent=<id>|me|any)
    GET  /offers/{id}/                 POST /offers/{id}/accept/   POST /offers/{id}/reject/ {"reason"}
    /assignment-rules/                 CRUD for admins, read for managers (skills nested)
    GET  /cases/{id}/agent-ranking/    managers: who should take this case (?assignment_group=<id>)
    POST /cases/{id}/route/            agents: route the case now
    POST /routing/replay/              managers: {"start"?, "end"?, "strategy"?}

Reads go through the routing selectors (out of scope: 404), writes through the routing services
(not the caller's: 403; not from this state: 409; bad input: 400)."""
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cases import permissions_routing, selectors, selectors_routing
from cases.api.serializers import CaseDetailSerializer
from cases.models import AssignmentRule, CaseOffer, RoutingSkillRequirement
from cases.models.routing import OfferState, RoutingStrategy
from cases.services import routing as routing_services
from cases.services.routing_replay import routing_replay
from catalog import selectors as catalog_selectors
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.permissions import CanCreate
from core.api.serializers import StrictModelSerializer, StrictSerializer
from core.api.views import ScopedServiceViewSet, ScopedViewSetMixin
from customers import selectors as customer_selectors
from users import selectors as user_selectors
from users.api.fields import UserIdField
from users.models import Skill
from users.permissions import is_internal

OFFER_STATES = ", ".join(OfferState.values)


# --- offers --------------------------------------------------------------------------------------
class CaseOfferSerializer(serializers.ModelSerializer):
    """An inbox card: the offer and the case fields an agent decides on."""

    state = serializers.CharField(read_only=True, help_text=OFFER_STATES)
    case_number = serializers.CharField(source="case.number", read_only=True)
    short_description = serializers.CharField(source="case.short_description", read_only=True)
    priority = serializers.IntegerField(source="case.priority", read_only=True, help_text="1 Critical .. 4 Low")
    category = serializers.CharField(source="case.category", read_only=True)
    channel = serializers.CharField(source="case.channel", read_only=True)
    account = serializers.IntegerField(source="case.account_id", read_only=True, allow_null=True)
    contact = serializers.IntegerField(source="case.contact_id", read_only=True, allow_null=True)
    agent_username = serializers.CharField(source="agent.username", read_only=True)

    class Meta:
        model = CaseOffer
        fields = [
            "id", "state", "case", "case_number", "short_description", "priority", "category", "channel", "account",
            "contact", "agent", "agent_username", "assignment_group", "rule", "reason", "offered_at", "expires_at",
            "responded_at",
        ]
        read_only_fields = fields


class CaseOfferRejectInputSerializer(StrictSerializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why you do not take the case (required).")


class CaseOfferViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Offers of routed cases. The list is the caller's inbox: their open offers by default."""

    selector = selectors_routing.case_offer_list_for_user
    serializer_class = CaseOfferSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["case", "assignment_group"]
    ordering_fields = ["offered_at", "expires_at"]
    ordering = ["expires_at", "id"]
    query_params_known = ("state", "agent")  # read below, besides the filters

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action != "list" or getattr(self, "swagger_fake_view", False):
            return qs
        params = self.request.query_params
        state = params.get("state", OfferState.OFFERED)
        if state != "any":
            if state not in OfferState.values:
                raise serializers.ValidationError({"state": f"One of {OFFER_STATES}, or any."})
            qs = qs.filter(state=state)
        agent = params.get("agent", "me")
        if agent == "me":
            qs = qs.filter(agent=self.request.user)
        elif agent != "any":
            if not agent.isdigit():
                raise serializers.ValidationError({"agent": "A user id, me or any."})
            qs = qs.filter(agent_id=int(agent))
        return qs

    @extend_schema(
        parameters=[
            OpenApiParameter("state", str, description=f"{OFFER_STATES} or any (default offered)"),
            OpenApiParameter("agent", str, description="A user id, me or any (default me); others' offers: managers"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _answer(self, offer):
        return Response(self.get_serializer(self.get_queryset().get(pk=offer.pk)).data)

    @extend_schema(request=None, responses=CaseOfferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Take the case: it is assigned to you in the offer's group."""
        return self._answer(routing_services.case_offer_accept(actor=request.user, offer=self.get_object()))

    @extend_schema(request=CaseOfferRejectInputSerializer, responses=CaseOfferSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Decline with a reason: the next eligible agent gets the offer."""
        offer = self.get_object()
        data = CaseOfferRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._answer(routing_services.case_offer_reject(actor=request.user, offer=offer, **data.validated_data))


# --- assignment rules ----------------------------------------------------------------------------
class RoutingSkillRequirementSerializer(serializers.ModelSerializer):
    skill = serializers.PrimaryKeyRelatedField(queryset=Skill.objects.all())
    skill_name = serializers.CharField(source="skill.name", read_only=True)

    class Meta:
        model = RoutingSkillRequirement
        fields = ["skill", "skill_name", "min_level", "mandatory"]


def _scoped(selector, **kwargs):
    return ScopedPrimaryKeyRelatedField(selector=selector, required=False, allow_null=True, **kwargs)


class AssignmentRuleSerializer(StrictModelSerializer):
    case_type = _scoped(selectors.case_type_list_for_user)
    product = _scoped(catalog_selectors.product_list_for_user)
    account = _scoped(customer_selectors.account_list_for_user)
    service_definition = _scoped(catalog_selectors.service_definition_list_for_user)
    priority = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=4,
                                        help_text="1 Critical .. 4 Low; empty: any")
    assignment_group = ScopedPrimaryKeyRelatedField(selector=user_selectors.assignment_group_list_for_user)
    assigned_to = UserIdField(
        required=False, allow_null=True, help_text="Assign straight to this member of the group (no offer).",
    )
    skill_requirements = RoutingSkillRequirementSerializer(many=True, required=False,
                                                           help_text="Replaces the rule's skills when given.")
    conditions = serializers.CharField(source="conditions_text", read_only=True)

    class Meta:
        model = AssignmentRule
        fields = [
            "id", "name", "order", "active", "case_type", "product", "account", "priority", "channel",
            "service_definition", "conditions", "assignment_group", "assigned_to", "strategy", "use_skills",
            "skill_requirements", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class AssignmentRuleViewSet(mixins.DestroyModelMixin, ScopedServiceViewSet):
    """Assignment rules, in the order they run. Admins create, change and delete; managers read."""

    selector = selectors_routing.assignment_rule_list_for_user
    create_service = routing_services.assignment_rule_create
    update_service = routing_services.assignment_rule_update
    serializer_class = AssignmentRuleSerializer
    permission_classes = [IsAuthenticated, CanCreate]
    filterset_fields = ["active", "assignment_group", "channel", "strategy"]
    search_fields = ["name"]
    ordering_fields = ["order", "name"]
    ordering = ["order", "id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_destroy(self, instance):
        routing_services.assignment_rule_delete(actor=self.request.user, instance=instance)


# --- ranking, route now, replay ------------------------------------------------------------------
class RankedAgentSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    presence = serializers.CharField(help_text="available, away, offline")
    available = serializers.BooleanField()
    open_cases = serializers.IntegerField(help_text="Active cases assigned (new, open, awaiting info), all channels.")
    capacity = serializers.IntegerField(help_text="Capacity for the case's channel.")
    free_capacity = serializers.IntegerField()
    matching_skills = serializers.ListField(child=serializers.CharField())
    mandatory_skills_met = serializers.BooleanField()
    missing_skills = serializers.ListField(child=serializers.CharField())
    eligible = serializers.BooleanField(help_text="Routing would offer this agent the case now.")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="Why not, when not eligible.")


class AgentRankingSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    assignment_group = serializers.IntegerField()
    rule = serializers.IntegerField(allow_null=True, help_text="The rule whose skills and strategy apply.")
    channel = serializers.CharField()
    agents = RankedAgentSerializer(many=True)


class CaseRoutingView(GenericAPIView):
    """Fetches the case of the URL through the caller's case selector (id or number): 404 outside scope."""

    queryset = CaseOffer.objects.none()
    filter_backends = []
    pagination_class = None

    def case(self):
        pk = self.kwargs["pk"]
        lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
        return get_object_or_404(selectors.case_list_for_user(user=self.request.user), **lookup)


class CaseAgentRankingView(CaseRoutingView):
    serializer_class = AgentRankingSerializer

    @extend_schema(
        parameters=[OpenApiParameter("assignment_group", int, description="Rank this group (default: the case's)")],
        operation_id="cases_agent_ranking",
    )
    def get(self, request, pk: str):
        """Managers: the group's members ranked by availability, matching skills and open cases."""
        case = self.case()
        permissions_routing.require_can_supervise_routing(request.user)
        group_id = request.query_params.get("assignment_group") or case.assignment_group_id
        if group_id is None or not str(group_id).isdigit():
            raise serializers.ValidationError(
                {"assignment_group": "The case has no assignment group; name one (?assignment_group=<id>)."}
            )
        group = get_object_or_404(user_selectors.assignment_group_list_for_user(user=request.user).prefetch_related(None),
                                  pk=int(group_id))
        rule = selectors_routing.rule_for_case(case, group_id=group.pk)
        agents = selectors_routing.agent_ranking(case=case, group_id=group.pk, rule=rule)
        body = {
            "case": case.pk, "assignment_group": group.pk, "rule": rule.pk if rule else None, "channel": case.channel,
            "agents": [vars(a) for a in agents],
        }
        return Response(AgentRankingSerializer(body).data)


class CaseRouteResultSerializer(serializers.Serializer):
    outcome = serializers.CharField(help_text="assigned, offered, queued, no_rule, already_assigned, already_offered")
    detail = serializers.CharField()
    rule = serializers.IntegerField(allow_null=True)
    offer = CaseOfferSerializer(allow_null=True)
    case = CaseDetailSerializer()


class CaseRouteView(CaseRoutingView):
    serializer_class = CaseRouteResultSerializer

    @extend_schema(request=None, responses=CaseRouteResultSerializer, operation_id="cases_route")
    def post(self, request, pk: str):
        """Agents: route the case now (its rule, or its group's rules if it is in a group)."""
        case = self.case()
        result = routing_services.case_route(case=case, actor=request.user)
        context = {"request": request, "internal": is_internal(request.user)}
        case = selectors.case_list_for_user(user=request.user).get(pk=case.pk)  # as it is now, whole
        if result.offer is not None:
            result.offer.case = case
        body = {
            "outcome": result.outcome, "detail": result.detail, "rule": result.rule.pk if result.rule else None,
            "offer": CaseOfferSerializer(result.offer).data if result.offer else None,
            "case": CaseDetailSerializer(case, context=context).data,
        }
        return Response(body)


class RoutingReplayInputSerializer(StrictSerializer):
    start = serializers.DateTimeField(required=False, help_text="Default: 7 days before the end.")
    end = serializers.DateTimeField(required=False, help_text="Default: now.")
    strategy = serializers.ChoiceField(
        choices=RoutingStrategy.choices, required=False, allow_blank=True, help_text="Default: each rule's own."
    )


_SIDE = {
    "assigned": serializers.IntegerField(), "max": serializers.IntegerField(), "min": serializers.IntegerField(),
    "mean": serializers.FloatField(), "std_dev": serializers.FloatField(),
}
RoutingReplaySerializer = inline_serializer(
    "RoutingReplay",
    {
        "start": serializers.DateTimeField(), "end": serializers.DateTimeField(),
        "strategy": serializers.CharField(), "cases": serializers.IntegerField(),
        "agents": serializers.ListField(child=inline_serializer("RoutingReplayAgent", {
            "user_id": serializers.IntegerField(), "username": serializers.CharField(),
            "simulated": serializers.IntegerField(), "actual": serializers.IntegerField(),
        })),
        "simulated": inline_serializer("RoutingReplaySimulated", {
            **_SIDE, "queued": serializers.IntegerField(), "no_rule": serializers.IntegerField(),
        }),
        "actual": inline_serializer("RoutingReplayActual", {**_SIDE, "unassigned": serializers.IntegerField()}),
    },
)


class RoutingReplayView(GenericAPIView):
    serializer_class = RoutingReplayInputSerializer
    queryset = CaseOffer.objects.none()
    filter_backends = []
    pagination_class = None

    @extend_schema(request=RoutingReplayInputSerializer, responses=RoutingReplaySerializer, operation_id="routing_replay")
    def post(self, request):
        """Managers: replay the active rules over a past period (default the last 7 days) with a
        strategy, without writing anything, and compare the per-agent load with what happened."""
        permissions_routing.require_can_supervise_routing(request.user)
        data = RoutingReplayInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(routing_replay(actor=request.user, **data.validated_data))


router = SimpleRouter()
router.register("offers", CaseOfferViewSet, basename="case-offer")
router.register("assignment-rules", AssignmentRuleViewSet, basename="assignment-rule")

# Included in cases/api/urls.py before the generic case action route, which would take them.
urlpatterns = router.urls + [
    path("cases/<str:pk>/agent-ranking/", CaseAgentRankingView.as_view(), name="case-agent-ranking"),
    path("cases/<str:pk>/route/", CaseRouteView.as_view(), name="case-route"),
    path("routing/replay/", RoutingReplayView.as_view(), name="routing-replay"),
]
