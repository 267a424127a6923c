"""The activity timeline and its composer (customer-visible comment or internal work note), and
attachments uploaded from the record page (accepted, and refused with the service's reason)."""
import html

import pytest
from django.test import override_settings

from cases import services
from cases.models import CaseEvent
from tests.cases.attachment_files import HTML, PNG, TEXT, upload
from tests.cases.record.conftest import htmx

pytestmark = pytest.mark.django_db


def test_comment_is_customer_visible(client_as, open_case):
    response = client_as("agent").post(f"/cases/{open_case.number}/journal/", {"kind": "comment", "body": "On my way"})
    assert response.status_code == 302 and response["Location"] == f"/cases/{open_case.number}/#activity"
    entry = open_case.events.get(kind="comment")
    assert entry.body == "On my way" and entry.customer_visible


def test_work_note_is_internal(client_as, open_case, world):
    client_as("agent").post(f"/cases/{open_case.number}/journal/", {"kind": "work_note", "body": "Fuser again"})
    entry = open_case.events.get(kind="work_note")
    assert entry.body == "Fuser again" and not entry.customer_visible
    customer_view = client_as("customer").get(f"/api/v1/cases/{open_case.pk}/activity/").json()
    assert "Fuser again" not in str(customer_view)


def test_composer_marks_comment_and_work_note_apart(client_as, open_case):
    page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    composer = page.split('id="composer"')[1].split("</section>")[0]
    assert 'value="comment"' in composer and "customer sees it" in composer
    assert 'value="work_note"' in composer and "internal" in composer
    assert 'data-shortcut="c"' in composer and 'data-shortcut="w"' in composer


def test_htmx_post_returns_a_fresh_composer_and_the_timeline(client_as, open_case):
    client = client_as("agent")
    body = client.post(f"/cases/{open_case.number}/journal/", {"kind": "work_note", "body": "Ordered the part"},
                       **htmx(client)).content.decode()
    composer, rest = body.split('id="timeline"', 1)
    assert 'id="composer"' in composer and "Work note added." in composer and "Ordered the part" not in composer
    assert 'value="work_note" id="id_kind_1" required checked' in composer  # stays on work notes
    assert rest.startswith(' hx-swap-oob="true"') and "Ordered the part" in rest and "Work note · internal" in rest


def test_empty_entry_is_refused(client_as, open_case):
    client = client_as("agent")
    response = client.post(f"/cases/{open_case.number}/journal/", {"kind": "comment", "body": "  "}, **htmx(client))
    assert response.status_code == 422 and "required" in response.content.decode()
    assert not open_case.events.filter(kind="comment").exists()


def test_timeline_is_newest_first_with_work_notes_marked(client_as, open_case, world):
    services.case_comment_add(actor=world.users["agent"], case=open_case, body="First")
    services.case_work_note_add(actor=world.users["agent"], case=open_case, body="Second")
    timeline = client_as("agent").get(f"/cases/{open_case.number}/").content.decode().split('id="timeline"')[1]
    assert timeline.index("Second") < timeline.index("First")
    note = timeline.split("Second")[0].rsplit("<li", 1)[1]
    assert "kind-work_note" in note and "internal" in note


def _entries(case, world, n):
    for i in range(n):
        services.case_comment_add(actor=world.users["agent"], case=case, body=f"Entry {i:03d}")


def test_load_more_pages_backwards_without_gaps_or_repeats(client_as, open_case, world):
    _entries(open_case, world, 60)
    client = client_as("agent")
    seen, url = [], f"/cases/{open_case.number}/timeline/?show=comments"
    page = client.get(url, **htmx(client)).content.decode()
    while True:
        seen += [line.split("Entry ")[1][:3] for line in page.split("\n") if "Entry " in line]
        if "Load older entries" not in page:
            break
        url = html.unescape(page.split('hx-get="')[-1].split('"')[0])
        page = client.get(url, **htmx(client)).content.decode()
        assert "<section" not in page  # only the next rows and the next "load more"
    assert seen == [f"{i:03d}" for i in reversed(range(60))]


def test_timeline_filters(client_as, open_case, world):
    services.case_comment_add(actor=world.users["agent"], case=open_case, body="A comment")
    services.case_work_note_add(actor=world.users["agent"], case=open_case, body="A note")
    client = client_as("agent")
    notes = client.get(f"/cases/{open_case.number}/timeline/?show=work_notes", **htmx(client)).content.decode()
    assert "A note" in notes and "A comment" not in notes and 'aria-current="true">Work notes' in notes
    updates = client.get(f"/cases/{open_case.number}/timeline/?show=updates", **htmx(client)).content.decode()
    assert "A note" not in updates and "Assign to me" in updates


def test_timeline_without_javascript_is_a_page(client_as, open_case, world):
    _entries(open_case, world, 30)
    page = client_as("agent").get(f"/cases/{open_case.number}/timeline/?show=all").content.decode()
    assert "<html" in page and f"← {open_case.number}" in page and "Load older entries" in page


def test_bad_cursor_is_the_first_page(client_as, open_case):
    client = client_as("agent")
    assert client.get(f"/cases/{open_case.number}/timeline/?before=nonsense", **htmx(client)).status_code == 200


# --- attachments --------------------------------------------------------------------------------------
def test_attachment_accepted_and_listed(client_as, open_case):
    client = client_as("agent")
    response = client.post(f"/cases/{open_case.number}/attachments/",
                           {"file": upload("screen.png", PNG, "image/png"), "customer_visible": "on"}, **htmx(client))
    assert response.status_code == 200
    body = response.content.decode()
    attachment = open_case.attachments.get()
    assert attachment.customer_visible and attachment.content_type == "image/png"
    assert "screen.png attached." in body and f"/attachments/{attachment.pk}/download/" in body
    assert 'id="timeline" hx-swap-oob="true"' in body


def test_internal_attachment_stays_internal(client_as, open_case):
    client_as("agent").post(f"/cases/{open_case.number}/attachments/", {"file": upload("triage.txt", TEXT)})
    attachment = open_case.attachments.get()
    assert not attachment.customer_visible
    page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    assert "triage.txt" in page.split('id="attachments"')[1].split("</details>")[0]


def test_refused_type_shows_the_services_reason(client_as, open_case):
    client = client_as("agent")
    response = client.post(f"/cases/{open_case.number}/attachments/", {"file": upload("page.html", HTML, "text/html")},
                           **htmx(client))
    assert response.status_code == 415
    assert "Files of type text/html are not accepted" in response.content.decode()
    assert not open_case.attachments.exists()


@override_settings(ATTACHMENT_MAX_BYTES=10)
def test_too_large_shows_the_limit(client_as, open_case):
    response = client_as("agent").post(f"/cases/{open_case.number}/attachments/", {"file": upload("log.txt", TEXT)})
    assert response.status_code == 413
    assert "larger than the limit of 10 bytes" in response.content.decode()
    assert not open_case.attachments.exists()


def test_upload_to_a_closed_case_is_refused(client_as, open_case, world):
    services.case_act(actor=world.users["agent"], case=open_case, action="close", resolution_code="solved_fixed",
                      close_notes="Done")
    response = client_as("agent").post(f"/cases/{open_case.number}/attachments/", {"file": upload("log.txt", TEXT)})
    assert response.status_code == 409 and not open_case.attachments.exists()
    assert CaseEvent.objects.filter(case=open_case, kind="attachment").count() == 0
