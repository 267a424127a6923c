"""Task plan templates (reference 5.5): Draft -> Published, read-only once published, clone,
apply to a case through the case-task service, item conditions."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import TaskTemplate, TaskTemplateApplication, TaskTemplateItem
from core.exceptions import InvalidTransition
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

needs_case_task = pytest.mark.skipif(not hasattr(services, "case_task_create"), reason="needs CaseTask")


@pytest.fixture
def draft(world):
    template = services.task_template_create(actor=world.users["admin"], name="Onboarding", short_description="New customer")
    services.task_template_item_create(actor=world.users["admin"], template=template, short_description="Create login", order=1)
    services.task_template_item_create(
        actor=world.users["admin"], template=template, short_description="Ship hardware", order=2,
        assignment_group=world.group, visible_to_customer=True,
        conditions=[{"field": "priority", "op": "in", "value": [1, 2]}],
    )
    return template


@pytest.fixture
def published(world, draft):
    return services.task_template_publish(actor=world.users["admin"], template=draft)


@pytest.fixture
def fake_tasks(monkeypatch):
    """Stands in for cases.services.case_task_create (built in another branch) and records calls."""
    calls = []

    def case_task_create(**kwargs):
        calls.append(kwargs)
        return kwargs

    monkeypatch.setattr(services, "case_task_create", case_task_create, raising=False)
    return calls


# --- states ----------------------------------------------------------------------------------------
def test_new_template_is_a_numbered_draft(draft):
    assert draft.state == "draft" and draft.number.startswith("TPLT") and draft.items.count() == 2


def test_publish_needs_an_item(world):
    empty = services.task_template_create(actor=world.users["admin"], name="Empty")
    with pytest.raises(ValidationError) as exc:
        services.task_template_publish(actor=world.users["admin"], template=empty)
    assert "items" in exc.value.message_dict


def test_publish_records_who_and_when(published, world):
    assert published.state == "published" and published.published_by == world.users["admin"] and published.published_at


def test_published_template_is_read_only(world, published):
    with pytest.raises(InvalidTransition) as exc:
        services.task_template_update(actor=world.users["admin"], instance=published, name="Renamed")
    assert exc.value.state == "published" and "clone" in exc.value.allowed
    with pytest.raises(InvalidTransition):
        services.task_template_item_create(actor=world.users["admin"], template=published, short_description="More")
    item = published.items.first()
    with pytest.raises(InvalidTransition):
        services.task_template_item_update(actor=world.users["admin"], instance=item, short_description="X")
    with pytest.raises(InvalidTransition):
        services.task_template_item_delete(actor=world.users["admin"], instance=item)
    with pytest.raises(InvalidTransition):
        services.task_template_publish(actor=world.users["admin"], template=published)


def test_published_template_may_be_deactivated(world, published):
    assert services.task_template_update(actor=world.users["admin"], instance=published, active=False).active is False


def test_clone_makes_a_draft_with_copies_of_the_items(world, published):
    copy = services.task_template_clone(actor=world.users["admin"], template=published)
    assert copy.state == "draft" and copy.pk != published.pk and copy.name == "Copy of Onboarding"
    fields = ("short_description", "order", "assignment_group_id", "visible_to_customer", "conditions")
    rows = lambda t: [tuple(getattr(i, f) for f in fields) for i in t.items.order_by("order")]  # noqa: E731
    assert rows(copy) == rows(published)
    assert set(copy.items.values_list("pk", flat=True)).isdisjoint(published.items.values_list("pk", flat=True))


def test_only_admins_define_templates(world, draft):
    with pytest.raises(PermissionDenied):
        services.task_template_create(actor=world.users["agent"], name="Mine")
    with pytest.raises(PermissionDenied):
        services.task_template_update(actor=world.users["manager"], instance=draft, name="Mine")
    with pytest.raises(PermissionDenied):
        services.task_template_publish(actor=world.users["agent"], template=draft)


@pytest.mark.parametrize("conditions", [
    "priority=1", [{"field": "colour", "op": "eq", "value": 1}], [{"field": "priority", "op": "gt", "value": 1}],
    [{"field": "priority", "op": "in", "value": 1}], [{"field": "priority", "op": "eq"}],
])
def test_bad_conditions_are_refused(world, draft, conditions):
    with pytest.raises(ValidationError) as exc:
        services.task_template_item_create(
            actor=world.users["admin"], template=draft, short_description="x", conditions=conditions
        )
    assert "conditions" in exc.value.message_dict


# --- apply -----------------------------------------------------------------------------------------
def test_applying_a_draft_is_refused_naming_the_state(world, draft, open_case):
    with pytest.raises(InvalidTransition) as exc:
        services.task_template_apply(actor=world.users["agent"], template=draft, case=open_case)
    assert exc.value.state == "draft" and "publish" in exc.value.allowed


def test_applying_an_inactive_template_is_refused(world, published, open_case):
    services.task_template_update(actor=world.users["admin"], instance=published, active=False)
    with pytest.raises(ValidationError):
        services.task_template_apply(actor=world.users["agent"], template=published, case=open_case)


def test_only_agents_apply(world, published, open_case):
    with pytest.raises(PermissionDenied):
        services.task_template_apply(actor=world.users["customer"], template=published, case=open_case)


def test_apply_creates_a_task_per_applicable_item(world, published, open_case, fake_tasks):
    application = services.task_template_apply(actor=world.users["agent"], template=published, case=open_case)
    assert [c["short_description"] for c in fake_tasks] == ["Create login"]  # priority 4: item 2 skipped
    assert fake_tasks[0]["case"] == open_case and fake_tasks[0]["actor"] == world.users["agent"]
    assert (application.created, application.skipped) == (1, 1)
    assert open_case.events.filter(kind="work_note", body__contains="1 task(s) created").exists()


def test_conditions_are_evaluated_against_the_case(world, published, open_case, fake_tasks):
    services.case_update(actor=world.users["agent"], instance=open_case, priority=2)
    services.task_template_apply(actor=world.users["agent"], template=published, case=open_case)
    assert [c["short_description"] for c in fake_tasks] == ["Create login", "Ship hardware"]
    assert fake_tasks[1]["assignment_group"] == world.group and fake_tasks[1]["visible_to_customer"] is True


@pytest.mark.parametrize("cond, holds", [
    ({"field": "channel", "op": "eq", "value": "web"}, True),
    ({"field": "channel", "op": "ne", "value": "web"}, False),
    ({"field": "category", "op": "in", "value": ["issue", "question"]}, True),
    ({"field": "case_type", "op": "eq", "value": None}, True),
    ({"field": "product", "op": "ne", "value": None}, False),
    ({"field": "account", "op": "eq", "value": "ACCOUNT"}, True),
    ({"field": "priority", "op": "eq", "value": "4"}, True),
])
def test_single_conditions(world, open_case, cond, holds):
    if cond["value"] == "ACCOUNT":
        cond = {**cond, "value": world.account.pk}
    assert services.task_template_item_applies(TaskTemplateItem(conditions=[cond]), open_case) is holds


def test_apply_without_the_case_task_service_is_a_clear_400(world, published, open_case, monkeypatch):
    monkeypatch.delattr(services, "case_task_create", raising=False)
    with pytest.raises(ValidationError) as exc:
        services.task_template_apply(actor=world.users["agent"], template=published, case=open_case)
    assert "template" in exc.value.message_dict
    assert not TaskTemplateApplication.objects.exists()


def test_apply_with_no_applicable_item_still_records(world, open_case, monkeypatch):
    monkeypatch.delattr(services, "case_task_create", raising=False)
    template = services.task_template_create(actor=world.users["admin"], name="Critical only")
    services.task_template_item_create(
        actor=world.users["admin"], template=template, short_description="Page on-call",
        conditions=[{"field": "priority", "op": "eq", "value": 1}],
    )
    services.task_template_publish(actor=world.users["admin"], template=template)
    application = services.task_template_apply(actor=world.users["agent"], template=template, case=open_case)
    assert (application.created, application.skipped) == (0, 1)
    assert open_case.events.filter(kind="work_note", body__contains="Critical only").exists()


def test_apply_to_a_closed_case_is_refused(world, published, open_case, fake_tasks):
    services.case_act(actor=world.users["customer"], case=open_case, action="close")
    with pytest.raises(InvalidTransition):
        services.task_template_apply(actor=world.users["agent"], template=published, case=open_case)


@needs_case_task
def test_apply_creates_real_case_tasks(world, published, open_case):
    from cases.models import CaseTask

    services.task_template_apply(actor=world.users["agent"], template=published, case=open_case)
    assert list(CaseTask.objects.filter(case=open_case).values_list("short_description", flat=True)) == ["Create login"]


# --- API -------------------------------------------------------------------------------------------
URL = "/api/v1/task-templates/"
ITEMS = "/api/v1/task-template-items/"


@matrix(external=404)
def test_template_detail_access(persona, expected, api_as, draft):
    assert_status(api_as(persona).get(f"{URL}{draft.pk}/"), expected)


@matrix(external=200)
def test_template_list_access(persona, expected, api_as, draft, world):
    response = api_as(persona).get(URL)
    assert_status(response, expected)
    if expected == 200:
        assert response.data["count"] == (1 if persona in ("agent", "manager", "admin") else 0)


def test_template_detail_by_number_and_nested_items(api_as, draft):
    body = api_as("agent").get(f"{URL}{draft.number}/").data
    assert [i["short_description"] for i in body["items"]] == ["Create login", "Ship hardware"]
    assert body["items"][1]["conditions"] == [{"field": "priority", "op": "in", "value": [1, 2]}]


@matrix(external=403, internal=403, admin=201)
def test_template_create_access(persona, expected, api_as, world):
    assert_status(api_as(persona).post(URL, {"name": "Returns"}), expected)
    assert TaskTemplate.objects.filter(name="Returns").exists() is (expected == 201)


@matrix(external=404, internal=403, admin=200)
def test_template_update_access(persona, expected, api_as, draft):
    assert_status(api_as(persona).patch(f"{URL}{draft.pk}/", {"name": "Renamed"}), expected)


def test_patch_published_template_is_409(api_as, published):
    response = api_as("admin").patch(f"{URL}{published.pk}/", {"name": "Renamed"})
    assert_status(response, 409)
    assert response.data["state"] == "published"


@matrix(external=404, internal=403, admin=200)
def test_template_publish_access(persona, expected, api_as, draft):
    response = api_as(persona).post(f"{URL}{draft.pk}/publish/")
    assert_status(response, expected)
    if expected == 200:
        assert response.data["state"] == "published"


@matrix(external=404, internal=403, admin=201)
def test_template_clone_access(persona, expected, api_as, published):
    response = api_as(persona).post(f"{URL}{published.pk}/clone/", {"name": "Onboarding v2"})
    assert_status(response, expected)
    if expected == 201:
        assert response.data["state"] == "draft" and len(response.data["items"]) == 2


@matrix(external=404, internal=201)
def test_template_apply_access(persona, expected, api_as, published, open_case, fake_tasks):
    response = api_as(persona).post(f"{URL}{published.pk}/apply/", {"case": open_case.pk})
    assert_status(response, expected)
    if expected == 201:
        assert response.data["created"] == 1


def test_apply_draft_over_the_api_is_409_naming_the_state(api_as, draft, open_case):
    response = api_as("agent").post(f"{URL}{draft.pk}/apply/", {"case": open_case.pk})
    assert_status(response, 409)
    assert response.data["state"] == "draft" and "publish" in response.data["allowed_actions"]


def test_apply_to_an_unknown_case_is_400(api_as, published):
    assert_status(api_as("agent").post(f"{URL}{published.pk}/apply/", {"case": 999999}), 400)


@matrix(external=200)
def test_item_list_access(persona, expected, api_as, draft):
    response = api_as(persona).get(ITEMS)
    assert_status(response, expected)
    assert response.status_code != 200 or response.data["count"] == (2 if persona in ("agent", "manager", "admin") else 0)


@matrix(external=404)
def test_item_detail_access(persona, expected, api_as, draft):
    assert_status(api_as(persona).get(f"{ITEMS}{draft.items.first().pk}/"), expected)


@matrix(external=403, internal=403, admin=201)
def test_item_create_access(persona, expected, api_as, draft):
    body = {"template": draft.pk, "short_description": "Call back", "conditions": [{"field": "channel", "op": "eq", "value": "phone"}]}
    assert_status(api_as(persona).post(ITEMS, body, format="json"), expected)


@matrix(external=404, internal=403, admin=200)
def test_item_update_access(persona, expected, api_as, draft):
    assert_status(api_as(persona).patch(f"{ITEMS}{draft.items.first().pk}/", {"order": 5}), expected)


@matrix(external=404, internal=403, admin=204)
def test_item_delete_access(persona, expected, api_as, draft):
    item = draft.items.first()
    assert_status(api_as(persona).delete(f"{ITEMS}{item.pk}/"), expected)
    assert TaskTemplateItem.objects.filter(pk=item.pk).exists() is (expected != 204)


def test_item_of_published_template_is_409_over_the_api(api_as, published):
    item = published.items.first()
    assert_status(api_as("admin").patch(f"{ITEMS}{item.pk}/", {"order": 5}), 409)
    assert_status(api_as("admin").delete(f"{ITEMS}{item.pk}/"), 409)
    assert_status(api_as("admin").post(ITEMS, {"template": published.pk, "short_description": "x"}), 409)


def test_bad_conditions_over_the_api_name_the_field(api_as, draft):
    body = {"template": draft.pk, "short_description": "x", "conditions": [{"field": "colour", "op": "eq", "value": 1}]}
    response = api_as("admin").post(ITEMS, body, format="json")
    assert_status(response, 400)
    assert "conditions" in response.data["errors"]


def test_template_list_query_bound(world, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n):
        for i in range(n):
            t = services.task_template_create(actor=None, name=f"T{i}")
            for j in range(3):
                services.task_template_item_create(actor=None, template=t, short_description=f"s{j}", assignment_group=world.group)

    client = api_as("agent")
    make(1)
    client.get(URL)  # warm the per-request permission cache the same way for both counts
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    make(5)
    with CaptureQueriesContext(connection) as many:
        assert client.get(URL).data["count"] == 6
    assert len(many) == len(few) <= 8
