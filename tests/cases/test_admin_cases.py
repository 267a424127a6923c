"""The case admin: pages by persona, saves through the services, transitions and work notes as
admin actions that report each case's success or refusal and write nothing on refusal."""
import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services
from cases.choices import EventKind
from cases.models import Case, CaseEvent
from tests.cases.admin_helpers import assert_admin_status, form_data
from tests.factories import CaseFactory, ContactFactory
from tests.matrix import matrix

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/cases/case/"


@pytest.fixture
def case(world):
    return CaseFactory(account=world.account, short_description="Printer on fire")


def change_url(case) -> str:
    return f"/admin/cases/case/{case.pk}/change/"


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def run_action(client, action: str, cases, **data):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [c.pk for c in cases], **data})


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_case_changelist_access(persona, expected, client_as, case):
    assert_admin_status(client_as(persona).get(CHANGELIST), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_case_add_page_access(persona, expected, client_as, case):
    assert_admin_status(client_as(persona).get(f"{CHANGELIST}add/"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_case_change_page_access(persona, expected, client_as, case):
    assert_admin_status(client_as(persona).get(change_url(case)), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_case_action_page_access(persona, expected, client_as, case):
    response = run_action(client_as(persona), "add_work_note", [case])
    assert_admin_status(response, expected)


def test_admin_opens_a_case_through_the_service(client_as, world, mocker):
    create = mocker.spy(services, "case_create")
    response = client_as("admin").post(
        f"{CHANGELIST}add/",
        {"short_description": "Router down", "category": "issue", "channel": "phone", "impact": "1", "urgency": "1",
         "priority": "4", "account": world.account.pk, "extra": "{}"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(short_description="Router down")
    assert create.call_args.kwargs["actor"] == world.users["admin"]
    assert case.number.startswith("CS") and case.state == "new"
    assert case.priority == 1  # untouched priority: derived from impact x urgency
    assert case.events.filter(kind=EventKind.CREATED).exists()


def test_admin_edit_goes_through_case_update_and_leaves_state_alone(client_as, case, world):
    client = client_as("admin")
    data = form_data(client.get(change_url(case)))
    data.update(short_description="Printer smoking", state="closed")
    response = client.post(change_url(case), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case.refresh_from_db()
    assert case.short_description == "Printer smoking" and case.state == "new" and case.version == 2
    assert case.events.filter(kind=EventKind.FIELD_CHANGED, field="short_description").exists()


def test_admin_edit_refused_by_the_service_shows_field_error(client_as, case, world):
    client = client_as("admin")
    data = form_data(client.get(change_url(case)))
    data["contact"] = ContactFactory(account=world.other_account).pk
    response = client.post(change_url(case), data)
    assert response.status_code == 200
    assert "contact" in response.context["adminform"].form.errors
    case.refresh_from_db()
    assert case.contact is None and case.version == 1


def test_change_page_shows_the_timeline(client_as, case, world):
    services.case_work_note_add(actor=world.users["agent"], case=case, body="Called the fire brigade")
    body = client_as("admin").get(change_url(case)).content.decode()
    assert "Called the fire brigade" in body and "Work note" in body


def test_closed_case_is_view_only(client_as, case, world):
    services.case_act(actor=world.users["agent"], case=case, action="close",
                      resolution_code="solved_fixed", close_notes="Done")
    client = client_as("admin")
    response = client.get(change_url(case))
    assert response.status_code == 200 and not response.context["has_change_permission"]


def test_lifecycle_action_shows_the_first_cases_actions(client_as, case):
    response = run_action(client_as("admin"), "take_lifecycle_action", [case])
    assert response.status_code == 200
    choices = dict(response.context["form"].fields["lifecycle_action"].choices)
    assert {"assign-to-me", "close", "cancel"} <= set(choices)


def test_lifecycle_action_moves_each_case_through_case_act(client_as, world, mocker):
    cases = [CaseFactory(account=world.account) for _ in range(2)]
    act = mocker.spy(services, "case_act")
    response = run_action(client_as("admin"), "take_lifecycle_action", cases,
                          apply="1", lifecycle_action="cancel", reason="Duplicate request")
    assert response.status_code == 302
    assert {c.state for c in Case.objects.filter(pk__in=[c.pk for c in cases])} == {"cancelled"}
    assert act.call_count == 2 and act.call_args.kwargs["actor"] == world.users["admin"]
    assert any("taken on" in m for m in messages_of(response))


def test_lifecycle_action_missing_input_is_refused_and_writes_nothing(client_as, case):
    events = CaseEvent.objects.filter(case=case).count()
    response = run_action(client_as("admin"), "take_lifecycle_action", [case], apply="1", lifecycle_action="cancel")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "new" and case.version == 1 and case.events.count() == events
    assert any(case.number in m and "refused" in m and "reason" in m for m in messages_of(response))


def test_lifecycle_action_reports_cases_it_does_not_apply_to(client_as, world):
    opened = CaseFactory(account=world.account)
    services.case_act(actor=world.users["agent"], case=opened, action="assign-to-me")
    fresh = CaseFactory(account=world.account)  # updated last: the first of the selection
    response = run_action(client_as("admin"), "take_lifecycle_action", [opened, fresh],
                          apply="1", lifecycle_action="cancel", reason="Raised twice")
    assert response.status_code == 302
    opened.refresh_from_db()
    fresh.refresh_from_db()
    assert (fresh.state, opened.state) == ("cancelled", "open")
    notes = messages_of(response)
    assert any(opened.number in m and "not allowed" in m for m in notes)
    assert any(fresh.number in m and "taken on" in m for m in notes)


def test_lifecycle_action_on_a_closed_case_is_a_message_not_an_error(client_as, case, world):
    services.case_act(actor=world.users["agent"], case=case, action="cancel", reason="Spam")
    response = run_action(client_as("admin"), "take_lifecycle_action", [case])
    assert response.status_code == 302
    assert any("no action" in m for m in messages_of(response))


def test_unknown_action_name_is_a_form_error(client_as, case):
    response = run_action(client_as("admin"), "take_lifecycle_action", [case], apply="1", lifecycle_action="explode")
    assert response.status_code == 200 and "lifecycle_action" in response.context["form"].errors
    case.refresh_from_db()
    assert case.state == "new"


def test_work_note_action_adds_a_note_to_each_case(client_as, world, mocker):
    cases = [CaseFactory(account=world.account) for _ in range(2)]
    add = mocker.spy(services, "case_work_note_add")
    intermediate = run_action(client_as("admin"), "add_work_note", cases)
    assert intermediate.status_code == 200 and "body" in intermediate.context["form"].fields
    response = run_action(client_as("admin"), "add_work_note", cases, apply="1", body="Checked the logs")
    assert response.status_code == 302 and add.call_count == 2
    assert CaseEvent.objects.filter(kind=EventKind.WORK_NOTE, body="Checked the logs").count() == 2


def test_work_note_on_closed_case_is_refused_and_reported(client_as, case, world):
    services.case_act(actor=world.users["agent"], case=case, action="cancel", reason="Spam")
    notes_before = case.events.filter(kind=EventKind.WORK_NOTE).count()
    response = run_action(client_as("admin"), "add_work_note", [case], apply="1", body="Too late")
    assert response.status_code == 302
    assert case.events.filter(kind=EventKind.WORK_NOTE).count() == notes_before
    assert any(case.number in m and "refused" in m for m in messages_of(response))


def test_case_changelist_queries_do_not_grow_with_rows(client_as, world):
    def add(n):
        for _ in range(n):
            contact = ContactFactory(account=world.account)
            CaseFactory(contact=contact, account=world.account, assignment_group=world.group,
                        assigned_to=world.users["agent"])

    client = client_as("admin")
    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(CHANGELIST).status_code == 200
    add(10)
    with CaptureQueriesContext(connection) as many:
        response = client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 12
    assert len(many) == len(few)


# --- the case type's extra fields as typed inputs ---------------------------------------------------
@pytest.fixture
def typed_case(world):
    from tests.factories import CaseTypeFactory, CaseTypeFieldFactory

    case_type = CaseTypeFactory(name="Invoice dispute")
    CaseTypeFieldFactory(case_type=case_type, name="amount", label="Disputed amount", kind="number", required=True)
    CaseTypeFieldFactory(case_type=case_type, name="due", label="Due date", kind="date")
    CaseTypeFieldFactory(case_type=case_type, name="region", label="Region", kind="choice", choices=["EU", "US"])
    CaseTypeFieldFactory(case_type=case_type, name="urgent_payment", label="Urgent payment", kind="boolean")
    return services.case_create(
        actor=world.users["agent"], short_description="Invoice 42 wrong", account=world.account,
        case_type=case_type, extra={"amount": "12.50", "region": "EU"},
    )


def test_extra_fields_are_typed_inputs_with_their_values(client_as, typed_case):
    page = client_as("admin").get(change_url(typed_case)).content.decode()
    assert 'name="extra__amount"' in page and 'value="12.50"' in page
    assert 'name="extra__due"' in page and 'name="extra__urgent_payment"' in page and 'type="checkbox"' in page
    assert '<option value="EU" selected>EU</option>' in page
    assert 'name="extra"' not in page  # no raw JSON box
    assert "Invoice dispute fields" in page


def test_extra_fields_save_typed_through_the_service(client_as, typed_case, mocker):
    update = mocker.spy(services, "case_update")
    client = client_as("admin")
    data = form_data(client.get(change_url(typed_case)))
    data.update({"extra__amount": "99", "extra__due": "2026-12-31", "extra__urgent_payment": "on"})
    response = client.post(change_url(typed_case), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    typed_case.refresh_from_db()
    assert typed_case.extra == {"amount": "99", "due": "2026-12-31", "region": "EU", "urgent_payment": True}
    assert update.call_count >= 1


def test_extra_field_errors_show_on_their_inputs(client_as, typed_case):
    client = client_as("admin")
    data = form_data(client.get(change_url(typed_case)))
    data.update({"extra__amount": "", "extra__due": "soon"})
    response = client.post(change_url(typed_case), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "extra__amount" in errors and "extra__due" in errors
    typed_case.refresh_from_db()
    assert typed_case.extra == {"amount": "12.50", "region": "EU"}


def test_the_add_page_shows_the_fields_of_the_chosen_case_type(client_as, typed_case):
    page = client_as("admin").get(f"{CHANGELIST}add/?case_type={typed_case.case_type_id}").content.decode()
    assert 'name="extra__amount"' in page
