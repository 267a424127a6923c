"""A case's related parties, watch list, children and merges.

    GET/POST   /cases/{id}/related-parties/        DELETE /cases/{id}/related-parties/{party_id}/
    GET/POST/DELETE /cases/{id}/watch/             GET    /cases/{id}/children/
    POST       /cases/{id}/merge/ {"into": id}     GET    /cases/{id}/merged/

The case is always fetched through the caller's case selector first (out of scope: 404); every
write is one service call, which checks the caller's right (403) and the rules (400/409)."""
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from cases import permissions, selectors, services
from cases.api.serializers import CaseSerializer
from cases.models import CaseMerge, CaseRelatedParty, PartyType
from core.api.fields import ScopedPrimaryKeyRelatedField
from core.api.serializers import StrictModelSerializer, StrictSerializer
from customers import selectors as customer_selectors
from users.api.fields import UserIdField
from users.permissions import is_internal


class CaseRelatedPartySerializer(StrictModelSerializer):
    contact = ScopedPrimaryKeyRelatedField(selector=customer_selectors.contact_list_for_user, required=False, allow_null=True)
    consumer = ScopedPrimaryKeyRelatedField(
        selector=customer_selectors.consumer_list_for_user, required=False, allow_null=True
    )
    user = UserIdField(
        required=False, allow_null=True, help_text="Contributors: an internal user's id.",
    )
    party_type = serializers.ChoiceField(choices=PartyType.choices)
    name = serializers.SerializerMethodField()
    authorized = serializers.BooleanField(source="is_authorized", read_only=True)
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CaseRelatedParty
        fields = ["id", "party_type", "contact", "consumer", "user", "name", "authorized", "added_by", "created_at"]
        read_only_fields = ["id", "name", "authorized", "added_by", "created_at"]

    def get_name(self, party) -> str:
        return str(party.person)


class CaseMergeInputSerializer(StrictSerializer):
    into = ScopedPrimaryKeyRelatedField(selector=selectors.case_list_for_user, help_text="The master case's id.")


class CaseMergeSerializer(serializers.ModelSerializer):
    duplicate_number = serializers.CharField(source="duplicate.number", read_only=True)
    master_number = serializers.CharField(source="master.number", read_only=True)
    merged_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = CaseMerge
        fields = ["id", "duplicate", "duplicate_number", "master", "master_number", "merged_at", "merged_by"]
        read_only_fields = fields


class WatchInputSerializer(StrictSerializer):
    user = UserIdField(
        required=False, allow_null=True, help_text="Agents: an internal user to add or remove. Empty: yourself.",
    )


class WatchSerializer(serializers.Serializer):
    watching = serializers.BooleanField(help_text="Whether the caller is on the watch list.")
    watch_list = serializers.ListField(
        child=serializers.DictField(), required=False, help_text="Agents only: everyone on the watch list."
    )


class CaseScopedView(GenericAPIView):
    """Fetches the case of the URL through the caller's selector (id or number)."""

    def case(self):
        queryset = selectors.case_list_for_user(user=self.request.user)
        pk = self.kwargs["pk"]
        lookup = {"pk": int(pk)} if pk.isascii() and pk.isdigit() else {"number": pk.upper()}
        return get_object_or_404(queryset, **lookup)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "internal": is_internal(self.request.user)}


class CaseRelatedPartiesView(CaseScopedView):
    serializer_class = CaseRelatedPartySerializer
    queryset = CaseRelatedParty.objects.none()
    filter_backends = []

    @extend_schema(operation_id="cases_related_parties_list", responses=CaseRelatedPartySerializer(many=True))
    def get(self, request, pk: str):
        rows = selectors.case_related_parties_for_user(user=request.user, case=self.case())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(operation_id="cases_related_parties_create")
    def post(self, request, pk: str):
        case = self.case()
        permissions.require_can_manage_case_parties(request.user, case)  # before the body: no scope probing
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        party = services.case_party_add(actor=request.user, case=case, **data.validated_data)
        return Response(self.get_serializer(party).data, status=status.HTTP_201_CREATED)


class CaseRelatedPartyDetailView(CaseScopedView):
    serializer_class = CaseRelatedPartySerializer
    queryset = CaseRelatedParty.objects.none()

    @extend_schema(operation_id="cases_related_parties_destroy")
    def delete(self, request, pk: str, party_id: int):
        rows = selectors.case_related_parties_for_user(user=request.user, case=self.case())
        services.case_party_remove(actor=request.user, party=get_object_or_404(rows, pk=party_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseWatchView(CaseScopedView):
    """The watch list: anyone who sees the case adds or removes themself; agents add or remove
    internal users by id."""

    serializer_class = WatchInputSerializer
    queryset = CaseRelatedParty.objects.none()

    def _answer(self, case, code=status.HTTP_200_OK):
        watchers = list(case.watch_list.order_by("username").values("id", "username"))
        body = {"watching": any(w["id"] == self.request.user.pk for w in watchers)}
        if is_internal(self.request.user):
            body["watch_list"] = watchers
        return Response(body, status=code)

    @extend_schema(responses=WatchSerializer, operation_id="cases_watch_retrieve")
    def get(self, request, pk: str):
        return self._answer(self.case())

    def _change(self, request, service):
        case = self.case()
        data = WatchInputSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return self._answer(service(actor=request.user, case=case, user=data.validated_data.get("user")))

    @extend_schema(request=WatchInputSerializer, responses=WatchSerializer, operation_id="cases_watch_add")
    def post(self, request, pk: str):
        return self._change(request, services.case_watch_add)

    @extend_schema(request=WatchInputSerializer, responses={200: WatchSerializer}, operation_id="cases_watch_remove")
    def delete(self, request, pk: str):
        return self._change(request, services.case_watch_remove)


class CaseChildrenView(CaseScopedView):
    serializer_class = CaseSerializer
    queryset = CaseRelatedParty.objects.none()
    filter_backends = []

    @extend_schema(operation_id="cases_children_list", responses=CaseSerializer(many=True))
    def get(self, request, pk: str):
        rows = selectors.case_children_for_user(user=request.user, case=self.case()).order_by("number")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CaseMergeView(CaseScopedView):
    serializer_class = CaseMergeInputSerializer
    queryset = CaseMerge.objects.none()

    @extend_schema(request=CaseMergeInputSerializer, responses=CaseMergeSerializer, operation_id="cases_merge")
    def post(self, request, pk: str):
        duplicate = self.case()
        permissions.require_can_work_case(request.user)  # before the body: no scope probing
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        merge = services.case_merge(actor=request.user, duplicate=duplicate, master=data.validated_data["into"])
        return Response(CaseMergeSerializer(merge).data)


class CaseMergedView(CaseScopedView):
    serializer_class = CaseMergeSerializer
    queryset = CaseMerge.objects.none()
    filter_backends = []

    @extend_schema(operation_id="cases_merged_list", responses=CaseMergeSerializer(many=True))
    def get(self, request, pk: str):
        rows = selectors.case_merges_for_user(user=request.user, case=self.case())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


