"""The case page: public timeline only, attachments, visible tasks, and the actions allowed now,
with the services' refusals shown as messages and the API's status codes."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from cases.models import CaseSurvey
from tests.portal.cases.conftest import RESOLVE, act

pytestmark = pytest.mark.django_db


def page(client, case):
    return client.get(f"/portal/cases/{case.number}/")


def test_customer_never_sees_work_notes_or_internal_field_changes(world, client_as, dana_case):
    agent = world.users["agent"]
    services.case_work_note_add(actor=agent, case=dana_case, body="SECRET-NOTE customer is difficult")
    services.case_assign(actor=agent, case=dana_case, assignment_group=world.group, assigned_to=agent)
    services.case_comment_add(actor=agent, case=dana_case, body="PUBLIC-REPLY we are on it")
    html = page(client_as("customer"), dana_case).content.decode()
    assert "PUBLIC-REPLY we are on it" in html
    assert "SECRET-NOTE" not in html
    assert "assignment group" not in html.lower() and world.group.name not in html
    assert "Assigned to" not in html


def test_visible_tasks_show_and_hidden_ones_do_not(world, client_as, dana_case):
    agent = world.users["agent"]
    services.case_task_create(actor=agent, case=dana_case, short_description="VISIBLE-TASK send part",
                              visible_to_customer=True)
    services.case_task_create(actor=agent, case=dana_case, short_description="HIDDEN-TASK check credit")
    html = page(client_as("customer"), dana_case).content.decode()
    assert "VISIBLE-TASK" in html and "HIDDEN-TASK" not in html


def test_comment_on_awaiting_info_reopens_the_case(world, client_as, dana_case):
    case = act(world, "agent", dana_case, "assign-to-me")
    case = act(world, "agent", case, "request-info", comment="Which model?")
    response = client_as("customer").post(f"/portal/cases/{case.number}/comment/", {"body": "A LaserJet 4000"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "open"


def test_empty_comment_is_refused_with_400_and_a_message(client_as, dana_case):
    response = client_as("customer").post(f"/portal/cases/{dana_case.number}/comment/", {"body": " "})
    assert response.status_code == 400
    assert "Write something." in response.content.decode()


def test_accept_solution_closes_and_offers_the_survey(world, client_as, resolved_case):
    client = client_as("customer")
    assert "Accept solution" in page(client, resolved_case).content.decode()
    response = client.post(f"/portal/cases/{resolved_case.number}/act/accept-solution/", follow=True)
    resolved_case.refresh_from_db()
    assert resolved_case.state_category == "closed"
    html = response.content.decode()
    assert "How did we do?" in html and "can no longer be updated" in html


def test_reject_without_reason_is_400_naming_it(client_as, resolved_case):
    response = client_as("customer").post(f"/portal/cases/{resolved_case.number}/act/reject-solution/", {"reason": ""})
    assert response.status_code == 400
    assert "needs reason" in response.content.decode()
    resolved_case.refresh_from_db()
    assert resolved_case.state_category == "resolved"


def test_reject_with_reason_reopens(client_as, resolved_case):
    response = client_as("customer").post(
        f"/portal/cases/{resolved_case.number}/act/reject-solution/", {"reason": "Still smoking"}
    )
    assert response.status_code == 302
    resolved_case.refresh_from_db()
    assert resolved_case.state_category == "open" and resolved_case.reopen_count == 1


def test_action_not_allowed_now_is_409_with_the_allowed_actions(client_as, dana_case):
    response = client_as("customer").post(f"/portal/cases/{dana_case.number}/act/accept-solution/")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Possible now:" in html and "Close case" in html


def test_agent_only_action_is_403(client_as, dana_case):
    response = client_as("customer").post(
        f"/portal/cases/{dana_case.number}/act/propose-solution/", RESOLVE
    )
    assert response.status_code in (403, 409)


def test_customer_closes_an_open_case(client_as, dana_case):
    html = page(client_as("customer"), dana_case).content.decode()
    assert "Close case" in html
    response = client_as("customer").post(f"/portal/cases/{dana_case.number}/act/close/")
    assert response.status_code == 302
    dana_case.refresh_from_db()
    assert dana_case.state_category == "closed" and dana_case.resolution_code == "solved_by_customer"


def test_no_close_button_while_resolved(client_as, resolved_case):
    html = page(client_as("customer"), resolved_case).content.decode()
    assert "/act/close/" not in html


def test_survey_once_then_409(world, client_as, resolved_case):
    client = client_as("customer")
    assert client.post(f"/portal/cases/{resolved_case.number}/survey/", {"rating": "5", "comment": "Fast"}).status_code == 302
    survey = CaseSurvey.objects.get(case=resolved_case)
    assert (survey.rating, survey.comment, survey.respondent) == (5, "Fast", world.users["customer"])
    second = client.post(f"/portal/cases/{resolved_case.number}/survey/", {"rating": "1"})
    assert second.status_code == 409
    assert CaseSurvey.objects.get(case=resolved_case).rating == 5


def test_survey_not_offered_before_resolution(client_as, dana_case):
    client = client_as("customer")
    assert "How did we do?" not in page(client, dana_case).content.decode()
    assert client.post(f"/portal/cases/{dana_case.number}/survey/", {"rating": "5"}).status_code == 409


def test_attach_and_download_through_the_safe_view(client_as, dana_case):
    client = client_as("customer")
    upload = SimpleUploadedFile("log.txt", b"printer log\n", content_type="text/plain")
    assert client.post(f"/portal/cases/{dana_case.number}/attach/", {"file": upload}).status_code == 302
    html = page(client, dana_case).content.decode()
    attachment = dana_case.attachments.get()
    link = f"/api/v1/cases/{dana_case.pk}/attachments/{attachment.pk}/download/"
    assert link in html
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert client_as("other_customer").get(link).status_code == 404


def test_internal_attachment_is_not_listed(world, client_as, dana_case):
    upload = SimpleUploadedFile("internal.txt", b"INTERNAL\n", content_type="text/plain")
    services.attachment_add(actor=world.users["agent"], case=dana_case, uploaded_file=upload, customer_visible=False)
    assert "internal.txt" not in page(client_as("customer"), dana_case).content.decode()


def test_refused_file_type_is_415_with_a_message(client_as, dana_case):
    upload = SimpleUploadedFile("x.html", b"<html><script>alert(1)</script></html>", content_type="text/html")
    response = client_as("customer").post(f"/portal/cases/{dana_case.number}/attach/", {"file": upload})
    assert response.status_code == 415 and "not accepted" in response.content.decode()


def test_closed_case_has_no_comment_box_and_refuses_comments(world, client_as, resolved_case):
    case = act(world, "customer", resolved_case, "accept-solution")
    client = client_as("customer")
    assert f"/portal/cases/{case.number}/comment/" not in page(client, case).content.decode()
    assert client.post(f"/portal/cases/{case.number}/comment/", {"body": "hello?"}).status_code == 409


def test_case_page_queries_are_bounded(world, client_as, dana_case, django_assert_max_num_queries):
    agent = world.users["agent"]
    for i in range(15):
        services.case_comment_add(actor=agent, case=dana_case, body=f"reply {i}")
    client = client_as("customer")
    page(client, dana_case)
    with django_assert_max_num_queries(30):
        assert page(client, dana_case).status_code == 200
