"""Every catalog admin page: only the admin role gets in; changelists stay a fixed number of
queries however many rows they show."""
import pytest

from tests.catalog.rows import ROWS, build_rows
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

# admin model name -> (catalog attribute of a row, API endpoint whose row builder fills it)
PAGES = {
    "product": ("product", "products"),
    "schedule": ("schedule", "schedules"),
    "schedulespan": ("span", "schedule-spans"),
    "holiday": ("holiday", "holidays"),
    "contract": ("contract", "contracts"),
    "soldproduct": ("sold_product", "sold-products"),
    "installbaseitem": ("install_base_item", "install-base-items"),
    "asset": ("asset", "assets"),
    "entitlement": ("entitlement", "entitlements"),
    "servicedefinition": ("service_definition", "service-definitions"),
    "catalogitem": ("item", "catalog-items"),
    "catalogitemvariable": ("variable", "catalog-item-variables"),
}


def assert_admin_status(response, expected: int) -> None:
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("model", PAGES)
@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_changelist_access(model, persona, expected, client_as, catalog):
    assert_admin_status(client_as(persona).get(f"/admin/catalog/{model}/"), expected)


@pytest.mark.parametrize("model", PAGES)
@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_add_page_access(model, persona, expected, client_as, catalog):
    assert_admin_status(client_as(persona).get(f"/admin/catalog/{model}/add/"), expected)


@pytest.mark.parametrize("model", PAGES)
@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_change_page_access(model, persona, expected, client_as, catalog):
    obj = getattr(catalog, PAGES[model][0])
    assert_admin_status(client_as(persona).get(f"/admin/catalog/{model}/{obj.pk}/change/"), expected)


@pytest.mark.parametrize("model", PAGES)
def test_changelist_query_count_is_bounded(model, client_as, world, catalog, django_assert_max_num_queries):
    build_rows(PAGES[model][1], world, catalog)
    client = client_as("admin")
    with django_assert_max_num_queries(10):
        response = client.get(f"/admin/catalog/{model}/")
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) >= ROWS


@pytest.mark.parametrize("model", PAGES)
def test_changelist_search_works(model, client_as, catalog):
    assert client_as("admin").get(f"/admin/catalog/{model}/?q=a").status_code == 200
