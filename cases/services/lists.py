"""Saved case filters: the only writers of SavedCaseFilter. A saved filter belongs to the agent
who saved it; nobody else may rename or delete it (the views answer 404 before that, since the
selector shows a user only their own). The stored query is normalised through the list's own
parser, so a saved filter can never hold a parameter the list would not accept."""
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import QueryDict

from cases.models import CaseListName, SavedCaseFilter
from cases.selectors_lists import case_list_nav_forget, case_list_query_parse
from core.services import model_apply
from users.permissions import is_internal

__all__ = ["saved_case_filter_create", "saved_case_filter_rename", "saved_case_filter_delete", "MAX_SAVED_FILTERS"]

MAX_SAVED_FILTERS = 50


def _require_owner(actor, saved_filter: SavedCaseFilter) -> None:
    if actor is not None and saved_filter.owner_id != actor.pk:
        raise PermissionDenied("Only its owner changes a saved filter.")


def _normalised_query(view: str, query: str) -> str:
    params = QueryDict(query, mutable=True)
    params["view"] = view
    parsed = case_list_query_parse(params)
    if parsed.errors:
        raise ValidationError({"query": parsed.errors})
    return parsed.filters_querystring()


def _forget_nav(owner_id: int) -> None:
    transaction.on_commit(partial(case_list_nav_forget, owner_id))


@transaction.atomic
def saved_case_filter_create(*, actor, name: str, view: str = CaseListName.ALL, query: str = "") -> SavedCaseFilter:
    """Save the list `view` with the filters, search and sort of `query` under `name`."""
    if actor is None or not is_internal(actor):
        raise PermissionDenied("Saved filters are for the agent workspace's users.")
    if view not in CaseListName.values:
        raise ValidationError({"view": f"'{view}' is not a case list."})
    if SavedCaseFilter.objects.filter(owner=actor).count() >= MAX_SAVED_FILTERS:
        raise ValidationError({"name": f"You have {MAX_SAVED_FILTERS} saved filters; delete one first."})
    saved_filter = SavedCaseFilter(owner=actor)
    model_apply(saved_filter, {"name": " ".join(name.split()), "view": view, "query": _normalised_query(view, query)})
    saved_filter.save()
    _forget_nav(actor.pk)
    return saved_filter


@transaction.atomic
def saved_case_filter_rename(*, actor, saved_filter: SavedCaseFilter, name: str) -> SavedCaseFilter:
    saved_filter = SavedCaseFilter.objects.select_for_update().get(pk=saved_filter.pk)
    _require_owner(actor, saved_filter)
    model_apply(saved_filter, {"name": " ".join(name.split())})
    saved_filter.save(update_fields=["name"])
    _forget_nav(saved_filter.owner_id)
    return saved_filter


@transaction.atomic
def saved_case_filter_delete(*, actor, saved_filter: SavedCaseFilter) -> None:
    saved_filter = SavedCaseFilter.objects.select_for_update().filter(pk=saved_filter.pk).first()
    if saved_filter is None:
        return  # already gone: deleting twice is harmless
    _require_owner(actor, saved_filter)
    saved_filter.delete()
    _forget_nav(saved_filter.owner_id)
