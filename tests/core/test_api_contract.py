"""The shared API contract of core/api: errors, lookups and filters, on a real endpoint."""
import pytest

from core.api.exceptions import _summary

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["²", "١٢", "ACC-nope", "0x1"])
def test_odd_lookup_values_are_404_not_500(value, api_as, world):
    assert api_as("agent").get(f"/api/v1/accounts/{value}/").status_code == 404


def test_number_lookup_is_case_insensitive(api_as, world):
    assert api_as("agent").get(f"/api/v1/accounts/{world.account.number.lower()}/").data["id"] == world.account.pk


def test_relation_filter_does_not_tell_which_ids_exist(api_as, world):
    client = api_as("customer")
    someone_elses = client.get(f"/api/v1/contacts/?account={world.other_account.pk}")
    missing = client.get("/api/v1/contacts/?account=999999")
    assert someone_elses.status_code == missing.status_code == 200
    assert someone_elses.data["count"] == missing.data["count"] == 0


def test_relation_filter_still_filters(api_as, world):
    rows = api_as("agent").get(f"/api/v1/contacts/?account={world.other_account.pk}").data["results"]
    assert [r["first_name"] for r in rows] == ["Erin"]


def test_non_integer_relation_filter_is_400_naming_the_parameter(api_as, world):
    response = api_as("agent").get("/api/v1/contacts/?account=abc")
    assert response.status_code == 400 and "account" in response.data["errors"]


def test_only_the_named_filters_are_built_and_each_still_validates(api_as, world):
    """The filter backend builds the filters the query string names; a bad value in one of them
    is still a 400 naming it, and the others still filter."""
    from core.api.filters import FilterBackend
    from customers.api.views import ContactViewSet

    client = api_as("agent")
    response = client.get("/api/v1/cases/?priority=9&state=open")
    assert response.status_code == 400 and set(response.data["errors"]) == {"priority"}
    both = client.get(f"/api/v1/contacts/?account={world.other_account.pk}&active=true").data
    assert [r["first_name"] for r in both["results"]] == ["Erin"]
    request = client.get("/api/v1/contacts/?account=1").wsgi_request
    backend = FilterBackend()
    backend._used_only = True
    view = ContactViewSet()
    queryset = view_queryset = ContactViewSet.selector(user=world.users["agent"])
    filterset = backend.get_filterset(_drf_request(request), view_queryset, view)
    assert set(filterset.filters) == {"account"}
    backend._used_only = False  # the browsable API's form: every filter
    assert len(backend.get_filterset(_drf_request(request), queryset, view).filters) > 1


def _drf_request(django_request):
    from rest_framework.request import Request

    return Request(django_request)


def test_error_summary_flattens_nested_errors():
    assert _summary({"channels": {1: ["'fax' is not a channel."]}}) == "Invalid input. channels: 'fax' is not a channel."


def test_page_size_is_capped_at_200(api_as, world):
    response = api_as("agent").get("/api/v1/accounts/?page_size=5000")
    assert response.status_code == 200 and len(response.data["results"]) == 4


def test_unauthenticated_is_401_with_code(api_client, world):
    response = api_client.get("/api/v1/accounts/")
    assert response.status_code == 401 and response.data["code"] == "not_authenticated"
