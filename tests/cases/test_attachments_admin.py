"""The attachments admin: read-only, a download that streams with the API's safe headers, and
the inline the Case admin shows."""
import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.test import RequestFactory, override_settings
from django.urls import reverse

from cases import services
from cases.admin_attachments import AttachmentInline
from cases.models import Case
from tests.cases import attachment_files as files
from tests.matrix import persona_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path):
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


@pytest.fixture
def attachment(world, open_case):
    scan = files.upload("scan.pdf", files.PDF)
    agent = world.users["agent"]
    return services.attachment_add(actor=agent, case=open_case, uploaded_file=scan, customer_visible=False)


@persona_matrix(
    anonymous=302, other_customer=302, customer=302, customer_admin=302, partner=302, agent=302, manager=302, admin=200
)
def test_admin_download(persona, expected, client_as, attachment):
    response = client_as(persona).get(reverse("admin:cases_caseattachment_download", args=[attachment.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == files.PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="scan.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        response.close()


def test_admin_download_of_a_missing_attachment_is_404(client_as, world):
    assert client_as("admin").get(reverse("admin:cases_caseattachment_download", args=[999999])).status_code == 404


def test_admin_change_page_is_read_only_and_links_the_download(client_as, attachment):
    response = client_as("admin").get(reverse("admin:cases_caseattachment_change", args=[attachment.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin:cases_caseattachment_download", args=[attachment.pk]) in body
    assert 'name="original_name"' not in body and "/media/" not in body


def test_admin_cannot_add_change_or_delete(world, attachment):
    model_admin = admin.site._registry[type(attachment)]
    request = RequestFactory().get("/")
    request.user = world.users["admin"]
    assert model_admin.has_view_permission(request, attachment)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, attachment)
    assert not model_admin.has_delete_permission(request, attachment)


def test_inline_lists_the_case_attachments_read_only(world, attachment):
    site = AdminSite(name="inline_test")
    request = RequestFactory().get("/")
    request.user = world.users["admin"]
    inline = AttachmentInline(Case, site)
    assert not inline.has_add_permission(request, attachment.case)
    assert not inline.has_change_permission(request, attachment.case)
    assert not inline.has_delete_permission(request, attachment.case)
    assert list(inline.get_queryset(request).filter(case=attachment.case)) == [attachment]
    formset_class = inline.get_formset(request, attachment.case)
    formset = formset_class(instance=Case.objects.get(pk=attachment.case_id))
    assert len(formset.forms) == 1
    assert set(formset.forms[0].fields) == {"id", "case"}  # only the hidden keys: every column is read-only
