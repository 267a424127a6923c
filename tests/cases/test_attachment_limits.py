"""Issue 14: the customer side's files on one case are bounded for every external writer (not
only consumers): CUSTOMER_MAX_ATTACHMENTS_PER_CASE, in the service, so the API, the portal and
inbound mail refuse alike; agents' files do not count."""
import pytest
from django.test import override_settings

from cases import services
from cases.models import CaseAttachment
from core.exceptions import LimitExceeded
from tests.cases import attachment_files as files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def add(world, persona, case, **kwargs):
    return services.attachment_add(actor=world.users[persona], case=case, uploaded_file=files.upload(), **kwargs)


@override_settings(CUSTOMER_MAX_ATTACHMENTS_PER_CASE=2)
def test_contacts_and_partners_share_the_bound_and_agents_do_not_count(world, open_case):
    add(world, "agent", open_case)
    add(world, "agent", open_case, customer_visible=False)
    add(world, "customer", open_case)
    add(world, "partner", open_case)
    with pytest.raises(LimitExceeded, match="already has 2 files from the customer side"):
        add(world, "customer_admin", open_case)
    add(world, "agent", open_case)  # agents still attach
    assert CaseAttachment.objects.filter(case=open_case).count() == 5


@override_settings(CUSTOMER_MAX_ATTACHMENTS_PER_CASE=1)
def test_the_api_answers_429_past_the_bound(world, api_as, open_case):
    url = f"/api/v1/cases/{open_case.pk}/attachments/"
    assert api_as("customer").post(url, {"file": files.upload()}, format="multipart").status_code == 201
    response = api_as("customer").post(url, {"file": files.upload()}, format="multipart")
    assert response.status_code == 429 and "from the customer side" in str(response.data)


@override_settings(CUSTOMER_MAX_ATTACHMENTS_PER_CASE=0)
def test_zero_switches_the_bound_off(world, open_case):
    for _ in range(3):
        add(world, "customer", open_case)
    assert CaseAttachment.objects.filter(case=open_case).count() == 3
