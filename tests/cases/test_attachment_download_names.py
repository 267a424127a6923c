"""A download is named after the type its content was sniffed as, never after the client's
extension: `evil.html` that is plain text is saved as `evil.txt`, as an attachment, from every
place that offers the file (the API, the portal's and the workspace's links, the admin)."""
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from cases import services
from tests.cases import attachment_files as files

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.mark.parametrize("name, content_type, expected", [
    ("evil.html", "text/plain", "evil.txt"),
    ("evil.HTML", "text/plain", "evil.txt"),
    ("notes", "text/plain", "notes.txt"),
    ("log.txt", "text/plain", "log.txt"),
    ("photo.JPEG", "image/jpeg", "photo.JPEG"),
    ("invoice.pdf.exe", "application/pdf", "invoice.pdf.pdf"),
    ("report.pdf", "image/png", "report.png"),
    ("data.csv", "text/csv", "data.csv"),
    ("letter.doc", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "letter.docx"),
    ("blob.dat", "application/octet-stream", "blob.bin"),
    ("..", "text/plain", "attachment.txt"),
    ("../../etc/passwd", "text/plain", "passwd.txt"),
])
def test_download_name_takes_the_sniffed_types_extension(name, content_type, expected):
    assert services.attachment_download_name(name, content_type) == expected


@pytest.fixture
def evil(world):
    """Plain text a customer uploaded as evil.html, on their case."""
    case = services.case_create(actor=world.users["customer"], short_description="Look at this")
    upload = SimpleUploadedFile("evil.html", b"just text, no markup\n", content_type="text/html")
    attachment = services.attachment_add(actor=world.users["customer"], case=case, uploaded_file=upload)
    assert attachment.content_type == "text/plain" and attachment.original_name == "evil.html"
    return case, attachment


def _saved_as(response) -> str:
    assert response.status_code == 200, response
    disposition = response["Content-Disposition"]
    response.close()
    assert disposition.startswith("attachment;") and response["Content-Type"].startswith("text/plain")
    return re.search(r'filename="?([^";]+)"?', disposition).group(1)


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner", "agent", "manager", "admin"])
def test_api_download_is_saved_under_the_sniffed_extension(persona, api_as, evil):
    case, attachment = evil
    response = api_as(persona).get(f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/download/")
    assert _saved_as(response) == "evil.txt"


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner"])
def test_portal_link_downloads_under_the_sniffed_extension(persona, client_as, evil):
    case, attachment = evil
    client = client_as(persona)
    html = client.get(f"/portal/cases/{case.number}/").content.decode()
    link = re.search(rf'href="([^"]+/attachments/{attachment.pk}/download/)"', html).group(1)
    assert _saved_as(client.get(link)) == "evil.txt"


@pytest.mark.parametrize("persona", ["agent", "manager", "admin"])
def test_workspace_link_downloads_under_the_sniffed_extension(persona, client_as, evil):
    case, attachment = evil
    client = client_as(persona)
    html = client.get(f"/cases/{case.number}/").content.decode()
    link = re.search(rf'href="([^"]+/{attachment.pk}/download/)"', html).group(1)
    assert _saved_as(client.get(link)) == "evil.txt"


def test_admin_download_is_saved_under_the_sniffed_extension(client_as, evil):
    _, attachment = evil
    response = client_as("admin").get(reverse("admin:cases_caseattachment_download", args=[attachment.pk]))
    assert _saved_as(response) == "evil.txt"
