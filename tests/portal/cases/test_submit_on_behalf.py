"""Customer admins and partners open cases on behalf of a contact they look after, from every
submit form of the portal (catalog item, product, service, "Get help"); plain customers see no
such choice; a contact outside the actor's scope is a form error (400), never a case for them."""
import pytest

from cases.models import Case
from catalog import services as catalog_services
from customers import services as customer_services
from tests.factories import ProductFactory
from tests.matrix import assert_status, persona_matrix
from tests.portal.cases.test_submit import ANSWERS, _new_case

pytestmark = pytest.mark.django_db

HELP = {"short_description": "Laptop broken", "urgency": "3"}


def _contact_id(world, persona):
    return world.contacts[persona].pk


@persona_matrix(anonymous=302, other_customer=302, customer=302, customer_admin=302, partner=302,
                agent=404, manager=404, admin=404)
def test_get_help_on_behalf_of_dana(persona, expected, world, client_as):
    """The choice counts only where it is offered: a plain customer's posted value is ignored and
    the case is theirs; a customer admin and a partner of Acme open it for Dana."""
    before = set(Case.objects.values_list("pk", flat=True))
    response = client_as(persona).post("/portal/help/", {**HELP, "on_behalf_of": _contact_id(world, "customer")})
    assert_status(response, expected)
    if expected == 302 and persona != "anonymous":
        case = _new_case(response)
        assert case.pk not in before and case.opened_by == world.users[persona]
        for_whom = "customer" if persona in ("customer", "customer_admin", "partner") else persona
        assert case.contact == world.contacts[for_whom]


@pytest.mark.parametrize("persona, shown", [("customer", False), ("other_customer", False),
                                            ("customer_admin", True), ("partner", True)])
def test_the_choice_is_offered_to_customer_admins_and_partners_only(persona, shown, client_as):
    html = client_as(persona).get("/portal/help/").content.decode()
    assert ('name="on_behalf_of"' in html) is shown
    if shown:
        assert "Dana Diaz · Acme" in html and "Erin" not in html  # Globex's contact is not theirs


def test_customer_admin_lists_contacts_of_child_accounts_not_inactive_or_self(world, client_as):
    customer_services.contact_create(actor=None, account=world.child_account, first_name="Eve", last_name="Europe",
                                     email="eve@acme.example")
    gone = customer_services.contact_create(actor=None, account=world.account, first_name="Olaf", last_name="Old",
                                            email="olaf@acme.example")
    customer_services.contact_update(actor=None, instance=gone, active=False)
    html = client_as("customer_admin").get("/portal/help/").content.decode()
    select = html[html.index('name="on_behalf_of"'):html.index("</select>", html.index('name="on_behalf_of"'))]
    assert "Eve Europe · Acme Europe" in select and "Dana Diaz · Acme" in select
    assert "Olaf" not in select and "Carl" not in select and ">Myself<" in select


def test_customer_admin_cannot_pick_a_contact_of_another_account(world, client_as):
    before = Case.objects.count()
    erin = _contact_id(world, "other_customer")
    response = client_as("customer_admin").post("/portal/help/", {**HELP, "on_behalf_of": erin})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert Case.objects.count() == before


def test_no_choice_means_myself(world, client_as):
    case = _new_case(client_as("customer_admin").post("/portal/help/", {**HELP, "on_behalf_of": ""}))
    assert case.contact == world.contacts["customer_admin"]


def test_catalog_item_on_behalf_of_a_contact_and_refused_for_another_account(world, client_as, catalog_item):
    page = client_as("customer_admin").get(f"/portal/catalog/{catalog_item.pk}/").content.decode()
    assert page.index('name="on_behalf_of"') < page.index('name="item-v_part"')  # asked first
    assert 'name="on_behalf_of"' not in client_as("customer").get(f"/portal/catalog/{catalog_item.pk}/").content.decode()
    case = _new_case(client_as("customer_admin").post(
        f"/portal/catalog/{catalog_item.pk}/", {**ANSWERS, "on_behalf_of": _contact_id(world, "customer")}
    ))
    assert case.contact == world.contacts["customer"] and case.opened_by == world.users["customer_admin"]
    before = Case.objects.count()
    response = client_as("customer_admin").post(
        f"/portal/catalog/{catalog_item.pk}/", {**ANSWERS, "on_behalf_of": _contact_id(world, "other_customer")}
    )
    assert response.status_code == 400 and Case.objects.count() == before


def test_product_and_service_requests_on_behalf(world, client_as, service_and_type):
    printer = ProductFactory(name="LaserJet 4000")
    asset = catalog_services.asset_create(actor=None, asset_tag="ACME-PRN-1", product=printer, account=world.account)
    dana = _contact_id(world, "customer")
    case = _new_case(client_as("customer_admin").post(
        f"/portal/products/{printer.pk}/new-case/", {**HELP, "asset": asset.pk, "on_behalf_of": dana}
    ))
    assert (case.contact, case.asset) == (world.contacts["customer"], asset)
    service, case_type = service_and_type
    case = _new_case(client_as("partner").post(f"/portal/services/{service.pk}/new-case/", {**HELP, "on_behalf_of": dana}))
    assert (case.contact, case.case_type) == (world.contacts["customer"], case_type)
    erin = _contact_id(world, "other_customer")
    before = Case.objects.count()
    response = client_as("partner").post(f"/portal/services/{service.pk}/new-case/", {**HELP, "on_behalf_of": erin})
    assert response.status_code == 400 and Case.objects.count() == before


def test_the_contact_follows_the_case_opened_for_them(world, client_as):
    case = _new_case(client_as("customer_admin").post(
        "/portal/help/", {**HELP, "on_behalf_of": _contact_id(world, "customer")}
    ))
    admin_page = client_as("customer_admin").get(f"/portal/cases/{case.number}/").content.decode()
    assert "<dt>For</dt><dd>Dana Diaz</dd>" in admin_page
    own_page = client_as("customer").get(f"/portal/cases/{case.number}/")
    assert own_page.status_code == 200 and "<dt>For</dt>" not in own_page.content.decode()
    assert case.number in client_as("customer").get("/portal/cases/").content.decode()
