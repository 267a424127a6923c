"""The admin console for messages: templates with a preview and their variables, preferences,
and held messages released by hand."""
import pytest

from notifications import registry
from notifications.choices import Audience, NotificationState
from notifications.models import Notification, NotificationPreference, NotificationTemplate
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db
BASE = "/admin/notifications"


def _template(event="case.solution_proposed", audience=Audience.CUSTOMER):
    return NotificationTemplate.objects.get(event=event, audience=audience)


def _form(template, **changes):
    return {"subject": template.subject, "body": template.body, "active": "on" if template.active else "",
            "_continue": "1", **changes}


def test_the_change_page_previews_the_template_with_sample_data_and_lists_its_variables(client_as):
    template = _template()
    page = client_as("admin").get(f"{BASE}/notificationtemplate/{template.pk}/change/").content.decode()
    assert "Solution proposed for your case: Printer jams on every page" in page  # the rendered sample
    assert "Accept the solution to close the case" in page
    assert "{{ case.close_notes }}" in page and "Updated the firmware to 2.1." in page  # a variable, its sample
    assert "{{ work_note }}" not in page  # a customer template has no such variable


def test_the_internal_template_lists_internal_variables(client_as):
    page = client_as("admin").get(
        f"{BASE}/notificationtemplate/{_template('case.work_noted', Audience.INTERNAL).pk}/change/"
    ).content.decode()
    assert "{{ work_note }}" in page and "{{ case.assignment_group }}" in page


def test_saving_a_template_that_does_not_render_is_refused_with_the_reason(client_as):
    template = _template()
    response = client_as("admin").post(f"{BASE}/notificationtemplate/{template.pk}/change/",
                                        _form(template, body="{% for %}"))
    assert response.status_code == 200
    assert "Template error" in response.content.decode()
    assert _template().body == template.body


def test_saving_a_template_changes_the_text_and_the_preview(client_as):
    template = _template()
    client = client_as("admin")
    response = client.post(f"{BASE}/notificationtemplate/{template.pk}/change/",
                           _form(template, subject="Fixed? {{ case.number }}"))
    assert response.status_code == 302
    assert _template().subject == "Fixed? {{ case.number }}"
    assert "Fixed? CS0000042" in client.get(response["Location"]).content.decode()


def test_switching_a_template_off_from_the_admin(client_as):
    template = _template()
    response = client_as("admin").post(f"{BASE}/notificationtemplate/{template.pk}/change/",
                                       _form(template, active=""))
    assert response.status_code == 302 and _template().active is False


def test_restore_the_shipped_text_action(client_as):
    template = _template()
    NotificationTemplate.objects.filter(pk=template.pk).update(subject="mangled")
    response = client_as("admin").post(f"{BASE}/notificationtemplate/",
                                       {"action": "restore_shipped_text", "_selected_action": [template.pk]})
    assert response.status_code == 302
    assert _template().subject == registry.event("case.solution_proposed").texts[Audience.CUSTOMER].subject


def test_admins_add_a_template_back_for_a_registered_event(client_as):
    NotificationTemplate.objects.filter(event="case.closed", audience=Audience.CUSTOMER).delete()
    response = client_as("admin").post(f"{BASE}/notificationtemplate/add/", {
        "event": "case.closed", "audience": Audience.CUSTOMER, "subject": "Closed", "body": "{{ case.number }}",
        "active": "on",
    })
    assert response.status_code == 302
    assert _template("case.closed").subject == "Closed"


def test_admins_set_someones_preference(client_as, world):
    response = client_as("admin").post(f"{BASE}/notificationpreference/add/", {
        "user": world.user("customer").pk, "topic": "case.*", "email": "on", "delivery": "digest",
    })
    assert response.status_code == 302
    assert NotificationPreference.objects.get(user=world.user("customer")).delivery == "digest"


def test_a_bad_topic_is_refused_in_the_admin(client_as, world):
    response = client_as("admin").post(f"{BASE}/notificationpreference/add/", {
        "user": world.user("customer").pk, "topic": "cases", "email": "on", "delivery": "digest",
    })
    assert response.status_code == 200 and "is not an event code" in response.content.decode()


def test_release_held_messages_action(client_as, mocker):
    mocker.patch("notifications.tasks.send_notification_task.delay")
    held = NotificationFactory(state=NotificationState.HELD)
    response = client_as("admin").post(f"{BASE}/notification/", {"action": "release", "_selected_action": [held.pk]})
    assert response.status_code == 302
    assert Notification.objects.get(pk=held.pk).state == NotificationState.PENDING
