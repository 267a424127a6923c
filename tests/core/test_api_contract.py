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


def test_error_summary_flattens_nested_errors():
    assert _summary({"channels": {1: ["'fax' is not a channel."]}}) == "Invalid input. channels: 'fax' is not a channel."


def test_page_size_is_capped_at_200(api_as, world):
    response = api_as("agent").get("/api/v1/accounts/?page_size=5000")
    assert response.status_code == 200 and len(response.data["results"]) == 4


def test_unauthenticated_is_401_with_code(api_client, world):
    response = api_client.get("/api/v1/accounts/")
    assert response.status_code == 401 and response.data["code"] == "not_authenticated"
