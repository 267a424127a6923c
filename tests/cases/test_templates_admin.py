"""The task-template admin: admins only; drafts edited through the services, published ones
read-only; publish and clone as actions."""
import pytest

from cases import services
from cases.models import TaskTemplate
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world):
    template = services.task_template_create(actor=None, name="Onboarding")
    services.task_template_item_create(actor=None, template=template, short_description="Create login")
    return template


def assert_admin_status(response, expected: int) -> None:
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")


@matrix(anonymous=302, external=302, internal=302, admin=200)
@pytest.mark.parametrize("page", ["tasktemplate/", "tasktemplate/add/", "tasktemplateitem/", "tasktemplateitem/add/"])
def test_admin_list_and_add_pages(persona, expected, page, client_as, draft):
    assert_admin_status(client_as(persona).get(f"/admin/cases/{page}"), expected)


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_admin_change_pages(persona, expected, client_as, draft):
    client = client_as(persona)
    assert_admin_status(client.get(f"/admin/cases/tasktemplate/{draft.pk}/change/"), expected)
    assert_admin_status(client.get(f"/admin/cases/tasktemplateitem/{draft.items.get().pk}/change/"), expected)


def _management(prefix="items", total=0, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def test_admin_adds_a_template_with_an_item(client_as):
    data = {"name": "Returns", "short_description": "", "active": "on", **_management(total=1)}
    data.update({"items-0-short_description": "Send label", "items-0-order": "1", "items-0-conditions": "[]"})
    response = client_as("admin").post("/admin/cases/tasktemplate/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    template = TaskTemplate.objects.get(name="Returns")
    assert template.number.startswith("TPLT") and list(template.items.values_list("short_description", flat=True)) == ["Send label"]


def test_admin_publish_and_clone_actions(client_as, draft):
    client = client_as("admin")
    client.post("/admin/cases/tasktemplate/", {"action": "publish_selected", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.state == "published"
    client.post("/admin/cases/tasktemplate/", {"action": "clone_selected", "_selected_action": [draft.pk]})
    copy = TaskTemplate.objects.get(name="Copy of Onboarding")
    assert copy.state == "draft" and copy.items.count() == 1


def test_admin_publish_of_an_empty_template_shows_why(client_as):
    empty = services.task_template_create(actor=None, name="Empty")
    response = client_as("admin").post(
        "/admin/cases/tasktemplate/", {"action": "publish_selected", "_selected_action": [empty.pk]}, follow=True
    )
    assert "at least one item" in response.content.decode()
    empty.refresh_from_db()
    assert empty.state == "draft"


def test_published_template_change_page_is_read_only(client_as, draft):
    services.task_template_publish(actor=None, template=draft)
    client = client_as("admin")
    page = client.get(f"/admin/cases/tasktemplate/{draft.pk}/change/")
    assert "name" not in page.context["adminform"].form.fields
    response = client.post(f"/admin/cases/tasktemplate/{draft.pk}/change/", {"active": "", **_management(total=1, initial=1),
                                                                              "items-0-id": draft.items.get().pk})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.active is False and draft.name == "Onboarding"
