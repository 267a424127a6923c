"""The persona matrix over every portal case page: anonymous to the portal sign-in, staff 404,
a customer of another account 404 on Acme's case (the case selector's scope)."""
import pytest

from tests.matrix import assert_status, persona_matrix
from tests.portal.cases.conftest import act  # noqa: F401

pytestmark = pytest.mark.django_db

PAGE = dict(anonymous=302, other_customer=200, customer=200, customer_admin=200, partner=200,
            agent=404, manager=404, admin=404)


@persona_matrix(**PAGE)
@pytest.mark.parametrize("url", ["/portal/", "/portal/cases/", "/portal/catalog/", "/portal/help/"])
def test_portal_pages(persona, expected, url, client_as):
    response = client_as(persona).get(url)
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"].startswith("/portal/login/")


@persona_matrix(anonymous=302, other_customer=404, customer=200, customer_admin=200, partner=200,
                agent=404, manager=404, admin=404)
def test_case_page(persona, expected, client_as, dana_case):
    assert_status(client_as(persona).get(f"/portal/cases/{dana_case.number}/"), expected)


@persona_matrix(**PAGE)
def test_catalog_item_page(persona, expected, client_as, catalog_item):
    assert_status(client_as(persona).get(f"/portal/catalog/{catalog_item.pk}/"), expected)


@persona_matrix(**PAGE)
def test_service_request_page(persona, expected, client_as, service_and_type):
    service, _ = service_and_type
    assert_status(client_as(persona).get(f"/portal/services/{service.pk}/new-case/"), expected)


@pytest.fixture
def acme_printer(world):
    from catalog import services as catalog_services
    from tests.factories import ProductFactory

    printer = ProductFactory(name="LaserJet 4000")
    catalog_services.asset_create(actor=None, asset_tag="ACME-PRN-1", product=printer, account=world.account)
    return printer


@persona_matrix(anonymous=302, other_customer=404, customer=200, customer_admin=200, partner=200,
                agent=404, manager=404, admin=404)
def test_product_request_page_is_for_owners(persona, expected, client_as, acme_printer):
    assert_status(client_as(persona).get(f"/portal/products/{acme_printer.pk}/new-case/"), expected)


@persona_matrix(anonymous=302, other_customer=404, customer=302, customer_admin=302, partner=302,
                agent=404, manager=404, admin=404)
def test_comment_post(persona, expected, client_as, dana_case):
    response = client_as(persona).post(f"/portal/cases/{dana_case.number}/comment/", {"body": "Any news?"})
    assert_status(response, expected)


@persona_matrix(anonymous=302, other_customer=404, customer=302, customer_admin=302, partner=302,
                agent=404, manager=404, admin=404)
def test_accept_solution_post(persona, expected, client_as, resolved_case):
    response = client_as(persona).post(f"/portal/cases/{resolved_case.number}/act/accept-solution/")
    assert_status(response, expected)


@persona_matrix(anonymous=302, other_customer=404, customer=302, customer_admin=302, partner=302,
                agent=404, manager=404, admin=404)
def test_survey_post(persona, expected, client_as, resolved_case):
    response = client_as(persona).post(f"/portal/cases/{resolved_case.number}/survey/", {"rating": "4"})
    assert_status(response, expected)


@persona_matrix(anonymous=302, other_customer=404, customer=302, customer_admin=302, partner=302,
                agent=404, manager=404, admin=404)
def test_attach_post(persona, expected, client_as, dana_case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("log.txt", b"printer log\n", content_type="text/plain")
    response = client_as(persona).post(f"/portal/cases/{dana_case.number}/attach/", {"file": upload})
    assert_status(response, expected)
