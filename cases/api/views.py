from rest_framework.permissions import IsAuthenticated

from cases import selectors, services
from cases.api import serializers as s
from cases.api.escalation_summary import CACHE as ESCALATIONS
from core.api.permissions import CanCreate
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


# --- cases ---------------------------------------------------------------------------------------
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit  # noqa: E402

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.core.paginator import InvalidPage, Page  # noqa: E402
from django.db.models import prefetch_related_objects  # noqa: E402
from django.shortcuts import get_object_or_404  # noqa: E402
from drf_spectacular.utils import OpenApiParameter, extend_schema  # noqa: E402
from rest_framework import mixins, status, viewsets  # noqa: E402
from rest_framework.decorators import action  # noqa: E402
from rest_framework.exceptions import NotFound, ValidationError  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

from cases import permissions, selectors_customer  # noqa: E402
from cases.choices import EventKind  # noqa: E402
from core.api.pagination import CappedCountPagination, known_count_paginator  # noqa: E402
from core.api.views import ScopedViewSetMixin  # noqa: E402
from users.permissions import is_internal  # noqa: E402


class CaseViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Cases. Commands are POSTs to /cases/{id}/<action>/ (the lifecycle's actions, and assign)."""

    selector = selectors.case_list_for_user
    number_field = "number"
    serializer_class = s.CaseSerializer
    pagination_class = CappedCountPagination
    filterset_fields = [
        "state", "state_category", "priority", "channel", "account", "contact", "consumer", "assignment_group",
        "assigned_to", "case_type", "product", "needs_attention", "parent",
    ]
    search_fields = ["number", "short_description"]
    ordering_fields = ["updated_at", "opened_at", "priority", "number"]
    ordering = ["-updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "internal": is_internal(self.request.user)}

    def list(self, request, *args, **kwargs):
        """A customer's plain list (no filter, search or ordering: the portal's and most clients'
        first call) is read arm by arm like the portal's (cases.selectors_customer): the page and
        the capped count cost the reader's own cases, not the table's recency order. Anything
        else goes through the filters as before. Same answer either way (-updated_at, then -id)."""
        if is_internal(request.user) or set(request.query_params) - {"page", "page_size", "format"}:
            return super().list(request, *args, **kwargs)
        paginator = self.paginator
        raw = request.query_params.get(paginator.page_query_param) or 1
        if raw in paginator.last_page_strings:
            return super().list(request, *args, **kwargs)
        cap, size = paginator.COUNT_CAP, paginator.get_page_size(request)
        try:  # a number, at least 1, and on a page the cap allows (as CappedCountPagination)
            number = known_count_paginator(cap)([], size).validate_number(raw)
        except InvalidPage as exc:
            raise NotFound(paginator.invalid_page_message.format(page_number=raw, message=str(exc))) from None
        scope = selectors_customer.reader_scope(request.user)
        offset = (number - 1) * size
        rows = selectors_customer.customer_case_page(scope, limit=min(size, cap - offset), offset=offset, count_cap=cap)
        if rows:
            counted = rows[0].capped_count
        elif number == 1:
            counted = 0
        else:
            raise NotFound(paginator.invalid_page_message.format(page_number=raw, message="That page contains no results"))
        pages = known_count_paginator(min(counted, cap))([], size)
        prefetch_related_objects(rows, "case_type__fields")  # as case_list_for_user: the extras a reader may see
        paginator.request, paginator.count_capped = request, counted > cap
        paginator.page = Page(rows, number, pages)
        return paginator.get_paginated_response(self.get_serializer(rows, many=True).data)

    def hidden_fields(self):
        return permissions.case_fields_hidden_from(self.request.user)

    def get_serializer_class(self):
        return s.CaseDetailSerializer if self.action == "retrieve" else s.CaseSerializer

    @extend_schema(
        parameters=[OpenApiParameter(
            "include", str, enum=["activity"],
            description="activity: the first page of the timeline in the same answer, as `/activity/` gives "
            "it (`page_size` applies; `next` points to `/activity/`).",
        )],
        responses=s.CaseDetailSerializer,
    )
    def retrieve(self, request, pk=None):
        case = self.get_object()
        if not is_internal(request.user):  # just read through the caller's scope (the selector)
            permissions.remember_customer_side(request.user, case)
        data = self.get_serializer(case).data
        wanted = {part.strip() for part in request.query_params.get("include", "").split(",") if part.strip()}
        if wanted - {"activity"}:
            raise ValidationError({"include": f"Unknown: {', '.join(sorted(wanted - {'activity'}))}. Known: activity."})
        if "activity" in wanted:
            rows = selectors.case_events_for_user(user=request.user, case=case)
            page = self.paginate_queryset(rows)
            body = self.get_paginated_response(s.CaseEventSerializer(page, many=True).data).data
            for link in ("next", "previous"):
                body[link] = _activity_link(request, body[link])
            data = {**data, "activity": body}
        return Response(data)

    def _answer(self, case, code=status.HTTP_200_OK):
        # The service returns the saved row; the caller just acted on it, so it is in scope.
        return Response(s.CaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseDetailSerializer})
    def create(self, request):
        data = s.CaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("version", None)
        case = services.case_create(actor=request.user, **fields)
        context = self.get_serializer_context()
        context[ESCALATIONS] = {"ids": {case.pk}, "rows": {}}  # a case just opened has no escalation
        return Response(s.CaseDetailSerializer(case, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.CaseWriteSerializer, responses=s.CaseDetailSerializer)
    def partial_update(self, request, pk=None):
        case = self.get_object()
        data = s.CaseWriteSerializer(case, data=request.data, partial=True, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self._answer(services.case_update(actor=request.user, instance=case, **data.validated_data))

    @extend_schema(request=s.CaseAssignInputSerializer, responses=s.CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        case = self.get_object()
        permissions.require_can_work_case(request.user)
        data = s.CaseAssignInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self._answer(services.case_assign(actor=request.user, case=case, **data.validated_data))

    def _journal(self, request, kind: str):
        case = self.get_object()
        if request.method == "POST":
            data = s.JournalEntryInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            add = services.case_comment_add if kind == EventKind.COMMENT else services.case_work_note_add
            entry = add(actor=request.user, case=case, body=data.validated_data["body"])
            return Response(s.JournalEntrySerializer(entry).data, status=status.HTTP_201_CREATED)
        rows = selectors.case_events_for_user(user=request.user, case=case).filter(kind=kind)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.JournalEntrySerializer(page, many=True).data)

    @extend_schema(methods=["GET"], responses=s.JournalEntrySerializer(many=True))
    @extend_schema(methods=["POST"], request=s.JournalEntryInputSerializer, responses={201: s.JournalEntrySerializer})
    @action(detail=True, methods=["get", "post"])
    def comments(self, request, pk=None):
        """The customer-visible journal."""
        return self._journal(request, EventKind.COMMENT)

    @extend_schema(methods=["GET"], responses=s.JournalEntrySerializer(many=True))
    @extend_schema(methods=["POST"], request=s.JournalEntryInputSerializer, responses={201: s.JournalEntrySerializer})
    @action(detail=True, methods=["get", "post"], url_path="work-notes")
    def work_notes(self, request, pk=None):
        """Internal work notes: agents only."""
        self.get_object()
        if not permissions.can_work_case(request.user):
            raise PermissionDenied("Work notes are internal.")
        return self._journal(request, EventKind.WORK_NOTE)

    @extend_schema(responses=s.CaseEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def activity(self, request, pk=None):
        """The timeline, oldest first; the customer side sees only what is meant for it."""
        rows = selectors.case_events_for_user(user=request.user, case=self.get_object())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.CaseEventSerializer(page, many=True).data)


def _activity_link(request, link: str | None) -> str | None:
    """A page link of the embedded timeline, pointed at `/activity/` (without `include`)."""
    if not link:
        return link
    parts = urlsplit(link)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "include"]
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/activity/", query=urlencode(query)))


class CaseActionView(APIView):
    """POST /cases/{id}/{action}/: any action of the case's lifecycle (request-info, propose-solution,
    accept-solution, ... and the actions admins add). 409 names the state and the allowed actions."""

    @extend_schema(
        request=s.CaseActionInputSerializer, responses=s.CaseDetailSerializer, operation_id="cases_act",
        parameters=[
            OpenApiParameter("id", str, OpenApiParameter.PATH, pattern=r"^[^/.]+$", description="Id or number."),
            OpenApiParameter("action_name", str, OpenApiParameter.PATH, pattern=r"^[-a-zA-Z0-9_]+$"),
        ],
    )
    def post(self, request, pk: str, action_name: str):
        queryset = selectors.case_list_for_user(user=request.user)
        lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
        case = get_object_or_404(queryset, **lookup)
        data = s.CaseActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = services.case_act(actor=request.user, case=case, action=action_name, **data.validated_data)
        context = {"request": request, "internal": is_internal(request.user)}
        return Response(s.CaseDetailSerializer(case, context=context).data)
