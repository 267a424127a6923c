"""Lifecycles edited as data: the rules of cases.services.lifecycle_admin, the lifecycle and
case-type admin pages, and an admin-made state and transition that a case then takes."""
import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError

from cases import admin as cases_admin
from cases import services
from cases.models import CaseType, CaseTypeField, Lifecycle, LifecycleState, LifecycleTransition
from tests.cases.admin_helpers import add_row, assert_admin_status, form_data
from tests.factories import CaseFactory, CaseTypeFactory, CaseTypeFieldFactory, LifecycleFactory
from tests.matrix import matrix

pytestmark = pytest.mark.django_db


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


@pytest.fixture
def standard():
    return Lifecycle.objects.get(code="standard")


@pytest.fixture
def blank(world):
    """A lifecycle with two states (draft initial, done) and no cases."""
    lifecycle = services.lifecycle_create(actor=None, name="Returns", code="returns")
    draft = services.lifecycle_state_create(actor=None, lifecycle=lifecycle, code="draft", label="Draft",
                                            category="new", is_initial=True)
    services.lifecycle_state_create(actor=None, lifecycle=lifecycle, code="done", label="Done", category="closed")
    return Lifecycle.objects.get(pk=lifecycle.pk), draft


def state(lifecycle, code) -> LifecycleState:
    return lifecycle.states.get(code=code)


# --- pages ---------------------------------------------------------------------------------------
@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_lifecycle_changelist_access(persona, expected, client_as, standard):
    assert_admin_status(client_as(persona).get("/admin/cases/lifecycle/"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_lifecycle_add_page_access(persona, expected, client_as, standard):
    assert_admin_status(client_as(persona).get("/admin/cases/lifecycle/add/"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_lifecycle_change_page_access(persona, expected, client_as, standard):
    assert_admin_status(client_as(persona).get(f"/admin/cases/lifecycle/{standard.pk}/change/"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_lifecycle_diagram_access(persona, expected, client_as, standard):
    response = client_as(persona).get(f"/admin/cases/lifecycle/{standard.pk}/diagram.svg")
    assert_admin_status(response, expected)
    if expected == 200:
        assert response["Content-Type"] == "image/svg+xml" and b"<svg" in response.content


# --- service rules -------------------------------------------------------------------------------
def test_first_state_must_be_initial(world):
    lifecycle = services.lifecycle_create(actor=None, name="Empty", code="empty")
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_state_create(actor=None, lifecycle=lifecycle, code="a", label="A", category="new")
    assert "is_initial" in field_errors(exc)


def test_marking_a_state_initial_moves_the_flag(blank):
    lifecycle, draft = blank
    services.lifecycle_state_update(actor=None, instance=state(lifecycle, "done"), is_initial=True)
    assert list(lifecycle.states.filter(is_initial=True).values_list("code", flat=True)) == ["done"]


def test_initial_state_cannot_be_unmarked(blank):
    lifecycle, draft = blank
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_state_update(actor=None, instance=draft, is_initial=False)
    assert "is_initial" in field_errors(exc)
    assert state(lifecycle, "draft").is_initial


def test_lifecycle_in_use_cannot_lose_its_initial_state(blank, world):
    lifecycle, draft = blank
    services.lifecycle_transition_create(actor=None, lifecycle=lifecycle, action="finish", label="Finish",
                                         source=draft, target=state(lifecycle, "done"))
    case_type = CaseTypeFactory(lifecycle=lifecycle)
    case = CaseFactory(account=world.account, case_type=case_type)
    services.case_act(actor=world.users["agent"], case=case, action="finish")  # no case left in draft
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_state_delete(actor=None, instance=draft)
    assert "is_initial" in field_errors(exc)
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_state_update(actor=None, instance=draft, is_initial=False)
    assert "is_initial" in field_errors(exc)
    assert state(lifecycle, "draft").is_initial


def test_initial_state_cannot_be_deleted_while_other_states_remain(blank):
    lifecycle, draft = blank
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_state_delete(actor=None, instance=draft)
    assert "is_initial" in field_errors(exc)


def test_unused_state_can_be_deleted_with_its_transitions(blank):
    lifecycle, draft = blank
    done = state(lifecycle, "done")
    services.lifecycle_transition_create(actor=None, lifecycle=lifecycle, action="finish", label="Finish",
                                         source=draft, target=done)
    services.lifecycle_state_delete(actor=None, instance=done)
    assert not lifecycle.transitions.exists() and list(lifecycle.states.values_list("code", flat=True)) == ["draft"]


def test_state_in_use_cannot_be_deleted(standard, world):
    CaseFactory(account=world.account)
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_state_delete(actor=None, instance=state(standard, "new"))
    assert "code" in field_errors(exc)


def test_state_in_use_keeps_its_code_and_category(standard, world):
    CaseFactory(account=world.account)
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_state_update(actor=None, instance=state(standard, "new"), code="fresh", category="open")
    assert {"code", "category"} <= set(field_errors(exc))
    assert state(standard, "new").category == "new"


def test_state_without_cases_may_be_renamed(standard):
    services.lifecycle_state_update(actor=None, instance=state(standard, "awaiting_info"), code="waiting")
    assert standard.states.filter(code="waiting").exists()


def test_transition_states_must_belong_to_its_lifecycle(standard, blank):
    lifecycle, draft = blank
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_transition_create(actor=None, lifecycle=lifecycle, action="jump", label="Jump",
                                             source=draft, target=state(standard, "open"))
    assert "target" in field_errors(exc)


def test_transition_requires_only_requirable_fields(blank):
    lifecycle, draft = blank
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_transition_create(actor=None, lifecycle=lifecycle, action="finish", label="Finish",
                                             source=draft, target=state(lifecycle, "done"),
                                             required_fields=["password"])
    assert "required_fields" in field_errors(exc)


def test_a_new_default_lifecycle_unsets_the_old_one(standard):
    services.lifecycle_create(actor=None, name="Lean", code="lean", is_default=True)
    assert list(Lifecycle.objects.filter(is_default=True).values_list("code", flat=True)) == ["lean"]
    services.lifecycle_update(actor=None, instance=standard, is_default=True)
    assert list(Lifecycle.objects.filter(is_default=True).values_list("code", flat=True)) == ["standard"]


def test_the_default_cannot_simply_be_unset(standard):
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_update(actor=None, instance=standard, is_default=False)
    assert "is_default" in field_errors(exc)


def test_only_admins_edit_lifecycles(world, standard):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.lifecycle_update(actor=world.users["agent"], instance=standard, name="Mine")


def test_choice_field_needs_choices(world):
    case_type = CaseTypeFactory()
    with pytest.raises(ValidationError) as exc:
        services.case_type_field_create(actor=None, case_type=case_type, name="size", label="Size", kind="choice")
    assert "choices" in field_errors(exc)


def test_case_type_field_update_and_delete(world):
    field = CaseTypeFieldFactory()
    services.case_type_field_update(actor=None, instance=field, kind="choice", choices=["S", "M"])
    field.refresh_from_db()
    assert field.choices == ["S", "M"]
    services.case_type_field_delete(actor=None, instance=field)
    assert not CaseTypeField.objects.filter(pk=field.pk).exists()


# --- admin pages write through the services ------------------------------------------------------
def test_admin_change_of_a_state_in_use_is_refused_and_nothing_saved(client_as, standard, world):
    CaseFactory(account=world.account)
    client = client_as("admin")
    url = f"/admin/cases/lifecycle/{standard.pk}/change/"
    data = form_data(client.get(url))
    index = next(k for k, v in data.items() if k.startswith("states-") and k.endswith("-code") and v == "new")
    data[index] = "fresh"
    data["description"] = "Changed too"
    response = client.post(url, data)
    assert response.status_code == 302
    assert any("Nothing was saved" in str(m) for m in get_messages(response.wsgi_request))
    standard.refresh_from_db()
    assert standard.description != "Changed too" and standard.states.filter(code="new").exists()


def test_admin_makes_another_lifecycle_default_and_the_old_loses_it(client_as, standard):
    lean = LifecycleFactory(code="lean")
    client = client_as("admin")
    url = f"/admin/cases/lifecycle/{lean.pk}/change/"
    data = form_data(client.get(url))
    data["is_default"] = "on"
    assert client.post(url, data).status_code == 302
    standard.refresh_from_db()
    lean.refresh_from_db()
    assert lean.is_default and not standard.is_default


def test_admin_switches_the_initial_state_in_one_save(client_as, blank):
    lifecycle, draft = blank
    client = client_as("admin")
    url = f"/admin/cases/lifecycle/{lifecycle.pk}/change/"
    data = form_data(client.get(url))
    for key, value in list(data.items()):
        if key.startswith("states-") and key.endswith("-code"):
            flag = key.replace("-code", "-is_initial")
            if value == "done":
                data[flag] = "on"
            else:
                data.pop(flag, None)
    response = client.post(url, data)
    assert response.status_code == 302
    assert list(lifecycle.states.filter(is_initial=True).values_list("code", flat=True)) == ["done"]


def test_admin_adds_a_case_type_field_through_the_service(client_as, world, mocker):
    case_type = CaseTypeFactory()
    create = mocker.Mock(wraps=services.case_type_field_create)
    mocker.patch.object(cases_admin.CaseTypeFieldInline, "create_service", staticmethod(create))
    client = client_as("admin")
    url = f"/admin/cases/casetype/{case_type.pk}/change/"
    data = add_row(form_data(client.get(url)), "fields", order="1", name="size", label="Size", kind="choice",
                   choices="S\nM\nL", customer_visible=True)
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert case_type.fields.get().choices == ["S", "M", "L"]
    assert create.call_args.kwargs["actor"] == world.users["admin"]


def test_admin_choice_field_without_choices_is_refused(client_as, world):
    case_type = CaseTypeFactory()
    client = client_as("admin")
    url = f"/admin/cases/casetype/{case_type.pk}/change/"
    data = add_row(form_data(client.get(url)), "fields", order="1", name="size", label="Size", kind="choice")
    response = client.post(url, data)
    assert not case_type.fields.exists()
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert any("choice" in str(m) for m in get_messages(response.wsgi_request))


def test_case_type_page_links_to_its_lifecycle_diagram(client_as, standard):
    case_type = CaseTypeFactory()
    body = client_as("admin").get(f"/admin/cases/casetype/{case_type.pk}/change/").content.decode()
    assert f"/admin/cases/lifecycle/{standard.pk}/change/#diagram" in body
    assert f"/admin/cases/lifecycle/{standard.pk}/diagram.svg" in body


# --- end to end: a state and a transition made in the admin, taken by a case ----------------------
def test_admin_made_state_and_transition_are_taken_through_case_act(client_as, world):
    client = client_as("admin")
    # 1. a lifecycle with its states
    data = form_data(client.get("/admin/cases/lifecycle/add/"))
    data.update(name="Returns", code="returns", description="Goods coming back")
    add_row(data, "states", order="10", code="new", label="New", category="new", is_initial=True)
    add_row(data, "states", order="20", code="inspecting", label="Inspecting <goods>", category="open")
    response = client.post("/admin/cases/lifecycle/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    lifecycle = Lifecycle.objects.get(code="returns")
    assert list(lifecycle.states.values_list("code", "is_initial")) == [("new", True), ("inspecting", False)]
    # 2. a transition between them
    url = f"/admin/cases/lifecycle/{lifecycle.pk}/change/"
    data = form_data(client.get(url))
    add_row(data, "transitions", order="10", action="start-inspection", label="Start inspection",
            source=str(state(lifecycle, "new").pk), target=str(state(lifecycle, "inspecting").pk),
            actor="agent", required_fields=["comment"])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    transition = lifecycle.transitions.get()
    assert (transition.actor, transition.required_fields) == ("agent", ["comment"])
    # 3. a case type following it
    data = form_data(client.get("/admin/cases/casetype/add/"))
    data.update(name="Return", code="return", category="orders", active="on", lifecycle=str(lifecycle.pk))
    response = client.post("/admin/cases/casetype/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case_type = CaseType.objects.get(code="return")
    # 4. a case of that type takes the new action
    case = services.case_create(actor=world.users["agent"], short_description="Broken kettle",
                                account=world.account, case_type=case_type)
    assert (case.lifecycle_id, case.state) == (lifecycle.pk, "new")
    assert services.case_allowed_actions(case, world.users["agent"]) == ["start-inspection"]
    with pytest.raises(ValidationError):
        services.case_act(actor=world.users["agent"], case=case, action="start-inspection")
    case = services.case_act(actor=world.users["agent"], case=case, action="start-inspection", comment="Unboxing")
    assert (case.state, case.state_category) == ("inspecting", "open")
    # 5. the lifecycle page draws it, labels escaped
    body = client.get(url).content.decode()
    assert "Inspecting &lt;goods&gt;" in body and "start-inspection (agent)" in body
    assert LifecycleTransition.objects.filter(lifecycle=lifecycle).count() == 1
