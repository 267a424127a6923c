"""Inbound mail end to end through the services: a test per shape of the corpus (Outlook, Gmail,
Apple Mail, forwarded, auto-reply, bounce, non-UTF-8, inline images, a huge attachment,
malformed MIME), threading, the sender's right, and the policies."""
import pytest
from django.test import override_settings

from cases import services as case_services
from cases.choices import EventKind
from cases.models import Case, CaseAttachment, CaseEvent
from customers import services as customer_services
from interactions import services_mail
from interactions.choices import InboundState
from interactions.models import InboundMessage, Interaction
from notifications.models import Notification
from tests.cases.conftest import run_followups
from tests.interactions.mail_conftest import corpus, deliver, mailbox, media  # noqa: F401

pytestmark = pytest.mark.django_db
S = InboundState


@pytest.fixture
def dana(world):
    return world.contacts["customer"]


@pytest.fixture
def acme_case(world, dana):
    case = case_services.case_create(actor=world.users["agent"], short_description="Printer jams", contact=dana)
    return case_services.case_act(actor=world.users["agent"], case=case, action="assign-to-me")


def _awaiting(world, case):
    return case_services.case_act(actor=world.users["agent"], case=case, action="request-info", comment="Which model?")


def _our_message_id(case) -> str:
    """The Message-ID of a message we sent about the case (without brackets)."""
    row = Notification.objects.filter(related=f"cases.case:{case.pk}").exclude(message_id="").latest("id")
    return row.message_id.strip("<>")


def _comments(case):
    return list(CaseEvent.objects.filter(case=case, kind=EventKind.COMMENT).order_by("id").values_list("body", flat=True))


# --- replies -------------------------------------------------------------------------------------
def test_outlook_reply_threads_by_our_message_id_strips_history_and_reopens_awaiting_case(world, dana, acme_case, deliver):
    case = _awaiting(world, acme_case)
    assert case.state == "awaiting_info"
    raw = corpus("outlook_reply.eml", sender=dana.email, case="CS9999999", reply_to=_our_message_id(case))
    message = deliver(raw)
    case.refresh_from_db()
    assert message.state == S.PROCESSED and message.case_id == case.pk and message.comment_id
    body = _comments(case)[-1]
    assert "LJ-4000, serial 12345" in body
    assert "Sent:" not in body and "could you tell us" not in body
    assert case.state == "open"
    assert "a reply to our message" in message.reason


def test_gmail_reply_threads_by_the_thread_root_in_references(world, dana, acme_case, deliver):
    message = deliver(corpus("gmail_reply.eml", sender=dana.email, case=acme_case.number))
    assert message.state == S.PROCESSED and message.case_id == acme_case.pk
    body = _comments(acme_case)[-1]
    assert body == "Thanks, the new driver fixed it \u2014 you can close the case."
    assert "thread header" in message.reason


def test_apple_mail_reply_decodes_quoted_printable_and_keeps_the_inline_image(world, dana, acme_case, deliver):
    message = deliver(corpus("apple_mail_inline_image.eml", sender=dana.email, case=acme_case.number))
    assert message.state == S.PROCESSED and message.case_id == acme_case.pk  # by the number in the subject
    assert "\u201cPaper jam in tray 2\u201d" in _comments(acme_case)[-1]
    assert "Could you send a photo" not in _comments(acme_case)[-1]
    files = list(CaseAttachment.objects.filter(case=acme_case))
    assert [(f.original_name, f.content_type, f.customer_visible) for f in files] == [("display.png", "image/png", True)]
    assert message.attachments_kept == 1 and message.attachment_errors == []


def test_reply_by_task_number_in_the_subject(world, dana, acme_case, deliver):
    task = case_services.case_task_create(actor=world.users["agent"], case=acme_case, short_description="Check tray")
    raw = corpus("forwarded.eml", sender=dana.email).replace(b"Subject: Fwd: Error report", f"Subject: Re: {task.number} report".encode())
    message = deliver(raw)
    assert message.case_id == acme_case.pk and "task number" in message.reason


def test_the_sender_of_a_mail_comment_gets_no_echo_but_the_assignee_is_told(world, dana, acme_case, deliver):
    message = deliver(corpus("gmail_reply.eml", sender=dana.email, case=acme_case.number))
    rows = Notification.objects.filter(dedupe_key__startswith=f"case-event:{message.comment_id}:")
    assert {r.to_address for r in rows} == {world.users["agent"].email}


def test_a_contact_without_a_login_comments_on_their_own_case(world, deliver):
    walt = customer_services.contact_create(actor=None, account=world.account, first_name="Walt", last_name="Nologin",
                                            email="walt@acme.example")
    case = case_services.case_create(actor=world.users["agent"], short_description="Scanner", contact=walt)
    message = deliver(corpus("gmail_reply.eml", sender="walt@acme.example", case=case.number))
    assert message.state == S.PROCESSED and message.contact_id == walt.pk
    comment = CaseEvent.objects.get(pk=message.comment_id)
    assert comment.customer_visible and comment.author_id is None
    note = CaseEvent.objects.filter(case=case, kind=EventKind.EMAIL).get()
    assert not note.customer_visible and "walt@acme.example" in note.body


def test_a_sender_who_may_not_write_to_the_case_is_held(world, acme_case, deliver):
    erin = world.contacts["other_customer"]  # Globex: Acme's case is not theirs
    message = deliver(corpus("gmail_reply.eml", sender=erin.email, case=acme_case.number))
    assert message.state == S.HELD and f"may not write to {acme_case.number}" in message.reason
    assert _comments(acme_case) == []


def test_a_customer_admin_of_the_account_may_reply(world, acme_case, deliver):
    carl = world.contacts["customer_admin"]
    message = deliver(corpus("gmail_reply.eml", sender=carl.email, case=acme_case.number))
    assert message.state == S.PROCESSED and message.comment_id


def test_a_listed_related_party_may_reply(world, acme_case, deliver):
    lena = customer_services.contact_create(actor=None, account=world.child_account, first_name="Lena", last_name="Listed",
                                            email="lena@globex.example")
    case_services.case_party_add(actor=world.users["agent"], case=acme_case, party_type="listed_contact", contact=lena)
    message = deliver(corpus("gmail_reply.eml", sender="lena@globex.example", case=acme_case.number))
    assert message.state == S.PROCESSED and message.comment_id


# --- new mail ------------------------------------------------------------------------------------
def test_forwarded_mail_from_a_contact_opens_a_case_keeping_the_forwarded_text(world, dana, deliver):
    message = deliver(corpus("forwarded.eml", sender=dana.email))
    case = Case.objects.get(pk=message.case_id)
    assert case.channel == "email" and case.contact_id == dana.pk and case.account_id == world.account.pk
    assert case.short_description == "Fwd: Error report from the LJ-4000"
    assert "Error 13.2: paper jam in tray 2" in case.description
    assert case.opened_by_id is None


def test_a_new_case_from_mail_acknowledges_the_sender_with_thread_headers(dana, deliver):
    message = deliver(corpus("forwarded.eml", sender=dana.email))
    run_followups()  # the acknowledgement is the "case opened" mail: written after commit
    ack = Notification.objects.get(event="case.created", related=f"cases.case:{message.case_id}")
    assert ack.to_address == dana.email and ack.headers["References"].startswith("<case-CS")


def test_mailbox_defaults_set_the_case_type_and_group(world, dana, mailbox, deliver):
    services_mail.mailbox_update(actor=None, instance=mailbox, default_assignment_group=world.group)
    mailbox.refresh_from_db()
    message = deliver(corpus("forwarded.eml", sender=dana.email))
    assert Case.objects.get(pk=message.case_id).assignment_group_id == world.group.pk


def test_html_only_mail_becomes_text_without_scripts_and_keeps_the_cid_image(dana, deliver):
    message = deliver(corpus("inline_image_html.eml", sender=dana.email))
    case = Case.objects.get(pk=message.case_id)
    assert "The portal shows this error:" in case.description and "- Browser: Firefox" in case.description
    assert "alert" not in case.description and "color:red" not in case.description
    assert list(CaseAttachment.objects.filter(case=case).values_list("original_name", flat=True)) == ["screenshot.png"]


def test_a_refused_attachment_is_recorded_and_the_rest_kept(dana, deliver):
    message = deliver(corpus("new_with_attachments.eml", sender=dana.email))
    assert message.state == S.PROCESSED
    assert list(CaseAttachment.objects.filter(case_id=message.case_id).values_list("original_name", flat=True)) == ["log.pdf"]
    assert [e["name"] for e in message.attachment_errors] == ["fixer.exe"]
    assert "application/octet-stream" in message.attachment_errors[0]["reason"]
    case = Case.objects.get(pk=message.case_id)
    assert "Dana Diaz | Acme" not in case.description  # the signature is cut


def _with_attachment(raw_text: bytes, name: str, data: bytes, ctype: str) -> bytes:
    import base64

    encoded = base64.encodebytes(data)
    return (
        b"From: Dana Diaz <" + raw_text + b">\r\nTo: support@casedesk.localhost\r\nSubject: Big file\r\n"
        b"Message-ID: <big-" + str(len(data)).encode() + b"@acme.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nThe dump is attached.\r\n'
        b"--B\r\nContent-Type: " + ctype.encode() + b'; name="' + name.encode() + b'"\r\nContent-Transfer-Encoding: base64\r\n'
        b'Content-Disposition: attachment; filename="' + name.encode() + b'"\r\n\r\n' + encoded + b"--B--\r\n"
    )


def test_a_huge_attachment_is_refused_with_the_limit_and_the_mail_still_opens_a_case(dana, deliver, settings):
    big = b"%PDF-1.4\n" + b"0" * (settings.ATTACHMENT_MAX_BYTES + 1)  # generated, over the real 10 MiB limit
    message = deliver(_with_attachment(dana.email.encode(), "dump.pdf", big, "application/pdf"))
    assert message.state == S.PROCESSED and message.case_id
    assert message.attachment_errors[0]["name"] == "dump.pdf"
    assert "larger than the limit" in message.attachment_errors[0]["reason"]
    assert not CaseAttachment.objects.filter(case_id=message.case_id).exists()


def test_an_oversized_message_is_kept_but_quarantined(dana, deliver):
    raw = _with_attachment(dana.email.encode(), "a.pdf", b"%PDF-1.4\n" + b"0" * 5000, "application/pdf")
    with override_settings(INBOUND_MAIL_MAX_BYTES=2000):
        message = deliver(raw)
    assert message.state == S.QUARANTINED and "over the limit of 2000 bytes" in message.reason
    assert bytes(message.raw) == raw and message.case_id is None


@pytest.mark.parametrize(
    "name, expected",
    [
        ("latin1.eml", "L'imprimante du 2e \u00e9tage affiche \u00ab bourrage papier \u00bb"),
        ("windows1252.eml", "\u20ac 120 for the \u201cpremium\u201d plan \u2013 we pay \u20ac 100"),
        ("shift_jis.eml", "\u30d7\u30ea\u30f3\u30bf\u30fc\u304c\u7d19\u8a70\u307e\u308a"),
        ("unknown_charset.eml", "Stra\u00dfe und Gr\u00fc\u00dfe"),
    ],
)
def test_non_utf8_and_unknown_charsets_are_decoded(dana, deliver, name, expected):
    message = deliver(corpus(name, sender=dana.email))
    assert message.state == S.PROCESSED
    assert expected in Case.objects.get(pk=message.case_id).description


def test_encoded_headers_are_decoded(dana, deliver):
    message = deliver(corpus("latin1.eml", sender=dana.email))
    assert message.subject == "Probl\u00e8me d'imprimante \u00e0 l'\u00e9tage" and message.from_name == "Ren\u00e9e M\u00fcller"
    sjis = deliver(corpus("shift_jis.eml", sender=dana.email))
    assert sjis.subject == "\u30d7\u30ea\u30f3\u30bf\u30fc\u306e\u6545\u969c"


def test_an_unknown_charset_is_noted_on_the_message(dana, deliver):
    message = deliver(corpus("unknown_charset.eml", sender=dana.email))
    assert "x-no-such-charset" in message.reason


# --- never answered ------------------------------------------------------------------------------
def test_an_out_of_office_reply_is_ignored_and_never_answered(world, dana, acme_case, deliver):
    before = Notification.objects.count()
    message = deliver(corpus("out_of_office.eml", sender=dana.email, case=acme_case.number))
    assert message.state == S.IGNORED and "auto-replied" in message.reason
    assert _comments(acme_case) == [] and Notification.objects.count() == before


def test_a_bounce_is_ignored(deliver):
    message = deliver(corpus("bounce_dsn.eml"))
    assert message.state == S.IGNORED and Notification.objects.filter(to_address__icontains="mailer-daemon").count() == 0


def test_a_delivery_report_without_auto_submitted_is_still_ignored(deliver):
    raw = corpus("bounce_dsn.eml").replace(b"Auto-Submitted: auto-replied\r\n", b"").replace(
        b"MAILER-DAEMON@mx.acme.example", b"bounces@mx.acme.example"
    )
    message = deliver(raw)
    assert message.state == S.IGNORED and "multipart/report" in message.reason


@pytest.mark.parametrize("header", [b"X-Autoreply: yes", b"Precedence: bulk", b"X-Auto-Response-Suppress: OOF"])
def test_other_auto_reply_headers_are_ignored(dana, deliver, header):
    raw = corpus("forwarded.eml", sender=dana.email).replace(b"MIME-Version", header + b"\r\nMIME-Version", 1)
    assert deliver(raw).state == S.IGNORED


def test_mail_from_our_own_address_is_ignored(deliver):
    raw = corpus("forwarded.eml", sender="support@casedesk.localhost")
    message = deliver(raw)
    assert message.state == S.IGNORED and "Our own mail" in message.reason


# --- malformed -----------------------------------------------------------------------------------
def test_a_broken_boundary_is_quarantined_with_the_reason(dana, deliver):
    message = deliver(corpus("broken_boundary.eml", sender=dana.email))
    assert message.state == S.QUARANTINED and "boundary" in message.reason and message.case_id is None


def test_bad_base64_is_quarantined_with_the_reason(dana, deliver):
    message = deliver(corpus("bad_base64.eml", sender=dana.email))
    assert message.state == S.QUARANTINED and "base64" in message.reason


def test_an_unexpected_error_quarantines_instead_of_dropping(dana, deliver, mocker):
    mocker.patch("interactions.services_mail._new_case", side_effect=RuntimeError("boom"))
    message = deliver(corpus("forwarded.eml", sender=dana.email))
    assert message.state == S.QUARANTINED and "RuntimeError: boom" in message.reason
    assert not Case.objects.filter(short_description__startswith="Fwd: Error report").exists()


# --- storing -------------------------------------------------------------------------------------
def test_a_repoll_never_stores_twice(mailbox, dana, deliver):
    raw = corpus("forwarded.eml", sender=dana.email)
    first = deliver(raw, key="imap:1:10")
    again, created = services_mail.inbound_store(mailbox=mailbox, raw=raw, source_key="imap:1:10")
    moved, created2 = services_mail.inbound_store(mailbox=mailbox, raw=raw, source_key="imap:2:3")  # same Message-ID
    assert not created and not created2 and again.pk == moved.pk == first.pk
    assert InboundMessage.objects.count() == 1 and Case.objects.filter(channel="email").count() == 1


def test_processing_twice_changes_nothing(dana, deliver):
    message = deliver(corpus("forwarded.eml", sender=dana.email))
    services_mail.inbound_process(message_id=message.pk)
    assert Case.objects.filter(channel="email").count() == 1


def test_the_stale_received_rows_are_queued_again(mailbox, dana, mocker):
    from datetime import timedelta

    from django.utils import timezone

    delay = mocker.patch("interactions.services_mail.process_inbound_message_task.delay")
    message, _ = services_mail.inbound_store(mailbox=mailbox, raw=corpus("forwarded.eml", sender=dana.email), source_key="k")
    assert services_mail.inbound_requeue_stale() == 0
    assert services_mail.inbound_requeue_stale(now=timezone.now() + timedelta(minutes=3)) == 1
    delay.assert_called_once_with(message_id=message.pk)


# --- policies ------------------------------------------------------------------------------------
def test_an_unknown_sender_is_held_by_default(deliver):
    message = deliver(corpus("forwarded.eml", sender="stranger@nowhere.example"))
    assert message.state == S.HELD and "Unknown sender" in message.reason and not Case.objects.filter(channel="email").exists()


def test_unknown_sender_policy_interaction_opens_an_unidentified_interaction(deliver):
    with override_settings(INBOUND_MAIL_UNKNOWN_SENDER="interaction"):
        message = deliver(corpus("forwarded.eml", sender="stranger@nowhere.example"))
    interaction = Interaction.objects.get(pk=message.interaction_id)
    assert message.state == S.PROCESSED and interaction.type == "email" and interaction.contact_id is None
    assert interaction.caller_address == "stranger@nowhere.example"


def test_unknown_sender_policy_ignore(deliver):
    with override_settings(INBOUND_MAIL_UNKNOWN_SENDER="ignore"):
        assert deliver(corpus("forwarded.eml", sender="stranger@nowhere.example")).state == S.IGNORED


def _close(world, case):
    return case_services.case_act(actor=world.users["agent"], case=case, action="close",
                                  resolution_code="solved_fixed", close_notes="Fixed.")


def test_a_reply_to_a_closed_case_opens_a_new_case_linked_to_it(world, dana, acme_case, deliver):
    _close(world, acme_case)
    message = deliver(corpus("gmail_reply.eml", sender=dana.email, case=acme_case.number))
    new = Case.objects.get(pk=message.case_id)
    assert new.pk != acme_case.pk and new.parent_id == acme_case.pk and new.contact_id == dana.pk
    assert f"{acme_case.number} is closed" in message.reason and f"opened {new.number} as its follow-up" in message.reason


def test_a_follow_up_case_and_the_closed_case_name_each_other_on_their_timelines(world, dana, acme_case, deliver,
                                                                                 client_as):
    closed = _close(world, acme_case)
    version = closed.version
    message = deliver(corpus("gmail_reply.eml", sender=dana.email, case=acme_case.number))
    new = Case.objects.get(pk=message.case_id)
    on_new = CaseEvent.objects.get(case=new, kind=EventKind.FOLLOW_UP)
    on_old = CaseEvent.objects.get(case=acme_case, kind=EventKind.FOLLOW_UP)
    assert on_new.body.startswith(f"Follow-up of {acme_case.number} ") and on_new.customer_visible
    assert on_old.body == f"Follow-up {new.number} opened by a reply by email." and on_old.customer_visible
    old = Case.objects.get(pk=acme_case.pk)
    assert (old.state, old.version) == ("closed", version)  # an audit line, not a change
    portal = client_as("customer").get(f"/portal/cases/{acme_case.number}/").content.decode()
    assert f"Follow-up {new.number} opened by a reply by email." in portal
    record = client_as("agent").get(f"/cases/{new.number}/").content.decode()
    assert f"Follow-up of {acme_case.number}" in record


def test_a_reply_to_a_closed_case_gets_a_notice_once_a_day(world, dana, acme_case, deliver):
    _close(world, acme_case)
    with override_settings(INBOUND_MAIL_CLOSED_CASE="notice"):
        first = deliver(corpus("gmail_reply.eml", sender=dana.email, case=acme_case.number))
        second = deliver(corpus("gmail_reply.eml", sender=dana.email, case=acme_case.number).replace(b"CAF=abc", b"CAF=def"))
    notices = Notification.objects.filter(event="mail.closed_case_notice")
    assert first.state == second.state == S.PROCESSED and first.case_id == acme_case.pk
    assert [n.to_address for n in notices] == [dana.email]
    assert notices[0].subject.startswith(f"[{acme_case.number}]") and "is closed" in notices[0].body
    assert Case.objects.count() == 1


def test_an_interaction_mailbox_opens_interactions_and_threads_replies_to_them(world, dana, mailbox, deliver):
    services_mail.mailbox_update(actor=None, instance=mailbox, creates="interaction")
    mailbox.refresh_from_db()
    first = deliver(corpus("forwarded.eml", sender=dana.email))
    interaction = Interaction.objects.get(pk=first.interaction_id)
    assert interaction.type == "email" and interaction.contact_id == dana.pk
    reply = (
        corpus("forwarded.eml", sender=dana.email)
        .replace(b"Message-ID: <fwd-0001@acme.example>", b"Message-ID: <fwd-0002@acme.example>\r\nIn-Reply-To: <fwd-0001@acme.example>")
        .replace(b"Subject: Fwd:", b"Subject: Re: Fwd:")
    )
    second = deliver(reply)
    assert second.interaction_id == interaction.pk
    assert interaction.entries.filter(kind="customer").count() == 2


def _interaction_reply(dana, n: int) -> bytes:
    return (
        corpus("forwarded.eml", sender=dana.email)
        .replace(b"Message-ID: <fwd-0001@acme.example>", f"Message-ID: <fwd-r{n}@acme.example>\r\nIn-Reply-To: <fwd-0001@acme.example>".encode())
        .replace(b"Subject: Fwd:", b"Subject: Re: Fwd:")
    )


def test_a_reply_to_an_interaction_that_became_a_case_goes_to_the_case(world, dana, mailbox, deliver):
    """Reference 4: once a case is created from an email interaction, further communication lives
    on the case. A reply to the closed interaction is a comment on its open case (the most recently
    opened of several); with none open, a follow-up interaction as before."""
    from interactions import services as interaction_services

    services_mail.mailbox_update(actor=None, instance=mailbox, creates="interaction")
    first = deliver(corpus("forwarded.eml", sender=dana.email))
    interaction = Interaction.objects.get(pk=first.interaction_id)
    agent = world.users["agent"]
    interaction_services.interaction_accept(actor=agent, interaction=interaction)
    case = interaction_services.interaction_create_case(actor=agent, interaction=Interaction.objects.get(pk=interaction.pk))

    reply = deliver(_interaction_reply(dana, 1))
    assert (reply.state, reply.case_id, reply.interaction_id) == (S.PROCESSED, case.pk, None)
    assert reply.comment_id and _comments(case)[-1]
    assert f"a reply to {interaction.number}" in reply.reason
    assert not Interaction.objects.filter(parent=interaction).exists()

    case_services.case_act(actor=agent, case=case, action="cancel", reason="Duplicate")
    later = deliver(_interaction_reply(dana, 2))
    assert later.case_id is None and Interaction.objects.get(pk=later.interaction_id).parent_id == interaction.pk
