"""Case attachments: service rules, the API persona matrices, refusals (409/403/413/415), safe
downloads, the timeline, and storage left clean on every refusal."""
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from cases import services
from cases.models import CaseAttachment, CaseEvent
from core.exceptions import FileTooLarge, InvalidTransition, UnsupportedFileType
from tests.cases import attachment_files as files
from tests.cases.conftest import act
from tests.factories import CaseAttachmentFactory
from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path):
    """Storage in a temporary folder, never in the repository."""
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def add(world, persona, case, upload=None, **kwargs):
    upload = upload or files.upload()
    return services.attachment_add(actor=world.users[persona], case=case, uploaded_file=upload, **kwargs)


@pytest.fixture
def attached(world, open_case):
    """Dana's case with one customer-visible and one internal attachment."""
    visible = add(world, "customer", open_case, files.upload("screenshot.png", files.PNG, "image/png"))
    internal = add(world, "agent", open_case, files.upload("triage.txt"), customer_visible=False)
    return open_case, visible, internal


def assert_download_status(response, expected: int) -> None:
    # tests.matrix.assert_status reads response.content, which a streaming FileResponse lacks.
    if response.status_code == 200:
        assert response.streaming, "downloads stream"
    else:
        assert_status(response, expected)
    assert response.status_code == expected


def url(case, *rest) -> str:
    return "/".join([f"/api/v1/cases/{case.pk}/attachments", *map(str, rest)]) + "/"


# --- service -------------------------------------------------------------------------------------
def test_add_stores_the_sniffed_type_size_hash_and_a_generated_name(world, open_case, media):
    attachment = add(world, "customer", open_case, files.upload("screenshot.png", files.PNG, "image/png"))
    assert attachment.content_type == "image/png" and attachment.size == len(files.PNG)
    assert len(attachment.sha256) == 64 and attachment.uploaded_by == world.users["customer"]
    assert attachment.file.name.startswith(f"cases/{open_case.pk}/") and attachment.file.name.endswith(".png")
    assert (media / attachment.file.name).read_bytes() == files.PNG


def test_customers_cannot_add_internal_attachments(world, open_case, media):
    with pytest.raises(PermissionDenied):
        add(world, "customer", open_case, customer_visible=False)
    assert stored_files(media) == []


def test_outsiders_cannot_add(world, open_case, media):
    with pytest.raises(PermissionDenied):
        add(world, "other_customer", open_case)
    assert stored_files(media) == []


@pytest.mark.parametrize("finish", ["close", "cancel"])
def test_closed_and_cancelled_cases_take_no_attachments(finish, world, open_case, media):
    inputs = {"reason": "x"} if finish == "cancel" else {"resolution_code": "solved_fixed", "close_notes": "done"}
    case = act(world, "agent", open_case, finish, **inputs)
    with pytest.raises(InvalidTransition):
        add(world, "agent", case)
    assert stored_files(media) == [] and not CaseAttachment.objects.exists()


def test_attachment_event_on_the_timeline_mirrors_visibility(attached):
    case, visible, internal = attached
    events = {e.body: e for e in CaseEvent.objects.filter(case=case, kind="attachment")}
    assert events["screenshot.png"].customer_visible and events["screenshot.png"].new == str(visible.pk)
    assert not events["triage.txt"].customer_visible


def test_a_failed_database_write_removes_the_stored_file(world, open_case, media, mocker):
    mocker.patch("cases.services.attachments.events.case_event_record", side_effect=RuntimeError("db down"))
    with pytest.raises(RuntimeError):
        add(world, "agent", open_case)
    assert stored_files(media) == [] and not CaseAttachment.objects.exists()


@override_settings(ATTACHMENT_MAX_BYTES=10)
def test_too_large_is_refused_before_storage(world, open_case, media):
    with pytest.raises(FileTooLarge) as exc:
        add(world, "agent", open_case)
    assert exc.value.limit == 10 and stored_files(media) == []


@override_settings(ATTACHMENT_ALLOWED_TYPES=["application/pdf"])
def test_allowed_types_come_from_settings(world, open_case, media):
    with pytest.raises(UnsupportedFileType) as exc:
        add(world, "agent", open_case, files.upload("a.png", files.PNG))
    assert exc.value.detected == "image/png" and exc.value.allowed == ["application/pdf"]
    assert add(world, "agent", open_case, files.upload("a.pdf", files.PDF)).content_type == "application/pdf"


# --- API: persona matrices -----------------------------------------------------------------------
@matrix(external=200, other_customer=404)
def test_attachment_list(persona, expected, api_as, attached):
    case, visible, internal = attached
    response = api_as(persona).get(url(case))
    assert_status(response, expected)
    if expected == 200:
        ids = {row["id"] for row in response.data["results"]}
        external = persona in ("customer", "customer_admin", "partner")
        assert ids == ({visible.pk} if external else {visible.pk, internal.pk})


@matrix(external=201, other_customer=404, internal=201)
def test_attachment_upload(persona, expected, api_as, open_case, media):
    response = api_as(persona).post(url(open_case), {"file": files.upload()}, format="multipart")
    assert_status(response, expected)
    if expected == 201:
        assert response.data["name"] == "notes.txt" and response.data["customer_visible"] is True
    else:
        assert stored_files(media) == []


@persona_matrix(
    anonymous=401, other_customer=404, customer=403, customer_admin=403, partner=403, agent=201, manager=201, admin=201
)
def test_internal_attachment_upload(persona, expected, api_as, open_case):
    response = api_as(persona).post(
        url(open_case), {"file": files.upload(), "customer_visible": "false"}, format="multipart"
    )
    assert_status(response, expected)
    if expected == 201:
        assert response.data["customer_visible"] is False


@matrix(external=200, other_customer=404)
def test_download_customer_visible(persona, expected, api_as, attached):
    case, visible, _ = attached
    response = api_as(persona).get(url(case, visible.pk, "download"))
    assert_download_status(response, expected)
    if expected == 200:
        assert b"".join(response.streaming_content) == files.PNG
        response.close()


@matrix(external=404, internal=200)
def test_download_internal(persona, expected, api_as, attached):
    case, _, internal = attached
    response = api_as(persona).get(url(case, internal.pk, "download"))
    assert_download_status(response, expected)
    if expected == 200:
        response.close()


def test_attachment_of_another_case_is_404(api_as, world, attached):
    _, visible, _ = attached
    other = services.case_create(actor=world.users["customer"], short_description="Second case")
    assert api_as("agent").get(url(other, visible.pk, "download")).status_code == 404


def test_case_number_addresses_the_case(api_as, attached):
    case, visible, _ = attached
    response = api_as("customer").get(f"/api/v1/cases/{case.number}/attachments/")
    assert response.status_code == 200 and [r["id"] for r in response.data["results"]] == [visible.pk]


# --- API: refusals -------------------------------------------------------------------------------
@override_settings(ATTACHMENT_MAX_BYTES=16)
def test_too_large_is_413_naming_the_limit(api_as, open_case, media):
    response = api_as("agent").post(url(open_case), {"file": files.upload()}, format="multipart")
    assert response.status_code == 413
    assert response.data["code"] == "file_too_large" and response.data["limit"] == 16
    assert "16 bytes" in response.data["detail"] and "file" in response.data["errors"]
    assert stored_files(media) == []


@override_settings(ATTACHMENT_MAX_BYTES=1024)
def test_a_body_far_over_the_limit_is_refused_unread(api_as, open_case, media, mocker):
    service = mocker.spy(services, "attachment_add")
    big = files.upload("big.txt", b"x" * (200 * 1024))
    response = api_as("customer").post(url(open_case), {"file": big}, format="multipart")
    assert response.status_code == 413 and "1024 bytes" in response.data["detail"]
    assert service.call_count == 0 and stored_files(media) == []


def test_refused_type_is_415_naming_detected_and_allowed(api_as, open_case, media):
    tool = files.upload("tool.pdf", files.ELF, "application/pdf")
    response = api_as("agent").post(url(open_case), {"file": tool}, format="multipart")
    assert response.status_code == 415
    assert response.data["code"] == "unsupported_file_type"
    assert response.data["detected"] == "application/octet-stream" and "application/pdf" in response.data["allowed"]
    assert "application/octet-stream" in response.data["detail"] and "image/png" in response.data["detail"]
    assert stored_files(media) == []


def test_html_renamed_png_is_refused(api_as, open_case, media):
    cat = files.upload("cat.png", files.HTML, "image/png")
    response = api_as("customer").post(url(open_case), {"file": cat}, format="multipart")
    assert response.status_code == 415 and response.data["detected"] == "text/html"
    assert stored_files(media) == [] and not CaseAttachment.objects.exists()


def test_png_claiming_to_be_pdf_is_stored_as_png(api_as, open_case, media):
    response = api_as("customer").post(
        url(open_case), {"file": files.upload("invoice.pdf", files.PNG, "application/pdf")}, format="multipart"
    )
    assert response.status_code == 201 and response.data["content_type"] == "image/png"
    attachment = CaseAttachment.objects.get()
    assert attachment.file.name.endswith(".png") and attachment.original_name == "invoice.pdf"


def test_stored_name_never_comes_from_the_client(api_as, open_case, media):
    response = api_as("customer").post(
        url(open_case), {"file": files.upload("../../etc/passwd")}, format="multipart"
    )
    assert response.status_code == 201 and response.data["name"] == "passwd"
    stored = CaseAttachment.objects.get().file.name
    assert "passwd" not in stored and ".." not in stored and stored.startswith(f"cases/{open_case.pk}/")
    assert [p.relative_to(media).as_posix() for p in stored_files(media)] == [stored]


def test_upload_without_a_file_is_400_naming_the_field(api_as, open_case):
    response = api_as("agent").post(url(open_case), {}, format="multipart")
    assert response.status_code == 400 and "file" in response.data["errors"]


def test_empty_file_is_400(api_as, open_case, media):
    response = api_as("agent").post(url(open_case), {"file": files.upload("empty.txt", b"")}, format="multipart")
    assert response.status_code == 400 and "file" in response.data["errors"] and stored_files(media) == []


def test_upload_to_a_closed_case_is_409(api_as, world, open_case, media):
    act(world, "customer", open_case, "close")
    response = api_as("customer").post(url(open_case), {"file": files.upload()}, format="multipart")
    assert response.status_code == 409 and response.data["state"] == "closed"
    assert stored_files(media) == []


def test_closed_case_attachments_stay_readable(api_as, world, attached):
    case, visible, _ = attached
    act(world, "customer", case, "close")
    assert api_as("customer").get(url(case)).status_code == 200
    response = api_as("customer").get(url(case, visible.pk, "download"))
    assert response.status_code == 200
    response.close()


# --- API: download headers, timeline, queries ----------------------------------------------------
def test_download_headers_are_safe(api_as, world, open_case):
    name = 'weird "name"; x.pdf'
    attachment = add(world, "customer", open_case, files.upload(name, files.PDF, "text/html"))
    response = api_as("customer").get(url(open_case, attachment.pk, "download"), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Length"] == str(len(files.PDF))
    response.close()


def test_download_of_a_non_ascii_name_uses_rfc5987(api_as, world, open_case):
    attachment = add(world, "customer", open_case, files.upload("r\u00e9sum\u00e9.txt"))
    response = api_as("customer").get(url(open_case, attachment.pk, "download"))
    assert "filename*=utf-8''r%C3%A9sum%C3%A9.txt" in response["Content-Disposition"]
    response.close()


def test_missing_stored_file_is_404(api_as, world, open_case, media):
    attachment = add(world, "agent", open_case)
    (media / attachment.file.name).unlink()
    assert api_as("agent").get(url(open_case, attachment.pk, "download")).status_code == 404


def test_activity_shows_attachments_and_hides_internal_ones_from_customers(api_as, attached):
    case, _, _ = attached

    def names(persona):
        rows = api_as(persona).get(f"/api/v1/cases/{case.pk}/activity/").data["results"]
        return {r["body"] for r in rows if r["kind"] == "attachment"}

    assert names("customer") == {"screenshot.png"}
    assert names("agent") == {"screenshot.png", "triage.txt"}


@pytest.mark.parametrize("persona", ["customer", "agent"])
def test_attachment_list_queries_are_bounded(persona, api_as, open_case, django_assert_max_num_queries):
    CaseAttachmentFactory.create_batch(15, case=open_case, uploaded_by=open_case.opened_by)
    client = api_as(persona)
    with django_assert_max_num_queries(8):
        response = client.get(url(open_case))
    assert response.status_code == 200 and response.data["count"] == 15


# --- a customer's file answers a request for information; orphans are swept ------------------------
def test_a_customer_upload_reopens_a_case_awaiting_info(world, open_case):
    act(world, "agent", open_case, "assign-to-me")
    act(world, "agent", open_case, "request-info", comment="Send us the error log.")
    add(world, "customer", open_case, files.upload("error.log.txt"))
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_an_agent_upload_leaves_a_case_awaiting_info_waiting(world, open_case):
    act(world, "agent", open_case, "assign-to-me")
    act(world, "agent", open_case, "request-info", comment="Send us the error log.")
    add(world, "agent", open_case, files.upload("our-notes.txt"))
    open_case.refresh_from_db()
    assert open_case.state == "awaiting_info"


def test_a_file_left_by_an_outer_rollback_is_swept_once_old_enough(world, open_case, media):
    import datetime
    import os

    from django.db import transaction

    kept = add(world, "customer", open_case)

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        add(world, "customer", open_case, files.upload("lost.txt"))
        raise Rollback
    assert len(stored_files(media)) == 2  # the row is gone, its file is not
    assert services.attachment_sweep_orphans() == []  # too new: its transaction might be open
    orphan = next(p for p in stored_files(media) if p.name != Path(kept.file.name).name)
    old = (datetime.datetime.now() - datetime.timedelta(days=1)).timestamp()
    os.utime(orphan, (old, old))
    os.utime(media / kept.file.name, (old, old))
    removed = services.attachment_sweep_orphans()
    assert removed == [str(orphan.relative_to(media))]
    assert stored_files(media) == [media / kept.file.name]


def test_the_sweep_copes_with_no_files_yet(db, media):
    assert services.attachment_sweep_orphans() == []
