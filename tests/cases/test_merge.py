"""Merging a duplicate case into its master: closed via its lifecycle, nothing deleted."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cases import services
from cases.models import CaseEvent, CaseMerge
from core.exceptions import InvalidTransition
from customers import services as customer_services
from tests.cases.conftest import act
from tests.factories import user_with_roles
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(world):
    return services.case_create(actor=world.users["customer"], short_description="Printer smoking")


def merge(world, duplicate, master, persona="agent"):
    return services.case_merge(actor=world.users[persona], duplicate=duplicate, master=master)


def test_merge_closes_the_duplicate_as_duplicate(world, open_case, duplicate):
    record = merge(world, duplicate, open_case)
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.resolution_code) == ("closed", "duplicate")
    assert duplicate.close_notes == f"Merged into {open_case.number}"
    assert record.master == open_case and record.merged_by == world.users["agent"]
    assert duplicate.events.filter(kind="state_changed", new="closed").exists()


def test_merge_copies_comments_and_work_notes_to_the_master(world, open_case, duplicate):
    services.case_comment_add(actor=world.users["customer"], case=duplicate, body="It smells")
    services.case_work_note_add(actor=world.users["agent"], case=duplicate, body="Probably the fuser")
    merge(world, duplicate, open_case)
    comment = CaseEvent.objects.get(case=open_case, kind="comment", body=f"From {duplicate.number}: It smells")
    note = CaseEvent.objects.get(case=open_case, kind="work_note", body=f"From {duplicate.number}: Probably the fuser")
    assert comment.customer_visible and not note.customer_visible
    assert comment.author == world.users["customer"]
    # the originals stay on the duplicate
    assert duplicate.events.filter(kind="comment", body="It smells").exists()


def test_merge_leaves_work_notes_on_both(world, open_case, duplicate):
    merge(world, duplicate, open_case)
    assert open_case.events.filter(kind="work_note", body__startswith=f"Merged {duplicate.number} into").exists()
    assert duplicate.events.filter(kind="work_note", body__startswith=f"Merged into {open_case.number}").exists()


def test_merge_moves_watch_list_and_related_parties(world, open_case, duplicate, api_client):
    fay = user_with_roles("customer", username="customer_fay")
    contact = customer_services.contact_create(actor=None, account=world.account, first_name="Fay", last_name="F", user=fay)
    services.case_party_add(actor=world.users["agent"], case=duplicate, party_type="authorized_contact", contact=contact)
    services.case_watch_add(actor=world.users["agent"], case=duplicate, user=world.users["manager"])
    merge(world, duplicate, open_case)
    assert open_case.watch_list.filter(pk=world.users["manager"].pk).exists()
    assert open_case.related_parties.filter(contact=contact, party_type="authorized_contact").exists()
    api_client.force_authenticate(fay)
    assert api_client.get(f"/api/v1/cases/{open_case.pk}/").status_code == 200  # the grant came along
    assert duplicate.related_parties.filter(contact=contact).exists()  # nothing removed


def test_party_already_on_the_master_is_not_copied_twice(world, open_case, duplicate):
    contact = world.contacts["customer_admin"]
    for case in (duplicate, open_case):
        services.case_party_add(actor=world.users["agent"], case=case, party_type="listed_contact", contact=contact)
    merge(world, duplicate, open_case)
    assert open_case.related_parties.filter(contact=contact).count() == 1


def test_everything_stays_reachable_over_the_api(world, open_case, duplicate, api_as):
    services.case_comment_add(actor=world.users["customer"], case=duplicate, body="Original")
    merge(world, duplicate, open_case)
    client = api_as("customer")
    assert_status(client.get(f"/api/v1/cases/{duplicate.pk}/"), 200)
    assert [e["body"] for e in client.get(f"/api/v1/cases/{duplicate.pk}/comments/").data["results"]] == ["Original"]
    merged = client.get(f"/api/v1/cases/{open_case.pk}/merged/").data["results"]
    assert [(m["duplicate"], m["duplicate_number"]) for m in merged] == [(duplicate.pk, duplicate.number)]


def test_merge_into_itself_is_refused(world, open_case):
    with pytest.raises(ValidationError) as exc:
        merge(world, open_case, open_case)
    assert "into" in exc.value.message_dict


def test_merge_into_a_closed_case_is_refused(world, open_case, duplicate):
    act(world, "customer", open_case, "close")
    with pytest.raises(ValidationError) as exc:
        merge(world, duplicate, open_case)
    assert "into" in exc.value.message_dict
    duplicate.refresh_from_db()
    assert duplicate.state == "new"


def test_a_case_already_merged_is_refused(world, open_case, duplicate):
    merge(world, duplicate, open_case)
    third = services.case_create(actor=world.users["customer"], short_description="Third")
    with pytest.raises(InvalidTransition):
        merge(world, duplicate, third)
    assert CaseMerge.objects.filter(duplicate=duplicate).count() == 1


def test_merge_across_customers_is_refused(world, open_case):
    globex = services.case_create(actor=world.users["other_customer"], short_description="Globex")
    with pytest.raises(ValidationError):
        merge(world, globex, open_case)


def test_customer_side_cannot_merge(world, open_case, duplicate):
    with pytest.raises(PermissionDenied):
        merge(world, duplicate, open_case, persona="customer_admin")


# --- API ----------------------------------------------------------------------------------------
@matrix(external=403, other_customer=404, internal=200)
def test_merge_endpoint_access(persona, expected, api_as, open_case, duplicate):
    response = api_as(persona).post(f"/api/v1/cases/{duplicate.pk}/merge/", {"into": open_case.pk})
    assert_status(response, expected)
    assert CaseMerge.objects.filter(duplicate=duplicate).exists() is (expected == 200)


def test_merge_endpoint_refusals(api_as, open_case, duplicate, world):
    client = api_as("agent")
    assert_status(client.post(f"/api/v1/cases/{duplicate.pk}/merge/", {"into": duplicate.pk}), 400)
    assert_status(client.post(f"/api/v1/cases/{duplicate.pk}/merge/", {}), 400)
    assert_status(client.post(f"/api/v1/cases/{duplicate.pk}/merge/", {"into": open_case.pk}), 200)
    response = client.post(f"/api/v1/cases/{duplicate.pk}/merge/", {"into": open_case.pk})
    assert_status(response, 409)


@matrix(external=200, other_customer=404)
def test_merged_list_access(persona, expected, api_as, open_case, duplicate, world):
    merge(world, duplicate, open_case)
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.pk}/merged/"), expected)


def test_merged_list_query_bound(world, open_case, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def dups(n):
        for i in range(n):
            dup = services.case_create(actor=world.users["customer"], short_description=f"dup {i}")
            merge(world, dup, open_case)

    client, path = api_as("customer"), f"/api/v1/cases/{open_case.pk}/merged/"
    dups(1)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    dups(4)
    with CaptureQueriesContext(connection) as many:
        assert client.get(path).data["count"] == 5
    assert len(many) == len(few) <= 12
