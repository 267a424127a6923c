"""SLA definitions and their condition language: checked and normalised by the service, refused
with a message naming the condition and the clause; who may define them; the demo definitions."""
import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import SlaDefinition, TaskSla
from cases.sla_conditions import condition_clean, condition_describe, condition_matches
from tests import factories as f
from tests.cases.sla_helpers import MONDAY_9, act, clock, new_case  # noqa: F401  (clock is a fixture)

H = datetime.timedelta(hours=1)


def create(**fields):
    fields = {"name": "SLA", "duration": H, "start_condition": [{"field": "priority", "op": "eq", "value": 1}], **fields}
    return services.sla_definition_create(actor=None, **fields)


# --- the language (pure) -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("state=new", "A condition is a list"),
        ([{"field": "password", "op": "eq", "value": "x"}], "'password' is not a field"),
        ([{"field": "priority", "op": "like", "value": 1}], "'like' is not an operator"),
        ([{"field": "priority", "op": "eq", "value": 9}], "9 is not a priority"),
        ([{"field": "priority", "op": "eq", "value": "high"}], "priority takes a whole number"),
        ([{"field": "priority", "op": "in", "value": []}], "non-empty list"),
        ([{"field": "priority", "op": "eq", "value": [1]}], "use 'in' for a list"),
        ([{"field": "priority", "op": "eq"}], "'eq' needs a value"),
        ([{"field": "assigned_to", "op": "is_empty", "value": 3}], "'is_empty' takes no value"),
        ([{"field": "needs_attention", "op": "eq", "value": "yes"}], "true or false"),
        ([{"field": "channel", "op": "eq", "value": "fax"}], "'fax' is not a channel"),
        ([{"field": "account", "op": "eq", "value": True}], "account takes an id"),
        ([{"field": "priority", "op": "eq", "value": 1, "extra": 2}], "unknown key(s) extra"),
        ([{"any": []}], "at least one clause"),
        ([{"any": [{"any": [{"field": "priority", "op": "eq", "value": 1}]}]}], "do not nest"),
        ([{"field": "priority", "op": "changes"}], "only for reset conditions"),
        (["priority"], "each clause is an object"),
    ],
)
def test_bad_conditions_are_refused_naming_the_clause(condition, message):
    with pytest.raises(ValidationError) as error:
        condition_clean(condition)
    assert message in " ".join(error.value.messages)


def test_values_are_normalised():
    assert condition_clean([{"field": "priority", "op": "in", "value": ["1", 2]}]) == [
        {"field": "priority", "op": "in", "value": [1, 2]}
    ]
    assert condition_clean([{"field": "assigned_to", "op": "is_empty", "value": ""}]) == [
        {"field": "assigned_to", "op": "is_empty"}
    ]
    assert condition_clean(None) == []


def case_like(**values):
    defaults = dict(state="new", state_category="new", priority=3, channel="web", assigned_to_id=None,
                    needs_attention=False, account_id=7)
    return SimpleNamespace(**{**defaults, **values})


@pytest.mark.parametrize(
    ("clause", "values", "expected"),
    [
        ({"field": "priority", "op": "eq", "value": 3}, {}, True),
        ({"field": "priority", "op": "ne", "value": 3}, {}, False),
        ({"field": "priority", "op": "in", "value": [1, 2]}, {}, False),
        ({"field": "priority", "op": "not_in", "value": [1, 2]}, {}, True),
        ({"field": "assigned_to", "op": "is_empty"}, {}, True),
        ({"field": "assigned_to", "op": "is_not_empty"}, {"assigned_to_id": 4}, True),
        ({"field": "account", "op": "eq", "value": 7}, {}, True),
        ({"field": "needs_attention", "op": "eq", "value": True}, {}, False),
    ],
)
def test_each_operator(clause, values, expected):
    assert condition_matches([clause], case_like(**values)) is expected


def test_clauses_and_any_groups():
    either = {"any": [{"field": "channel", "op": "eq", "value": "email"}, {"field": "priority", "op": "eq", "value": 3}]}
    new = {"field": "state_category", "op": "eq", "value": "new"}
    assert condition_matches([new, either], case_like())
    assert not condition_matches([new, either], case_like(priority=1))
    assert not condition_matches([], case_like())  # empty never matches
    assert condition_describe([new, either]) == "state category is new and (channel is email or priority is 3)"


def test_changes_compares_with_the_snapshot():
    changes = [{"field": "assignment_group", "op": "changes"}]
    case = case_like(assignment_group_id=5)
    assert condition_matches(changes, case, watched={"assignment_group": 4})
    assert not condition_matches(changes, case, watched={"assignment_group": 5})
    assert not condition_matches(changes, case, watched={})


# --- the service ---------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_service_stores_cleaned_conditions(world):
    definition = create(pause_condition=[{"field": "state", "op": "eq", "value": "awaiting_info"}],
                        start_condition=[{"field": "priority", "op": "in", "value": ["1", "2"]}])
    assert definition.start_condition == [{"field": "priority", "op": "in", "value": [1, 2]}]


@pytest.mark.django_db
def test_errors_name_the_condition(world):
    with pytest.raises(ValidationError) as error:
        create(pause_condition=[{"field": "nope", "op": "eq", "value": 1}],
               stop_condition=[{"field": "priority", "op": "changes"}])
    assert set(error.value.message_dict) == {"pause_condition", "stop_condition"}


@pytest.mark.django_db
def test_unknown_states_are_refused(world):
    with pytest.raises(ValidationError) as error:
        create(stop_condition=[{"field": "state", "op": "in", "value": ["resolved", "solved"]}])
    assert error.value.message_dict == {"stop_condition": ["No lifecycle has the state(s) solved."]}


@pytest.mark.django_db
def test_a_start_condition_and_a_positive_duration_are_required(world):
    with pytest.raises(ValidationError) as error:
        create(start_condition=[], duration=datetime.timedelta(0))
    assert {"start_condition", "duration"} <= set(error.value.message_dict)


@pytest.mark.django_db
def test_reset_may_use_changes(world):
    definition = create(reset_condition=[{"field": "assignment_group", "op": "changes"}])
    assert definition.reset_condition == [{"field": "assignment_group", "op": "changes"}]


@pytest.mark.django_db
def test_only_admins_define_slas(world):
    with pytest.raises(PermissionDenied):
        services.sla_definition_create(actor=world.users["manager"], name="x", duration=H,
                                       start_condition=[{"field": "priority", "op": "eq", "value": 1}])
    definition = services.sla_definition_create(actor=world.users["admin"], name="x", duration=H,
                                                 start_condition=[{"field": "priority", "op": "eq", "value": 1}])
    with pytest.raises(PermissionDenied):
        services.sla_definition_update(actor=world.users["agent"], instance=definition, active=False)


@pytest.mark.django_db
def test_editing_a_definition_leaves_running_slas_their_duration(world, clock):
    definition = f.SlaDefinitionFactory(duration=4 * H)
    case = new_case(world)
    services.sla_definition_update(actor=None, instance=definition, duration=8 * H)
    assert TaskSla.objects.get(case=case).breach_time == MONDAY_9 + 4 * H
    assert TaskSla.objects.get(case=new_case(world)).breach_time == MONDAY_9 + 8 * H


# --- the reference's four examples as demo data --------------------------------------------------
@pytest.mark.django_db
def test_demo_definitions_install_once(world):
    made = services.sla_demo_definitions_install()
    assert [d.name for d in made] == [
        "Initial Response P1/P2", "Initial Response P3/P4", "Resolution P1/P2", "Resolution P3/P4",
    ]
    services.sla_demo_definitions_install()
    assert SlaDefinition.objects.count() == 4
    office = made[1].schedule
    assert (office.time_zone, office.spans.count()) == ("America/New_York", 5)
    assert made[0].schedule is None and made[2].duration == datetime.timedelta(days=2)


@pytest.mark.django_db
def test_demo_definitions_behave_as_the_reference_says(world, clock):
    services.sla_demo_definitions_install()
    urgent = new_case(world, priority=1)
    names = dict(TaskSla.objects.filter(case=urgent).values_list("definition__name", "breach_time"))
    assert names == {"Initial Response P1/P2": MONDAY_9 + 4 * H, "Resolution P1/P2": MONDAY_9 + 48 * H}
    clock.advance(hours=1)
    act(world, "agent", urgent, "assign-to-me")  # responds: response completes, resolution keeps going
    stages = dict(TaskSla.objects.filter(case=urgent).values_list("definition__name", "stage"))
    assert stages == {"Initial Response P1/P2": "completed", "Resolution P1/P2": "in_progress"}
    act(world, "agent", urgent, "request-info", comment="Logs?")
    assert TaskSla.objects.get(case=urgent, definition__name="Resolution P1/P2").stage == "paused"
    act(world, "agent", urgent, "info-received")
    act(world, "agent", urgent, "propose-solution", resolution_code="solved_fixed", close_notes="Done")
    assert TaskSla.objects.get(case=urgent, definition__name="Resolution P1/P2").stage == "completed"

    routine = new_case(world, priority=4)  # Monday 10:00 UTC is 06:00 in New York: before opening
    response = TaskSla.objects.get(case=routine, definition__name="Initial Response P3/P4")
    # 8 business hours from 08:00 New York (12:00 UTC, EDT): 16:00 New York, 20:00 UTC.
    assert response.breach_time == datetime.datetime(2026, 6, 1, 20, tzinfo=datetime.UTC)


@pytest.mark.django_db
@pytest.mark.usefixtures("no_world")
def test_seed_demo_ships_the_definitions_and_its_cases_get_slas():
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert SlaDefinition.objects.count() == 4
    assert TaskSla.objects.filter(definition__name__startswith="Resolution").exists()
    assert TaskSla.objects.filter(definition__name__startswith="Initial Response", stage="completed").exists()
