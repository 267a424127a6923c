"""The plain-text mails of the project's own files (registration, logins, password reset) are not
HTML: a name with an apostrophe, an ampersand or angle brackets reaches the subject and the body
as typed, never as `O&#x27;Brien` or `&amp;`."""
import pytest
from django.test import Client

from customers import services as customer_services
from customers import services_branding
from customers import services_registration as registration
from notifications.models import Notification
from notifications.rendering import render_text_file

pytestmark = pytest.mark.django_db
ACCOUNT = "Smith & O'Neil <UK>"


@pytest.fixture
def odd_brand(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the active brand is cached until commit
        services_branding.branding_create(actor=None, name="Dana's Help & Care", active=True)


@pytest.fixture
def odd_account(world):
    customer_services.account_update(actor=None, instance=world.account, name=ACCOUNT, registration_code="JOIN-1")
    return world.account


def test_registration_mails_keep_names_as_typed(world, odd_account, odd_brand):
    registration.registration_submit(first_name="Siobhán", last_name="O'Brien", email="sob@acme.example",
                                     registration_code="JOIN-1")
    to_admin = Notification.objects.filter(to_address=world.users["customer_admin"].email).latest("id")
    assert to_admin.subject == f"Dana's Help & Care: Siobhán O'Brien asks to join {ACCOUNT}"
    assert "Siobhán O'Brien <sob@acme.example>" in to_admin.body and ACCOUNT in to_admin.body
    to_visitor = Notification.objects.filter(to_address="sob@acme.example").latest("id")
    assert to_visitor.subject == "Dana's Help & Care: we received your registration request"
    for mail in (to_admin, to_visitor):
        assert "&#x27;" not in mail.subject + mail.body and "&amp;" not in mail.subject + mail.body


def test_password_reset_subject_keeps_the_portal_name_as_typed(world, odd_brand):
    assert Client().post("/portal/password/reset/", {"email": world.users["customer"].email}).status_code == 302
    mail = Notification.objects.get(event="account.password_reset")
    assert mail.subject == "Dana's Help & Care: choose a new password"
    assert "&#x27;" not in mail.body and "&amp;" not in mail.body


def test_a_text_file_renders_without_escaping_even_without_autoescape_off():
    assert render_text_file("customers/mail/login_created_subject.txt",
                            {"portal_name": "A & B", "account": "<O'Brien>"}, one_line=True) == "A & B: your login for <O'Brien>"
