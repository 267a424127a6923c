import pytest

from cases import services
from catalog import services as catalog_services
from customers import services as customer_services
from tests.factories import user_with_roles

RESOLVE = {"resolution_code": "solved_fixed", "close_notes": "Replaced the fuser."}


def act(world, persona, case, action, **inputs):
    return services.case_act(actor=world.users[persona], case=case, action=action, **inputs)


@pytest.fixture
def dana_case(world):
    """Dana's (customer at Acme) case, state new."""
    return services.case_create(
        actor=world.users["customer"], short_description="Printer on fire", description="Smoke everywhere"
    )


@pytest.fixture
def resolved_case(world, dana_case):
    case = act(world, "agent", dana_case, "assign-to-me")
    return act(world, "agent", case, "propose-solution", **RESOLVE)


@pytest.fixture
def consumer_user(world):
    user = user_with_roles("consumer", username="consumer_connie")
    customer_services.consumer_create(actor=None, first_name="Connie", last_name="Consumer", user=user,
                                      email="connie@example.net")
    return user


@pytest.fixture
def service_and_type(world):
    from tests.factories import ServiceDefinitionFactory

    service = ServiceDefinitionFactory(name="Hardware repair")
    case_type = services.case_type_create(actor=None, name="Repair", code="repair", service_definitions=[service])
    return service, case_type


@pytest.fixture
def catalog_item(service_and_type):
    """An item with one variable of each kind a form offers, on the Repair case type."""
    service, _ = service_and_type
    item = catalog_services.catalog_item_create(
        actor=None, name="Request a replacement part", category="Hardware", service_definition=service, icon="🔧"
    )
    variable = catalog_services.catalog_item_variable_create
    variable(actor=None, item=item, name="part", label="Which part?", kind="text", required=True, order=1)
    variable(actor=None, item=item, name="quantity", label="How many?", kind="integer", required=True, order=2)
    variable(actor=None, item=item, name="needed_by", label="Needed by", kind="date", order=3)
    variable(actor=None, item=item, name="colour", label="Colour", kind="choice", choices=["black", "white"], order=4)
    variable(actor=None, item=item, name="urgent", label="Urgent?", kind="boolean", order=5)
    variable(actor=None, item=item, name="notify", label="Also tell", kind="email", order=6)
    variable(actor=None, item=item, name="notes", label="Notes", kind="multiline", order=7)
    variable(actor=None, item=item, name="budget", label="Budget", kind="decimal", order=8)
    return item
