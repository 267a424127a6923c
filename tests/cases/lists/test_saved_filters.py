"""Saved case filters: private to their owner, saved, renamed and deleted through the services, in
the navigation, and 404 for everyone else."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import SavedCaseFilter
from tests.cases.lists.conftest import make_case, numbers

pytestmark = pytest.mark.django_db


def _save(world, persona="agent", name="P1 and P2", view="all_open", query="priority=1&priority=2"):
    return services.saved_case_filter_create(actor=world.users[persona], name=name, view=view, query=query)


def test_saving_normalises_the_query_through_the_list_parser(world):
    saved = _save(world, query="priority=2&page=3&view=all&saved=9&priority=1&sort=-updated_at&q=printer")
    assert saved.view == "all_open"
    assert saved.query == "q=printer&priority=2&priority=1"  # no list, page, id or default sort
    assert saved.url == f"/cases/?view=all_open&q=printer&priority=2&priority=1&saved={saved.pk}"


def test_a_query_the_list_would_refuse_is_not_saved(world):
    with pytest.raises(ValidationError) as refused:
        _save(world, query="priority=9")
    assert "priority=9" in str(refused.value)


def test_names_are_unique_per_owner_not_across_owners(world):
    _save(world)
    with pytest.raises(ValidationError) as refused:
        _save(world, name=" P1   and P2 ")
    assert "already have a saved filter with this name" in str(refused.value)
    assert _save(world, persona="manager").name == "P1 and P2"


def test_customers_cannot_save_filters(world):
    with pytest.raises(PermissionDenied):
        _save(world, persona="customer")


def test_only_the_owner_renames_or_deletes(world):
    saved = _save(world)
    with pytest.raises(PermissionDenied):
        services.saved_case_filter_rename(actor=world.users["manager"], saved_filter=saved, name="Mine now")
    with pytest.raises(PermissionDenied):
        services.saved_case_filter_delete(actor=world.users["manager"], saved_filter=saved)
    renamed = services.saved_case_filter_rename(actor=world.users["agent"], saved_filter=saved, name="Hot ones")
    assert renamed.name == "Hot ones"
    services.saved_case_filter_delete(actor=world.users["agent"], saved_filter=saved)
    services.saved_case_filter_delete(actor=world.users["agent"], saved_filter=saved)  # twice: harmless
    assert not SavedCaseFilter.objects.exists()


def test_saving_from_the_list_page_opens_the_saved_filter(client_as, world):
    response = client_as("agent").post(
        "/case-lists/filters/", {"name": "Acme P1", "view": "all", "query": "priority=1", "next": "/cases/?view=all"}
    )
    saved = SavedCaseFilter.objects.get()
    assert saved.owner == world.users["agent"] and saved.query == "priority=1"
    assert response.status_code == 302 and response["Location"] == saved.url


def test_a_refused_save_goes_back_with_the_reason(client_as, world):
    _save(world, name="Taken")
    client = client_as("agent")
    response = client.post("/case-lists/filters/", {"name": "Taken", "view": "all", "next": "/cases/?view=all"})
    assert response.status_code == 302 and response["Location"] == "/cases/?view=all"
    assert "already have a saved filter" in client.get("/cases/?view=all").content.decode()


def test_the_saved_filter_page_applies_its_filters_and_names_itself(client_as, world):
    p1 = make_case(world, "Down", impact=1, urgency=1)
    make_case(world, "Cosmetic", impact=3, urgency=3)
    saved = _save(world, name="Only P1", view="all_open", query="priority=1")
    page = client_as("agent").get(saved.url)
    assert numbers(page) == [p1.number]
    html = page.content.decode()
    assert "<h1>Only P1</h1>" in html and f"/case-lists/filters/{saved.pk}/rename/" in html


def test_someone_elses_saved_filter_is_404_everywhere(client_as, world):
    saved = _save(world)
    manager = client_as("manager")
    assert manager.get(saved.url).status_code == 404
    assert manager.post(f"/case-lists/filters/{saved.pk}/rename/", {"name": "x"}).status_code == 404
    assert manager.post(f"/case-lists/filters/{saved.pk}/delete/").status_code == 404
    assert "P1 and P2" not in manager.get("/case-lists/filters/").content.decode()
    assert SavedCaseFilter.objects.get().name == "P1 and P2"


def test_rename_and_delete_from_the_management_page(client_as, world):
    saved = _save(world)
    client = client_as("agent")
    assert "P1 and P2" in client.get("/case-lists/filters/").content.decode()
    response = client.post(f"/case-lists/filters/{saved.pk}/rename/", {"name": "Urgent"})
    assert response.status_code == 302 and response["Location"] == "/case-lists/filters/"
    assert SavedCaseFilter.objects.get().name == "Urgent"
    response = client.post(f"/case-lists/filters/{saved.pk}/delete/", {"next": saved.url})
    assert response.status_code == 302 and response["Location"] == "/case-lists/filters/"  # not the deleted page
    assert not SavedCaseFilter.objects.exists()


def test_saved_filters_appear_in_the_owners_navigation_at_once(client_as, world, django_capture_on_commit_callbacks):
    client = client_as("agent")
    assert "Hot ones" not in client.get("/case-lists/nav/").content.decode()  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        saved = _save(world, name="Hot ones")
    nav = client.get("/case-lists/nav/").content.decode()
    assert f'href="{saved.url}"'.replace("&", "&amp;") in nav and "Hot ones" in nav
    assert "Hot ones" not in client_as("manager").get("/case-lists/nav/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.saved_case_filter_rename(actor=world.users["agent"], saved_filter=saved, name="Renamed")
    assert "Renamed" in client.get("/case-lists/nav/").content.decode()


def test_admins_delete_stale_saved_filters_from_the_admin(client_as, world):
    saved = _save(world)
    response = client_as("admin").post(
        "/admin/cases/savedcasefilter/", {"action": "delete_selected_filters", "_selected_action": [saved.pk]}
    )
    assert response.status_code == 302 and not SavedCaseFilter.objects.exists()
