"""Every catalog list answers in a bounded number of queries, however many rows it shows."""
import pytest

from tests.catalog.rows import BUILDERS, ROWS, build_rows

pytestmark = pytest.mark.django_db
INTERNAL_ONLY = ("schedules", "schedule-spans", "holidays")


@pytest.mark.parametrize("persona", ["customer_admin", "agent"])
@pytest.mark.parametrize("endpoint", BUILDERS)
def test_list_query_count_is_bounded(endpoint, persona, api_as, world, catalog, django_assert_max_num_queries):
    build_rows(endpoint, world, catalog)
    # customers read through their widest scope (customer admin of a parent account); schedules,
    # which customers never see, are read by the admin instead
    if endpoint in INTERNAL_ONLY and persona == "customer_admin":
        persona = "admin"
    api = api_as(persona)
    with django_assert_max_num_queries(8):
        response = api.get(f"/api/v1/{endpoint}/?page_size=100")
    assert response.status_code == 200
    assert len(response.data["results"]) >= ROWS
