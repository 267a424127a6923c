"""The customer-side API the portal's pages mirror:

    POST /api/v1/catalog-items/{id}/submit/   answers -> a new case (201, the case)
    GET  /api/v1/cases/{id}/survey/           the case's satisfaction survey (404 until answered)
    POST /api/v1/cases/{id}/survey/           the customer side answers it, once (409 after)

The catalog item is read through the catalog's selector (an item not offered to the caller is
404), the case through the case selector; each write is one service call."""
import json

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cases import permissions, selectors, services
from cases.api.serializers import CaseDetailSerializer
from cases.models import CaseSurvey
from catalog import selectors as catalog_selectors
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.serializers import StrictModelSerializer, StrictSerializer
from customers import selectors as customer_selectors
from users.permissions import is_internal


class CatalogItemSubmitInputSerializer(StrictSerializer):
    answers = serializers.JSONField(
        required=False, default=dict,
        help_text="{variable name: answer}; in a multipart request, the same object as a JSON string.",
    )
    short_description = serializers.CharField(required=False, allow_blank=True, max_length=160, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    file = serializers.FileField(required=False, help_text="An optional attachment (multipart).")
    contact = ScopedPrimaryKeyRelatedField(
        selector=customer_selectors.contact_list_for_user, required=False, allow_null=True,
        help_text="Whom the case is for: agents name a contact (or a consumer); customer admins and partners may "
        "name a contact they manage; a customer's own requests need neither.",
    )
    consumer = ScopedPrimaryKeyRelatedField(
        selector=customer_selectors.consumer_list_for_user, required=False, allow_null=True,
    )

    def validate_answers(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value or "{}")
            except ValueError:
                raise serializers.ValidationError("Give the answers as a JSON object.") from None
        if not isinstance(value, dict):
            raise serializers.ValidationError("Give the answers as an object {variable name: answer}.")
        return value


class CatalogItemSubmitView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": CatalogItemSubmitInputSerializer,
                 "multipart/form-data": CatalogItemSubmitInputSerializer},
        responses={201: CaseDetailSerializer}, operation_id="catalog_items_submit",
    )
    def post(self, request, pk: str):
        if not (pk.isascii() and pk.isdigit()):
            raise Http404
        item = get_object_or_404(catalog_selectors.catalog_item_list_for_user(user=request.user), pk=int(pk))
        data = CatalogItemSubmitInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        case = services.catalog_item_submit(
            actor=request.user, item=item, answers=values["answers"], short_description=values["short_description"],
            description=values["description"], uploaded_file=values.get("file"),
            **{name: values[name] for name in ("contact", "consumer") if values.get(name) is not None},
        )
        context = {"request": request, "internal": is_internal(request.user)}
        return Response(CaseDetailSerializer(case, context=context).data, status=status.HTTP_201_CREATED)


class CaseSurveySerializer(StrictModelSerializer):
    respondent = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = CaseSurvey
        fields = ["id", "case", "rating", "comment", "respondent", "created_at"]
        read_only_fields = ["id", "case", "respondent", "created_at"]
        extra_kwargs = {"rating": {"min_value": 1, "max_value": 5}}


class CaseSurveyOutputSerializer(CaseSurveySerializer):
    comment = serializers.SerializerMethodField(
        help_text="Agents and the respondent: the comment. Other readers on the customer side: null.",
    )

    class Meta(CaseSurveySerializer.Meta):
        read_only_fields = CaseSurveySerializer.Meta.fields

    def get_comment(self, survey) -> str | None:
        return survey.comment if permissions.can_read_survey_comment(self.context["request"].user, survey) else None


class CaseSurveyView(APIView):
    @extend_schema(responses=CaseSurveyOutputSerializer, operation_id="cases_survey_read")
    def get(self, request, pk: str):
        case = _case_for(request, pk)
        survey = selectors.case_survey_for_user(user=request.user, case=case)
        if survey is None:
            raise Http404("The survey has not been answered.")
        return Response(CaseSurveyOutputSerializer(survey, context={"request": request}).data)

    @extend_schema(request=CaseSurveySerializer, responses={201: CaseSurveyOutputSerializer}, operation_id="cases_survey_answer")
    def post(self, request, pk: str):
        case = _case_for(request, pk)
        data = CaseSurveySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = services.case_survey_submit(actor=request.user, case=case, **data.validated_data)
        return Response(CaseSurveyOutputSerializer(survey, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _case_for(request, pk: str):
    queryset = selectors.case_list_for_user(user=request.user)
    lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
    return get_object_or_404(queryset, **lookup)
