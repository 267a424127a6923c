"""Entitlements on cases (reference 3.5): candidates, weights, explicit choice and override, the
agent-only warning, Cases consumed on close (once) and Hours consumed by time worked."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import hooks, services
from cases.models import CaseEvent, EntitlementUsage
from cases.services import entitlements
from catalog.services import entitlement_create
from core.exceptions import InvalidTransition
from tests.cases.conftest import act
from tests.factories import AssetFactory, ContractFactory, ProductFactory, SoldProductFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
PAST = TODAY - datetime.timedelta(days=30)


def ent(owner, **fields):
    """An entitlement through the catalog service, active from a month ago on web/email/phone."""
    fields = {"name": f"E{ent.n}", "starts_on": PAST, "channels": ["web", "email", "phone"], **fields}
    ent.n += 1
    owner_field = "consumer" if owner.__class__.__name__ == "Consumer" else "account"
    return entitlement_create(actor=None, **{owner_field: owner}, **fields)


ent.n = 0


def new_case(world, persona="agent", **fields):
    if persona in ("agent", "manager", "admin"):
        fields.setdefault("account", world.account)
    return services.case_create(actor=world.users[persona], short_description="Help", **fields)


@pytest.fixture(autouse=True)
def product_resolver():
    """The product's resolver is registered at startup; a test elsewhere that swaps it must not
    leave another one behind for these."""
    previous = hooks._entitlement_resolver
    hooks.register_entitlement_resolver(entitlements.entitlement_resolve)
    yield
    hooks.register_entitlement_resolver(previous)


# --- candidates ----------------------------------------------------------------------------------
def test_the_only_candidate_is_set_on_a_new_case(world):
    e = ent(world.account)
    assert new_case(world).entitlement == e


@pytest.mark.parametrize(
    "fields",
    [
        {"active": False},
        {"starts_on": TODAY + datetime.timedelta(days=1)},
        {"ends_on": TODAY - datetime.timedelta(days=1), "starts_on": PAST},
        {"channels": ["phone"]},
    ],
    ids=["inactive", "not-started", "expired", "other-channel"],
)
def test_entitlements_that_do_not_apply_are_not_chosen(world, fields):
    ent(world.account, **fields)
    assert new_case(world).entitlement is None


def test_an_open_ended_entitlement_and_one_ending_today_apply(world):
    ending = ent(world.account, ends_on=TODAY)
    assert entitlements.entitlement_candidates(new_case(world)) == [(1, ending)]


def test_another_customers_entitlement_is_not_a_candidate(world):
    ent(world.other_account)
    assert new_case(world).entitlement is None


def test_a_product_entitlement_does_not_cover_another_product(world):
    ent(world.account, product=ProductFactory())
    assert new_case(world, product=ProductFactory()).entitlement is None


def test_an_exhausted_per_unit_entitlement_is_not_a_candidate(world):
    e = ent(world.account, per_unit=True, unit="cases", total_units=1)
    e.remaining_units = 0
    e.save()
    assert new_case(world).entitlement is None


def test_a_consumer_case_gets_the_consumers_entitlement(world):
    from customers.services import consumer_create

    connie = consumer_create(actor=None, first_name="Con", last_name="Sumer")
    e = ent(connie)
    ent(world.account)
    assert new_case(world, account=None, consumer=connie).entitlement == e


def test_weights_contract_over_asset_over_product_over_account(world):
    product = ProductFactory()
    contract = ContractFactory(account=world.account)
    asset = AssetFactory(account=world.account, product=product)
    by_account = ent(world.account)
    by_product = ent(world.account, product=product)
    by_asset = ent(world.account, asset=asset)
    by_contract = ent(world.account, contract=contract)
    case = new_case(world, asset=asset, contract=contract)
    scores = {e.pk: score for score, e in entitlements.entitlement_candidates(case)}
    assert scores == {by_account.pk: 1, by_product.pk: 3, by_asset.pk: 4, by_contract.pk: 5}
    assert case.entitlement == by_contract


def test_a_contract_entitlement_covers_what_was_sold_under_it(world):
    contract = ContractFactory(account=world.account)
    product = ProductFactory()
    sold = SoldProductFactory(account=world.account, product=product, contract=contract)
    asset = AssetFactory(account=world.account, product=product, sold_product=sold)
    by_contract = ent(world.account, contract=contract)
    assert new_case(world, asset=asset).entitlement == by_contract
    assert new_case(world, sold_product=sold).entitlement == by_contract
    assert new_case(world, asset=AssetFactory(account=world.account, product=product)).entitlement is None


def test_matches_add_up(world):
    product = ProductFactory()
    sold = SoldProductFactory(account=world.account, product=product)
    both = ent(world.account, product=product, sold_product=sold)
    ent(world.account, product=product)
    case = new_case(world, product=product, sold_product=sold)
    assert entitlements.entitlement_candidates(case)[0] == (1 + 2 + 3, both)
    assert case.entitlement == both


def test_ties_go_to_the_one_ending_first_then_the_oldest(world):
    open_ended = ent(world.account)
    later = ent(world.account, ends_on=TODAY + datetime.timedelta(days=90))
    sooner = ent(world.account, ends_on=TODAY + datetime.timedelta(days=10))
    case = new_case(world)
    assert [e for _, e in entitlements.entitlement_candidates(case)] == [sooner, later, open_ended]
    twin = ent(world.account, ends_on=sooner.ends_on)
    assert [e for _, e in entitlements.entitlement_candidates(case)][:2] == [sooner, twin]


# --- explicit choice and override ----------------------------------------------------------------
def test_an_explicit_candidate_is_kept(world):
    ent(world.account, ends_on=TODAY)
    chosen = ent(world.account)
    assert new_case(world, entitlement=chosen).entitlement == chosen


def test_an_explicit_entitlement_that_does_not_apply_is_refused(world):
    phone_only = ent(world.account, channels=["phone"])
    with pytest.raises(ValidationError) as exc:
        new_case(world, entitlement=phone_only)
    assert "entitlement_override_reason" in exc.value.message_dict["entitlement"][0]


def test_an_agent_overrides_with_a_reason_and_the_timeline_records_it(world):
    phone_only = ent(world.account, channels=["phone"])
    case = new_case(world, entitlement=phone_only, entitlement_override_reason="Goodwill for the outage")
    assert case.entitlement == phone_only and case.entitlement_override_reason == "Goodwill for the outage"
    note = case.events.get(kind="work_note")
    assert "Goodwill for the outage" in note.body and not note.customer_visible


def test_a_reason_without_an_entitlement_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        new_case(world, entitlement_override_reason="Because")
    assert "entitlement_override_reason" in exc.value.message_dict


def test_a_candidate_needs_no_override_reason(world):
    e = ent(world.account)
    case = new_case(world, entitlement=e, entitlement_override_reason="Not needed")
    assert case.entitlement_override_reason == ""


def test_customers_cannot_override(world, api_as):
    phone_only = ent(world.account, channels=["phone"])
    response = api_as("customer").post(
        "/api/v1/cases/",
        {"short_description": "Mine", "entitlement": phone_only.pk, "entitlement_override_reason": "Please"},
    )
    assert_status(response, 400)
    assert set(response.data["errors"]) >= {"entitlement", "entitlement_override_reason"}


def test_patching_in_an_entitlement_that_does_not_apply_needs_a_reason(world, api_as):
    case = new_case(world)
    phone_only = ent(world.account, channels=["phone"])
    client = api_as("agent")
    response = client.patch(f"/api/v1/cases/{case.pk}/", {"entitlement": phone_only.pk})
    assert_status(response, 400)
    assert "entitlement" in response.data["errors"]
    response = client.patch(
        f"/api/v1/cases/{case.pk}/", {"entitlement": phone_only.pk, "entitlement_override_reason": "VIP"}
    )
    assert_status(response, 200)
    assert response.data["entitlement"] == phone_only.pk and response.data["entitlement_override_reason"] == "VIP"


# --- the warning ---------------------------------------------------------------------------------
def test_agents_are_warned_when_no_entitlement_applies(world, api_as):
    case = new_case(world, "customer")
    data = api_as("agent").get(f"/api/v1/cases/{case.pk}/").data
    assert case.entitlement is None and data["entitlement_warning"].startswith("No entitlement")


def test_agents_are_warned_about_an_override(world, api_as):
    case = new_case(world, entitlement=ent(world.account, channels=["chat"]), entitlement_override_reason="VIP")
    assert "VIP" in api_as("agent").get(f"/api/v1/cases/{case.pk}/").data["entitlement_warning"]


def test_no_warning_when_a_candidate_is_set(world, api_as):
    ent(world.account)
    case = new_case(world)
    assert api_as("agent").get(f"/api/v1/cases/{case.pk}/").data["entitlement_warning"] is None


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner"])
def test_customers_never_see_the_warning_or_the_override(world, api_as, persona):
    case = new_case(world, "customer")
    for url in (f"/api/v1/cases/{case.pk}/", "/api/v1/cases/"):
        body = api_as(persona).get(url).data
        row = body if "results" not in body else body["results"][0]
        assert "entitlement_warning" not in row and "entitlement_override_reason" not in row


# --- units: cases --------------------------------------------------------------------------------
@pytest.fixture
def case_units(world):
    return ent(world.account, per_unit=True, unit="cases", total_units=2)


def close(world, case):
    return act(world, "agent", case, "close", resolution_code="solved_fixed", close_notes="Done")


def test_closing_a_case_uses_one_case_unit(world, case_units):
    case = new_case(world)
    assert case.entitlement == case_units
    close(world, case)
    case_units.refresh_from_db()
    assert case_units.remaining_units == 1
    usage = EntitlementUsage.objects.get(case=case)
    assert (usage.kind, usage.charged, usage.overage) == ("case_closed", 1, 0)
    note = case.events.filter(kind="work_note", body__contains="1.00 cases left").get()
    assert not note.customer_visible


def test_a_closed_case_is_charged_once_whatever_saves_it_later(world, case_units):
    case = close(world, new_case(world))
    hooks.case_changed(case)  # any later save of the closed case runs the hook again
    entitlements.case_entitlement_on_case_change(case)
    case_units.refresh_from_db()
    assert case_units.remaining_units == 1 and EntitlementUsage.objects.filter(case=case).count() == 1


def test_the_ledger_refuses_a_second_close_charge(world, case_units):
    from django.db import IntegrityError, transaction

    case = close(world, new_case(world))
    with pytest.raises(IntegrityError), transaction.atomic():
        EntitlementUsage.objects.create(
            entitlement=case_units, case=case, kind="case_closed", units=1, charged=1, created_at=case.closed_at
        )


def test_cancelling_uses_no_unit(world, case_units):
    act(world, "agent", new_case(world), "cancel", reason="Duplicate")
    case_units.refresh_from_db()
    assert case_units.remaining_units == 2


def test_units_never_go_below_zero_the_overage_is_flagged(world, case_units):
    cases = [new_case(world) for _ in range(3)]
    assert {c.entitlement for c in cases} == {case_units}
    for case in cases:
        close(world, case)
    case_units.refresh_from_db()
    assert case_units.remaining_units == 0
    last = EntitlementUsage.objects.get(case=cases[-1])
    assert (last.charged, last.overage) == (0, 1)
    assert cases[-1].events.filter(kind="work_note", body__contains="overage").exists()


def test_an_unlimited_entitlement_is_not_charged(world):
    e = ent(world.account)
    close(world, new_case(world))
    assert not EntitlementUsage.objects.filter(entitlement=e).exists()


# --- units: hours --------------------------------------------------------------------------------
@pytest.fixture
def hours(world):
    return ent(world.account, per_unit=True, unit="hours", total_units=2)


def log(world, case, minutes, persona="agent", **fields):
    return entitlements.case_time_entry_add(actor=world.users[persona], case=case, minutes=minutes, **fields)


def test_time_worked_is_charged_to_an_hours_entitlement(world, hours):
    case = new_case(world)
    entry = log(world, case, 90, note="Replaced the fuser")
    hours.refresh_from_db()
    assert hours.remaining_units == Decimal("0.50")
    assert entry.entitlement == hours and entry.usage.charged == Decimal("1.50")
    assert case.events.filter(kind="work_note", body__contains="90 min").exists()


def test_short_entries_add_up_without_rounding_drift(world, hours):
    case = new_case(world)
    for _ in range(3):
        log(world, case, 20)
    hours.refresh_from_db()
    assert hours.remaining_units == Decimal("1.00")


def test_time_beyond_the_remaining_hours_is_overage_never_negative(world, hours):
    case = new_case(world)
    log(world, case, 100)
    entry = log(world, case, 60)
    hours.refresh_from_db()
    assert hours.remaining_units == 0
    assert (entry.usage.charged, entry.usage.overage) == (Decimal("0.33"), Decimal("0.67"))


def test_time_on_a_case_without_an_hours_entitlement_charges_nothing(world, case_units):
    entry = log(world, new_case(world), 30)
    assert entry.entitlement is None and not EntitlementUsage.objects.filter(time_entry=entry).exists()


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_minutes_out_of_range_are_refused(world, minutes):
    with pytest.raises(ValidationError) as exc:
        log(world, new_case(world), minutes)
    assert "minutes" in exc.value.message_dict


def test_time_cannot_be_logged_for_tomorrow(world):
    with pytest.raises(ValidationError) as exc:
        log(world, new_case(world), 10, worked_on=TODAY + datetime.timedelta(days=1))
    assert "worked_on" in exc.value.message_dict


def test_customers_do_not_log_time(world, open_case):
    with pytest.raises(PermissionDenied):
        log(world, open_case, 10, persona="customer")


def test_no_time_on_a_closed_case(world):
    case = close(world, new_case(world))
    with pytest.raises(InvalidTransition):
        log(world, case, 10)


# --- API: /cases/{id}/time/ ----------------------------------------------------------------------
CUSTOMER_SIDE_403 = {"customer": 403, "customer_admin": 403, "partner": 403}


@matrix(**CUSTOMER_SIDE_403)
def test_time_list_access(persona, expected, api_as, world, open_case):
    log(world, open_case, 15)
    response = api_as(persona).get(f"/api/v1/cases/{open_case.pk}/time/")
    assert_status(response, expected)
    if expected == 200:
        assert response.data["results"][0]["minutes"] == 15


@matrix(**CUSTOMER_SIDE_403, internal=201)
def test_time_create_access(persona, expected, api_as, open_case):
    response = api_as(persona).post(f"/api/v1/cases/{open_case.pk}/time/", {"minutes": 45, "note": "Call"})
    assert_status(response, expected)
    assert open_case.time_entries.filter(minutes=45).exists() is (expected == 201)


def test_time_create_answers_with_the_charge(api_as, world, hours):
    case = new_case(world)
    response = api_as("agent").post(f"/api/v1/cases/{case.number}/time/", {"minutes": 30})
    assert_status(response, 201)
    assert (response.data["charged"], response.data["overage"], response.data["agent"]) == ("0.50", "0.00", "agent_alice")
    assert response.data["worked_on"] == TODAY.isoformat()


def test_time_create_bad_input_is_400(api_as, open_case):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/time/", {"minutes": 0})
    assert_status(response, 400)
    assert "minutes" in response.data["errors"]


def test_time_list_query_count_is_bounded(api_as, world, hours, django_assert_max_num_queries):
    case = new_case(world)
    counts = []
    for total in (3, 15):
        while case.time_entries.count() < total:
            log(world, case, 1)
        with django_assert_max_num_queries(8) as captured:
            response = api_as("agent").get(f"/api/v1/cases/{case.pk}/time/?page_size=50")
        assert response.data["count"] == total
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_closed_case_time_is_read_only(api_as, world):
    case = close(world, new_case(world))
    assert_status(api_as("agent").post(f"/api/v1/cases/{case.pk}/time/", {"minutes": 5}), 409)
    assert CaseEvent.objects.filter(case=case, body__startswith="Time worked").count() == 0
