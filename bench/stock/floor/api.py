"""The floor's cases API: DRF generics and ModelSerializers, the same paths, page size, capped
count, filters and fields by reader as the product's `/api/v1/cases/`."""
from django.db import connection
from django.utils import timezone
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied

from bench.stock.floor.models import Case, CaseEvent, Consumer, Contact, LifecycleState
from bench.stock.floor.scope import cases_for, events_for, is_agent

# What the product never shows the customer side (cases.permissions.CASE_FIELDS_HIDDEN_FROM_CUSTOMERS).
HIDDEN_FROM_CUSTOMERS = (
    "assignment_group", "needs_attention", "reassignment_count", "major_case_state", "state_category",
    "sla_due", "made_sla", "auto_close", "entitlement_override_reason",
)
ACTIVITY_PAGE = 25
PRIORITY = {(1, 1): 1, (1, 2): 2, (2, 1): 2, (1, 3): 3, (2, 2): 3, (3, 1): 3, (2, 3): 4, (3, 2): 4, (3, 3): 4}


class CaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Case
        exclude = ("lifecycle_id",)
        read_only_fields = ("number", "state", "state_category", "priority", "account", "opened_at", "opened_by",
                            "version", "created_at", "updated_at")

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not is_agent(self.context["request"].user):
            for name in HIDDEN_FROM_CUSTOMERS:
                data.pop(name, None)
        return data


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ("id", "kind", "author", "created_at", "body", "field", "old", "new")


class CaseListCreate(generics.ListCreateAPIView):
    serializer_class = CaseSerializer

    def get_queryset(self):
        qs = cases_for(self.request.user)
        params = self.request.query_params
        if is_agent(self.request.user):
            if params.get("assignment_group"):
                qs = qs.filter(assignment_group_id=params["assignment_group"])
            if params.get("state_category"):
                qs = qs.filter(state_category=params["state_category"])
        return qs.order_by("-updated_at", "-id")

    def perform_create(self, serializer):
        user = self.request.user
        data = serializer.validated_data
        contact: Contact | None = data.get("contact")
        extra = {}
        if not is_agent(user):
            # A customer opens a case for themselves (as the product's portal and API do): their
            # own contact, else their consumer; what only agents set is not theirs to set.
            if any(data.get(name) for name in ("contact", "consumer", "assignment_group", "assigned_to")):
                raise PermissionDenied("A customer opens cases for themselves only.")
            contact = Contact.objects.filter(user=user).order_by("id").first()
            if contact is not None:
                extra["contact"] = contact
            else:
                consumer = Consumer.objects.filter(user=user).order_by("id").first()
                if consumer is None:
                    raise PermissionDenied("Only agents, contacts and consumers open cases.")
                extra["consumer"] = consumer
        lifecycle_id, state = _initial_state()
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval('floor_case_number')")
            number = f"CS{cursor.fetchone()[0]:07d}"
        serializer.save(
            number=number, lifecycle_id=lifecycle_id, state=state, opened_by=user, opened_at=timezone.now(),
            account_id=contact.account_id if contact else None,
            priority=PRIORITY.get((data.get("impact", 3), data.get("urgency", 3)), 4), **extra,
        )


_INITIAL: list = []


def _initial_state() -> tuple[int, str]:
    """The default lifecycle's first state, read once per process (reference data, as the product
    caches it)."""
    if not _INITIAL:
        _INITIAL.append(LifecycleState.objects.filter(is_initial=True).order_by("lifecycle_id")
                        .values_list("lifecycle_id", "code").first())
    return _INITIAL[0]


class CaseDetail(generics.RetrieveAPIView):
    serializer_class = CaseSerializer

    def get_queryset(self):
        return cases_for(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        if request.query_params.get("include") == "activity":
            case = Case(pk=response.data["id"])
            events = events_for(request.user, case).order_by("created_at", "id")[:ACTIVITY_PAGE]
            response.data["activity"] = {"results": EventSerializer(events, many=True).data}
        return response
