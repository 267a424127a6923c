"""The consumer limits (reference 3.1): enforced in the services, so the API answers 429 and the
portal shows the message with 429; they apply to consumers, not to contacts of accounts."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import services
from core.exceptions import LimitExceeded

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limits(settings):
    settings.CONSUMER_MAX_NEW_CASES_DAILY = 2
    settings.CONSUMER_MAX_COMMENTS_PER_CASE_DAILY = 2
    settings.CONSUMER_MAX_ATTACHMENTS_PER_RECORD = 1


def test_defaults_are_the_reference_values(settings):
    assert (settings.CONSUMER_MAX_NEW_CASES_DAILY, settings.CONSUMER_MAX_COMMENTS_PER_CASE_DAILY,
            settings.CONSUMER_MAX_ATTACHMENTS_PER_RECORD) == (10, 25, 5)


def test_consumer_new_case_limit_in_the_service_api_and_portal(small_limits, consumer_user, client):
    for i in range(2):
        services.case_create(actor=consumer_user, short_description=f"Kettle {i}")
    with pytest.raises(LimitExceeded):
        services.case_create(actor=consumer_user, short_description="Kettle 3")
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(consumer_user)
    response = api.post("/api/v1/cases/", {"short_description": "Kettle 3"}, format="json")
    assert response.status_code == 429 and response.data["code"] == "rate_limited"
    assert "2 cases in the last 24 hours" in response.data["detail"]
    client.force_login(consumer_user)
    page = client.post("/portal/help/", {"short_description": "Kettle 3", "urgency": "3"})
    assert page.status_code == 429 and "2 cases in the last 24 hours" in page.content.decode()


def test_consumer_comment_limit_per_case(small_limits, consumer_user, client):
    case = services.case_create(actor=consumer_user, short_description="Kettle")
    other = services.case_create(actor=consumer_user, short_description="Toaster")
    for i in range(2):
        services.case_comment_add(actor=consumer_user, case=case, body=f"update {i}")
    client.force_login(consumer_user)
    response = client.post(f"/portal/cases/{case.number}/comment/", {"body": "one more"})
    assert response.status_code == 429 and "2 comments" in response.content.decode()
    services.case_comment_add(actor=consumer_user, case=other, body="another case is fine")


def test_consumer_attachment_limit_per_record(small_limits, consumer_user, client):
    case = services.case_create(actor=consumer_user, short_description="Kettle")
    services.attachment_add(actor=consumer_user, case=case,
                            uploaded_file=SimpleUploadedFile("a.txt", b"a\n", content_type="text/plain"))
    client.force_login(consumer_user)
    upload = SimpleUploadedFile("b.txt", b"b\n", content_type="text/plain")
    response = client.post(f"/portal/cases/{case.number}/attach/", {"file": upload})
    assert response.status_code == 429
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(consumer_user)
    upload = SimpleUploadedFile("c.txt", b"c\n", content_type="text/plain")
    assert api.post(f"/api/v1/cases/{case.pk}/attachments/", {"file": upload}, format="multipart").status_code == 429


def test_contacts_of_accounts_are_not_limited(small_limits, world):
    for i in range(3):
        services.case_create(actor=world.users["customer"], short_description=f"Printer {i}")


def test_zero_switches_a_limit_off(settings, consumer_user):
    settings.CONSUMER_MAX_NEW_CASES_DAILY = 0
    for i in range(3):
        services.case_create(actor=consumer_user, short_description=f"Kettle {i}")
