import pytest
from django.apps import apps
from django.core.management import call_command

pytestmark = pytest.mark.django_db


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
