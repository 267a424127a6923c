"""Key details edited in place (one field at a time with htmx) and in the "Edit details" form
(without JavaScript): saved through case_update, validation errors on the field, a concurrent
change (version) shown as a conflict, typed extra fields of the case type."""
import pytest

from cases import services
from cases.models import Case, CaseTypeField
from tests.cases.record.conftest import htmx
from tests.factories import CaseTypeFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


def _field_post(client, case, field, data, version=None):
    return client.post(f"/cases/{case.number}/details/{field}/edit/",
                       {**data, "version": case.version if version is None else version}, **htmx(client))


@matrix(anonymous=302, external=404, internal=200)
def test_in_place_save_is_for_staff_only(persona, expected, client_as, open_case):
    response = _field_post(client_as(persona), open_case, "priority", {"priority": 2})
    assert_status(response, expected)
    open_case.refresh_from_db()
    assert (open_case.priority == 2) == (expected == 200)


@matrix(anonymous=302, external=404, internal=302)
def test_details_form_save_is_for_staff_only(persona, expected, client_as, open_case):
    data = {"version": open_case.version, "short_description": "Printer on fire (2nd floor)", "category": "issue",
            "channel": "web", "impact": 3, "urgency": 3, "priority": 4, "contact": open_case.contact_id}
    response = client_as(persona).post(f"/cases/{open_case.number}/details/edit/", data)
    assert_status(response, expected)
    open_case.refresh_from_db()
    assert (open_case.short_description == "Printer on fire (2nd floor)") == (persona in ("agent", "manager", "admin"))


def test_field_editor_swaps_in_a_one_field_form(client_as, open_case):
    client = client_as("agent")
    body = client.get(f"/cases/{open_case.number}/details/priority/edit/", **htmx(client)).content.decode()
    assert 'id="field-priority"' in body and 'name="priority"' in body and 'name="urgency"' not in body
    assert 'hx-include="#case-version"' in body and "<html" not in body


def test_in_place_save_returns_the_read_view_and_refreshes_header_and_timeline(client_as, open_case):
    client = client_as("agent")
    response = _field_post(client, open_case, "priority", {"priority": 1})
    body = response.content.decode()
    open_case.refresh_from_db()
    assert open_case.priority == 1
    read = body.split('id="case-header"')[0]
    assert 'id="field-priority"' in read and "1 - Critical" in read and "<form" not in read
    assert 'id="case-header" hx-swap-oob="true"' in body and "P1" in body.split('id="case-header"')[1]
    timeline = body.split('id="timeline"')[1]
    assert timeline.startswith(' hx-swap-oob="true"') and "<del>4 - Low</del> → <strong>1 - Critical</strong>" in timeline
    assert f'id="case-version" name="version" value="{open_case.version}" hx-swap-oob="true"' in body


def test_in_place_save_records_the_change_on_the_timeline(client_as, open_case):
    _field_post(client_as("agent"), open_case, "short_description", {"short_description": "Printer smoking"})
    change = open_case.events.get(kind="field_changed", field="short_description")
    assert (change.old, change.new) == ("Printer on fire", "Printer smoking")


def test_impact_change_rederives_priority_while_a_set_priority_stays(client_as, open_case):
    client = client_as("agent")
    _field_post(client, open_case, "impact", {"impact": 1})
    open_case.refresh_from_db()
    assert open_case.priority == 3  # impact 1 x urgency 3
    _field_post(client, open_case, "priority", {"priority": 2})
    open_case.refresh_from_db()
    assert open_case.priority == 2


def test_validation_error_shows_on_the_field(client_as, open_case):
    response = _field_post(client_as("agent"), open_case, "short_description", {"short_description": ""})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="field-short_description"' in body and 'class="error"' in body and "required" in body
    open_case.refresh_from_db()
    assert open_case.short_description == "Printer on fire"


def test_service_refusal_shows_on_the_field(client_as, open_case, world):
    """The parent must not make a cycle: the service says so, on the parent field."""
    child = services.case_create(actor=world.users["agent"], short_description="Child",
                                 contact=world.contacts["customer"], parent=open_case)
    response = _field_post(client_as("agent"), open_case, "parent", {"parent": child.number})
    assert response.status_code == 422
    assert "cycle" in response.content.decode()


def test_concurrent_change_is_a_clear_conflict_not_an_overwrite(client_as, open_case, world):
    stale = open_case.version
    services.case_update(actor=world.users["manager"], instance=open_case, priority=2)
    response = _field_post(client_as("agent"), open_case, "priority", {"priority": 1}, version=stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed by someone else" in body and "Reload the case" in body
    open_case.refresh_from_db()
    assert open_case.priority == 2


def test_conflict_on_the_details_page_without_javascript(client_as, open_case, world):
    stale = open_case.version
    services.case_comment_add(actor=world.users["manager"], case=open_case, body="Looking")
    data = {"version": stale, "short_description": "Mine", "category": "issue", "channel": "web", "impact": 3,
            "urgency": 3, "priority": 4, "contact": open_case.contact_id}
    response = client_as("agent").post(f"/cases/{open_case.number}/details/edit/", data)
    assert response.status_code == 409 and "changed by someone else" in response.content.decode()
    assert Case.objects.get(pk=open_case.pk).short_description == "Printer on fire"


def test_details_page_without_javascript_saves_only_what_changed(client_as, open_case):
    data = {"version": open_case.version, "short_description": "Printer on fire", "category": "question",
            "channel": "phone", "impact": 3, "urgency": 3, "priority": 4, "contact": open_case.contact_id}
    response = client_as("agent").post(f"/cases/{open_case.number}/details/edit/", data)
    assert response.status_code == 302 and response["Location"] == f"/cases/{open_case.number}/"
    open_case.refresh_from_db()
    assert (open_case.category, open_case.channel) == ("question", "phone")
    assert not open_case.events.filter(kind="field_changed", field="short_description").exists()


def test_details_form_swapped_in_place_returns_the_card(client_as, open_case):
    client = client_as("agent")
    form = client.get(f"/cases/{open_case.number}/details/edit/", **htmx(client)).content.decode()
    assert "<html" not in form and 'hx-target="#case-details"' in form
    data = {"version": open_case.version, "short_description": "Printer on fire", "category": "issue",
            "channel": "email", "impact": 3, "urgency": 3, "priority": 4, "contact": open_case.contact_id}
    body = client.post(f"/cases/{open_case.number}/details/edit/", data, **htmx(client)).content.decode()
    assert body.startswith('<section class="card details" id="case-details"') and "Email" in body
    assert 'hx-swap-oob="true"' in body


def test_contact_choices_are_the_case_accounts_contacts(client_as, open_case, world):
    client = client_as("agent")
    body = client.get(f"/cases/{open_case.number}/details/contact/edit/", **htmx(client)).content.decode()
    assert "Dana Diaz" in body and "Carl Cruz" in body
    assert "Erin Eng" not in body  # Globex's contact


def test_cancel_returns_the_read_view_of_the_field(client_as, open_case):
    client = client_as("agent")
    body = client.get(f"/cases/{open_case.number}/details/priority/", **htmx(client)).content.decode()
    assert 'id="field-priority"' in body and "<form" not in body and "4 - Low" in body


# --- the case type's typed extra fields ------------------------------------------------------------
@pytest.fixture
def typed_case(world):
    case_type = CaseTypeFactory(name="Hardware", code="hardware")
    CaseTypeField.objects.create(case_type=case_type, name="serial", label="Serial number", kind="text", required=True)
    CaseTypeField.objects.create(case_type=case_type, name="units", label="Units", kind="number")
    CaseTypeField.objects.create(case_type=case_type, name="bought", label="Bought on", kind="date")
    CaseTypeField.objects.create(case_type=case_type, name="under_warranty", label="Under warranty", kind="boolean")
    CaseTypeField.objects.create(case_type=case_type, name="colour", label="Colour", kind="choice",
                                 choices=["black", "white"], customer_visible=False)
    return services.case_create(actor=world.users["agent"], short_description="Broken laptop", case_type=case_type,
                                contact=world.contacts["customer"], extra={"serial": "SN-1", "under_warranty": True})


def test_extra_fields_are_shown(client_as, typed_case):
    details = client_as("agent").get(f"/cases/{typed_case.number}/").content.decode().split('id="case-details"')[1]
    details = details.split("</section>")[0]
    for label in ("Serial number", "Units", "Bought on", "Under warranty", "Colour"):
        assert label in details
    assert "SN-1" in details and "Yes" in details and "internal" in details  # colour is not customer-visible


@pytest.mark.parametrize(("field", "value", "stored"), [
    ("serial", "SN-2", "SN-2"), ("units", "3", "3"), ("bought", "2026-03-01", "2026-03-01"),
    ("under_warranty", "false", False), ("colour", "white", "white"),
])
def test_extra_field_edited_in_place(field, value, stored, client_as, typed_case):
    response = _field_post(client_as("agent"), typed_case, f"extra__{field}", {f"extra__{field}": value})
    assert response.status_code == 200, response.content[:300]
    typed_case.refresh_from_db()
    assert typed_case.extra[field] == stored
    assert typed_case.extra["serial"] in ("SN-1", "SN-2")  # the others are kept


def test_extra_field_errors_show_on_the_field(client_as, typed_case):
    client = client_as("agent")
    response = _field_post(client, typed_case, "extra__units", {"extra__units": "many"})
    assert response.status_code == 422 and "is not a number" in response.content.decode()
    response = _field_post(client, typed_case, "extra__serial", {"extra__serial": ""})
    assert response.status_code == 422 and "is required" in response.content.decode()
