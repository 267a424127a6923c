import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from tests.factories import CaseTypeFactory, ServiceDefinitionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["agent", "manager", "customer_admin"])
def test_only_admins_define_case_types(persona, world):
    with pytest.raises(PermissionDenied):
        services.case_type_create(actor=world.user(persona), name="Orders", code="orders")


@pytest.mark.parametrize("persona", ["agent", "manager", "customer"])
def test_only_admins_change_case_types(persona, world):
    case_type = CaseTypeFactory()
    with pytest.raises(PermissionDenied):
        services.case_type_update(actor=world.user(persona), instance=case_type, active=False)
    case_type.refresh_from_db()
    assert case_type.active


def test_admin_creates_case_type_with_services(world):
    service = ServiceDefinitionFactory()
    case_type = services.case_type_create(
        actor=world.user("admin"), name="Orders", code="orders", service_definitions=[service]
    )
    assert list(case_type.service_definitions.all()) == [service]
    assert list(service.case_types.all()) == [case_type]


def test_update_without_service_definitions_keeps_them(world):
    service = ServiceDefinitionFactory()
    case_type = services.case_type_create(actor=None, name="Orders", code="orders", service_definitions=[service])
    services.case_type_update(actor=None, instance=case_type, description="Orders and returns")
    assert list(case_type.service_definitions.all()) == [service]


def test_duplicate_code_is_a_field_error(world):
    CaseTypeFactory(code="orders")
    with pytest.raises(ValidationError) as exc:
        services.case_type_create(actor=None, name="Orders 2", code="orders")
    assert "code" in exc.value.message_dict
