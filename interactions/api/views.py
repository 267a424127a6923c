"""Interactions in the API (reference 4):

    GET  /interactions/                   ?state= ?type= ?assigned_to= ?assignment_group= ?account= ?contact=
                                          ?consumer= ?source= ?mine=true   (internal readers; others: empty)
    GET  /interactions/{id|number}/       with transcript, work notes, linked cases, allowed_actions
    GET  /cases/{id|number}/interactions/ the interactions linked to a case (same filters; others: empty)
    POST /interactions/{id}/accept/ | hold/ | wrap-up/ | close/ | work-notes/ | link-case/ | create-case/

    POST /interaction-intake/open/        chat and telephony systems (`interactions.intake_interaction`)
    POST /interaction-intake/messages/
    POST /interaction-intake/end/

Reads go through the selectors (out of scope: 404); every command calls one service (not the
caller's: 403; not from this state: 409 naming the allowed actions; bad input: 400)."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import selectors as case_selectors
from core.api.pagination import CappedCountPagination
from core.api.views import ScopedViewSetMixin
from interactions import permissions, selectors, services
from interactions.api import serializers as s
from interactions.models import Interaction


class InteractionViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Interactions: internal records (agents, managers, admins read all of them)."""

    selector = selectors.interaction_list_for_user
    number_field = "number"
    pagination_class = CappedCountPagination
    permission_classes = [IsAuthenticated]
    filterset_fields = ["state", "type", "assigned_to", "assignment_group", "account", "contact", "consumer", "source"]
    search_fields = ["number", "short_description", "caller_name", "caller_address"]
    ordering_fields = ["opened_at", "queued_at", "last_activity_at", "number"]
    ordering = ["-opened_at", "-id"]
    query_params_known = ("mine",)

    def get_serializer_class(self):
        return s.InteractionSerializer if self.action == "list" else s.InteractionDetailSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            qs = qs.select_related("assigned_to")
            if self.request.query_params.get("mine") in ("true", "1"):
                qs = qs.filter(assigned_to=self.request.user)
        return qs

    @extend_schema(parameters=[OpenApiParameter("mine", bool, description="Only those assigned to me")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _answer(self, interaction, code=status.HTTP_200_OK):
        fresh = selectors.interaction_get_for_user(user=self.request.user, key=str(interaction.pk))
        return Response(s.InteractionDetailSerializer(fresh, context=self.get_serializer_context()).data, status=code)

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=None, responses=s.InteractionDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Take it from its queue: it is assigned to you, work in progress."""
        return self._answer(services.interaction_accept(actor=request.user, interaction=self.get_object()))

    @extend_schema(request=s.HoldInputSerializer, responses=s.InteractionDetailSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Queue it (on hold, waiting for assignment): a new one, or one in progress given back
        (to another group's queue: a transfer)."""
        interaction = self.get_object()
        return self._answer(services.interaction_hold(actor=request.user, interaction=interaction, **self._input(s.HoldInputSerializer)))

    @extend_schema(request=s.WrapUpInputSerializer, responses=s.InteractionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="wrap-up")
    def wrap_up(self, request, pk=None):
        """The customer has gone; after-contact work before closing."""
        interaction = self.get_object()
        return self._answer(
            services.interaction_wrap_up(actor=request.user, interaction=interaction, **self._input(s.WrapUpInputSerializer))
        )

    @extend_schema(request=s.CloseInputSerializer, responses=s.InteractionDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Closed complete (from wrap up a wrap-up code is required)."""
        interaction = self.get_object()
        return self._answer(
            services.interaction_close(actor=request.user, interaction=interaction, **self._input(s.CloseInputSerializer))
        )

    @extend_schema(request=s.WorkNoteInputSerializer, responses={201: s.InteractionDetailSerializer})
    @action(detail=True, methods=["post"], url_path="work-notes")
    def work_notes(self, request, pk=None):
        """Add an internal work note."""
        interaction = self.get_object()
        services.interaction_work_note_add(actor=request.user, interaction=interaction, **self._input(s.WorkNoteInputSerializer))
        return self._answer(interaction, status.HTTP_201_CREATED)

    @extend_schema(request=s.LinkCaseInputSerializer, responses={201: s.InteractionDetailSerializer})
    @action(detail=True, methods=["post"], url_path="link-case")
    def link_case(self, request, pk=None):
        """Link it to an existing case. An email interaction must be closed complete first
        (`close: true` closes an open one in the same step)."""
        interaction = self.get_object()
        services.interaction_link_case(actor=request.user, interaction=interaction, **self._input(s.LinkCaseInputSerializer))
        return self._answer(interaction, status.HTTP_201_CREATED)

    @extend_schema(request=s.CreateCaseInputSerializer, responses={201: s.CreateCaseResultSerializer})
    @action(detail=True, methods=["post"], url_path="create-case")
    def create_case(self, request, pk=None):
        """Open a case prefilled from it (person, channel, subject); it is linked and closed complete."""
        interaction = self.get_object()
        case = services.interaction_create_case(
            actor=request.user, interaction=interaction, **self._input(s.CreateCaseInputSerializer)
        )
        fresh = selectors.interaction_get_for_user(user=request.user, key=str(interaction.pk))
        body = {
            "case": case.pk, "case_number": case.number,
            "interaction": s.InteractionDetailSerializer(fresh, context=self.get_serializer_context()).data,
        }
        return Response(body, status=status.HTTP_201_CREATED)


class CaseInteractionsView(generics.ListAPIView):
    """The interactions linked to a case, newest first. The case is fetched through the caller's
    case selector (out of scope: 404); the rows through the interaction selector: internal
    readers see every linked interaction, customers none (interactions are internal records)."""

    serializer_class = s.InteractionSerializer
    filterset_fields = InteractionViewSet.filterset_fields
    search_fields = InteractionViewSet.search_fields
    ordering_fields = InteractionViewSet.ordering_fields
    ordering = InteractionViewSet.ordering

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Interaction.objects.none()
        key = self.kwargs["pk"]
        lookup = {"pk": int(key)} if key.isascii() and key.isdigit() else {"number": key.upper()}
        case = get_object_or_404(case_selectors.case_list_for_user(user=self.request.user), **lookup)
        return selectors.case_interaction_list_for_user(user=self.request.user, case=case).select_related("assigned_to")

    @extend_schema(operation_id="cases_interactions_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- channel intake ------------------------------------------------------------------------------
class CanIntake(BasePermission):
    message = "This account may not open interactions or append to them."

    def has_permission(self, request, view):
        return permissions.can_intake(request.user)


class _IntakeView(APIView):
    """For chat and telephony systems: authenticate with the DRF token of a user holding the
    channel_integration role (or an agent's own session or token)."""

    permission_classes = [IsAuthenticated, CanIntake]

    def _input(self, serializer_class):
        data = serializer_class(data=self.request.data, context={"request": self.request})
        data.is_valid(raise_exception=True)
        return data.validated_data


class IntakeOpenView(_IntakeView):
    @extend_schema(
        request=s.IntakeOpenInputSerializer,
        responses={201: s.IntakeInteractionSerializer, 200: s.IntakeInteractionSerializer},
        summary="Open an interaction (201), or find the one already open for this source and external id (200)",
    )
    def post(self, request):
        data = dict(self._input(s.IntakeOpenInputSerializer))
        data["assigned_to"] = data.pop("agent", None)
        interaction, created = services.interaction_open(actor=request.user, **data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.IntakeInteractionSerializer(interaction).data, status=code)


class IntakeMessageView(_IntakeView):
    @extend_schema(
        request=s.IntakeMessageInputSerializer,
        responses={201: s.IntakeMessageResultSerializer, 200: s.IntakeMessageResultSerializer},
        summary="Append a message; to a closed interaction, a customer message opens a follow-up interaction",
    )
    def post(self, request):
        data = self._input(s.IntakeMessageInputSerializer)
        entry, target, created = services.interaction_message_append(
            actor=request.user, interaction=data["found"], body=data["body"], kind=data["kind"],
            author=data.get("author"), author_name=data["author_name"], external_id=data["message_id"],
        )
        body = {"interaction": s.IntakeInteractionSerializer(target).data, "entry": entry.pk, "created": created}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class IntakeEndView(_IntakeView):
    @extend_schema(
        request=s.IntakeEndInputSerializer, responses=s.IntakeInteractionSerializer,
        summary="The conversation ended: complete (wrap up, or closed if no agent took it) or abandoned",
    )
    def post(self, request):
        data = self._input(s.IntakeEndInputSerializer)
        interaction = services.interaction_end(
            actor=request.user, interaction=data["found"], outcome=data["outcome"], reason=data["reason"]
        )
        return Response(s.IntakeInteractionSerializer(interaction).data)

