import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_world")]


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = _counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert _counts() == first
    assert first["customers.Account"] >= 5 and first["catalog.Entitlement"] >= 5


def test_seed_demo_logins_work(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    for username in ("admin", "maria", "alice", "dana", "carl", "pat", "connie"):
        assert client.login(username=username, password="demo1234"), username
    from users.models import User

    assert User.objects.get(username="carl").roles == ["customer_admin"]
    assert User.objects.get(username="admin").is_staff


def test_seed_demo_cases_cover_every_state_with_timelines():
    from cases.models import Case, LifecycleState

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    standard = set(LifecycleState.objects.filter(lifecycle__code="standard").values_list("code", flat=True))
    seen = set(Case.objects.filter(lifecycle__code="standard").values_list("state", flat=True))
    assert seen == standard
    onboarding = set(Case.objects.filter(lifecycle__code="onboarding").values_list("state", flat=True))
    assert {"under_review", "review_complete"} <= onboarding
    kinds = set(Case.objects.get(short_description="Printer GLX-PRN-001 jams on duplex").events.values_list("kind", flat=True))
    assert {"created", "comment", "work_note", "state_changed"} <= kinds


def test_seed_demo_brands_the_portal_and_leaves_a_registration_for_carl():
    from customers.models import PortalBranding, RegistrationRequest
    from customers.selectors_portal import registration_request_pending_for_user

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert PortalBranding.objects.get(active=True).name == "Casedesk Demo Support"
    carl = apps.get_model("users", "User").objects.get(username="carl")
    pending = list(registration_request_pending_for_user(user=carl))
    assert [r.email for r in pending] == ["nina.newcomer@acme.example"]
    assert RegistrationRequest.objects.get().account.registration_code == "ACME-2026"
