"""GET /api/v1/access/?object=<app_label.model>:<id>[&user=<id>]

Anyone may ask why they can see an object (an object they cannot see is 404). Admins may also
ask about any other user, and get the object's audience: every role, relation and grant through
which someone sees it."""
from dataclasses import asdict

from django.apps import apps
from django.contrib.auth import get_user_model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from core import access


def can_explain_for_others(user) -> bool:
    return bool(user.is_superuser or user.has_perm("users.change_user"))


def object_from_reference(reference: str):
    try:
        label, pk = reference.rsplit(":", 1)
        model = apps.get_model(label)
        pk = int(pk)
    except (ValueError, LookupError):
        raise ValidationError({"object": "Use <app_label>.<model>:<id>, e.g. customers.account:5."}) from None
    if access.policy_for(model) is None:
        raise ValidationError({"object": f"{label} has no access policy."})
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise NotFound()
    return obj


def explanation_payload(obj, user, *, with_audience: bool) -> dict:
    explanation = access.access_explain(obj, user)
    body = {
        "object": {"type": obj._meta.label_lower, "id": obj.pk, "label": str(obj)},
        "user": {"id": user.pk, "username": user.get_username(), "roles": list(getattr(user, "roles", []))},
        **explanation.as_dict(),
    }
    if with_audience:
        body["audience"] = [asdict(entry) for entry in access.access_audience(obj)]
    return body


class AccessExplanationSerializer(serializers.Serializer):
    object = serializers.DictField()
    user = serializers.DictField()
    can_view = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.DictField())
    audience = serializers.ListField(child=serializers.DictField(), required=False)


class AccessExplainView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("object", OpenApiTypes.STR, required=True, description="e.g. customers.account:5"),
            OpenApiParameter("user", OpenApiTypes.INT, description="admins only: explain for this user"),
        ],
        responses=AccessExplanationSerializer,
    )
    def get(self, request):
        obj = object_from_reference(request.query_params.get("object", ""))
        admin = can_explain_for_others(request.user)
        subject = request.user
        if "user" in request.query_params:
            if not admin:
                raise PermissionDenied("Only admins explain another user's access.")
            subject = get_user_model().objects.filter(pk=request.query_params["user"]).first()
            if subject is None:
                raise ValidationError({"user": "No such user."})
        elif not admin and not access.access_explain(obj, request.user).can_view:
            raise NotFound()
        return Response(explanation_payload(obj, subject, with_audience=admin))
