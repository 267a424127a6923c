"""Case-type extra fields, the entitlement hook, first response and other derivations."""
import pytest
from django.core.exceptions import ValidationError

from cases import hooks, services
from cases.models import CaseTypeField
from tests.cases.conftest import act
from tests.factories import CaseTypeFactory, EntitlementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def typed(world):
    case_type = CaseTypeFactory(code="hardware")
    for name, kind, extra in (
        ("serial", "text", {"required": True}),
        ("units", "number", {}),
        ("since", "date", {}),
        ("under_warranty", "boolean", {}),
        ("severity", "choice", {"choices": ["minor", "major"]}),
    ):
        CaseTypeField.objects.create(case_type=case_type, name=name, label=name.title(), kind=kind, **extra)
    return case_type


def _create(world, case_type, extra):
    return services.case_create(
        actor=world.users["agent"], short_description="Typed", account=world.account, case_type=case_type, extra=extra
    )


def test_extra_fields_are_validated_and_typed(world, typed):
    case = _create(world, typed, {"serial": 123, "units": "2.50", "since": "2026-03-01", "under_warranty": True,
                                  "severity": "major"})
    assert case.extra == {"serial": "123", "units": "2.50", "since": "2026-03-01", "under_warranty": True,
                          "severity": "major"}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({}, "extra.serial"),
        ({"serial": "x", "units": "many"}, "extra.units"),
        ({"serial": "x", "units": "NaN"}, "extra.units"),
        ({"serial": "x", "since": "yesterday"}, "extra.since"),
        ({"serial": "x", "under_warranty": "yes"}, "extra.under_warranty"),
        ({"serial": "x", "severity": "apocalyptic"}, "extra.severity"),
        ({"serial": "x", "colour": "red"}, "extra.colour"),
    ],
)
def test_bad_extra_values_name_the_field(world, typed, extra, field):
    with pytest.raises(ValidationError) as exc:
        _create(world, typed, extra)
    assert field in exc.value.message_dict


def test_extra_fields_through_the_api(api_as, world, typed):
    response = api_as("agent").post(
        "/api/v1/cases/",
        {"short_description": "API", "account": world.account.pk, "case_type": typed.pk, "extra": {"severity": "minor"}},
    )
    assert response.status_code == 400 and "extra.serial" in response.data["errors"]
    response = api_as("agent").post(
        "/api/v1/cases/",
        {"short_description": "API", "account": world.account.pk, "case_type": typed.pk, "extra": {"serial": "S1"}},
    )
    assert response.status_code == 201 and response.data["extra"] == {"serial": "S1"}


def test_case_type_api_lists_its_fields(api_as, typed):
    body = api_as("customer").get(f"/api/v1/case-types/{typed.pk}/").data
    assert [f["name"] for f in body["fields"]] == ["serial", "units", "since", "under_warranty", "severity"]


def test_entitlement_hook_chooses_the_entitlement(world):
    chosen = EntitlementFactory(account=world.account)
    previous = hooks._entitlement_resolver
    hooks.register_entitlement_resolver(lambda case: chosen)
    try:
        case = services.case_create(actor=world.users["agent"], short_description="E", account=world.account)
    finally:
        hooks.register_entitlement_resolver(previous)  # the product's resolver, for the tests after
    assert case.entitlement == chosen


def test_created_hook_runs_inside_creation(world):
    seen = []
    hooks.register_case_created(seen.append)
    try:
        case = services.case_create(actor=world.users["agent"], short_description="H", account=world.account)
    finally:
        hooks._created_callbacks.remove(seen.append)
    assert seen == [case]


def test_entitlement_of_another_customer_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.case_create(actor=world.users["agent"], short_description="E", account=world.account,
                             entitlement=EntitlementFactory(account=world.other_account))
    assert "entitlement" in exc.value.message_dict


def test_first_response_is_the_first_agent_comment(world, open_case):
    services.case_comment_add(actor=world.users["customer"], case=open_case, body="Anyone?")
    open_case.refresh_from_db()
    assert open_case.first_response_at is None
    services.case_comment_add(actor=world.users["agent"], case=open_case, body="On it")
    open_case.refresh_from_db()
    first = open_case.first_response_at
    assert first is not None
    act(world, "agent", open_case, "assign-to-me")
    case = act(world, "agent", open_case, "request-info", comment="Which one?")
    assert case.first_response_at == first


def test_consumer_cases(world):
    from customers.services import consumer_create
    from tests.factories import user_with_roles

    login = user_with_roles()
    consumer = consumer_create(actor=None, first_name="Con", last_name="Sumer", user=login)
    case = services.case_create(actor=login, short_description="Mine")
    assert case.consumer == consumer and case.account is None


def test_a_case_needs_a_customer(world):
    with pytest.raises(ValidationError) as exc:
        services.case_create(actor=world.users["agent"], short_description="Nobody's")
    assert "account" in exc.value.message_dict
