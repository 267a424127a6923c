"""SLAs in the admin console: definitions edited through the service (conditions refused on the
right field, nothing saved), task SLAs read-only with their intervals, recompute actions."""
import datetime
import json

import pytest

from cases.models import SlaDefinition, TaskSla
from catalog import services as catalog_services
from tests import factories as f
from tests.cases.sla_helpers import clock, new_case  # noqa: F401  (clock is a fixture)
from tests.matrix import matrix

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)


def assert_admin_status(response, expected: int) -> None:
    assert response.status_code == expected, f"{response.status_code} != {expected}"
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")


@pytest.fixture
def running(world, clock):
    f.SlaDefinitionFactory(name="Resolution", pause_condition=f.AWAITING)
    return TaskSla.objects.get(case=new_case(world))


def definition_form(**overrides):
    data = {
        "name": "Response", "description": "", "active": "on", "target": "response", "duration": "04:00:00",
        "schedule": "", "schedule_source": "definition", "retroactive_start": "opened_at",
        "start_condition": json.dumps([{"field": "state_category", "op": "eq", "value": "new"}]),
        "pause_condition": "[]", "resume_condition": "[]",
        "stop_condition": json.dumps([{"field": "state_category", "op": "ne", "value": "new"}]),
        "cancel_condition": "[]", "reset_condition": "[]", "when_to_resume": "pause_not_met",
        "when_to_cancel": "start_not_met", "account": "", "product": "", "contract": "",
    }
    return {**data, **overrides}


@matrix(anonymous=302, external=302, internal=302, admin=200)
@pytest.mark.parametrize("page", ["sladefinition/", "sladefinition/add/", "tasksla/"])
def test_admin_pages(persona, expected, page, client_as, running):
    assert_admin_status(client_as(persona).get(f"/admin/cases/{page}"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_task_sla_page_shows_its_intervals(persona, expected, client_as, running):
    response = client_as(persona).get(f"/admin/cases/tasksla/{running.pk}/change/")
    assert_admin_status(response, expected)
    if expected == 200:
        assert "start condition matched (state category is new)" in response.content.decode()


def test_task_slas_cannot_be_added_or_edited(client_as, running):
    client = client_as("admin")
    assert client.get("/admin/cases/tasksla/add/").status_code == 403
    client.post(f"/admin/cases/tasksla/{running.pk}/change/", {"stage": "completed"})
    running.refresh_from_db()
    assert running.stage == "in_progress"


def test_admin_creates_a_definition_with_normalised_conditions(client_as, world):
    payload = definition_form(start_condition=json.dumps([{"field": "priority", "op": "in", "value": ["1", "2"]}]))
    response = client_as("admin").post("/admin/cases/sladefinition/add/", payload)
    assert response.status_code == 302, response.content.decode()[:3000]
    definition = SlaDefinition.objects.get(name="Response")
    assert definition.start_condition == [{"field": "priority", "op": "in", "value": [1, 2]}]
    assert definition.duration == 4 * H


def test_a_bad_condition_is_shown_on_its_field_and_nothing_is_saved(client_as, world):
    payload = definition_form(pause_condition=json.dumps([{"field": "state", "op": "eq", "value": "on_hold"}]))
    response = client_as("admin").post("/admin/cases/sladefinition/add/", payload)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "No lifecycle has the state(s) on_hold." in str(form.errors["pause_condition"])
    assert not SlaDefinition.objects.exists()


def test_a_bad_operator_is_refused_on_its_field(client_as, world):
    payload = definition_form(stop_condition=json.dumps([{"field": "priority", "op": "changes"}]))
    response = client_as("admin").post("/admin/cases/sladefinition/add/", payload)
    assert "only for reset conditions" in str(response.context["adminform"].form.errors["stop_condition"])


def test_the_definition_page_reads_the_conditions_in_words(client_as, running):
    response = client_as("admin").get(f"/admin/cases/sladefinition/{running.definition_id}/change/")
    assert "state category is awaiting" in response.content.decode()


def test_recompute_actions(client_as, world, running):
    schedule = catalog_services.schedule_create(actor=None, name="Weekdays", time_zone="UTC")
    TaskSla.objects.filter(pk=running.pk).update(schedule=schedule)  # as if it had attached on it
    catalog_services.schedule_span_create(actor=None, schedule=schedule, weekday=0,
                                          start_time=datetime.time(9), end_time=datetime.time(13))
    client = client_as("admin")
    response = client.post("/admin/cases/tasksla/", {"action": "recompute_selected", "_selected_action": [running.pk]},
                           follow=True)
    assert "1 running SLA(s) recomputed." in response.content.decode()
    running.refresh_from_db()
    assert running.breach_time == datetime.datetime(2026, 6, 8, 13, tzinfo=datetime.UTC)  # 4 h each Monday
    response = client.post("/admin/cases/sladefinition/",
                           {"action": "recompute_running", "_selected_action": [running.definition_id]}, follow=True)
    assert "1 running SLA(s) recomputed." in response.content.decode()
