import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.services import heartbeat_record
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db


def test_healthz_reports_missing_worker_before_any_heartbeat(client):
    body = client.get("/healthz/").json()
    assert body == {
        "database": "ok", "worker": "missing", "worker_last_seen": None,
        "mail": {"status": "ok", "mailboxes_failing": 0, "messages_waiting": 0},
    }


def test_healthz_reports_worker_after_heartbeat(client):
    heartbeat_record(source="beat", hostname="w1")
    assert client.get("/healthz/").json()["worker"] == "ok"


def test_check_worker_fails_clearly_without_a_worker(mocker):
    mocker.patch("core.management.commands.check_worker.record_heartbeat_task.delay")
    with pytest.raises(CommandError, match="No worker ran the heartbeat task"):
        call_command("check_worker", timeout=0.3)


# The home page `/` is the workspace's agent dashboard now: tests/cases/test_views_dashboards.py.


@matrix(anonymous=200, external=200, internal=200)
def test_healthz_is_open_to_everyone_and_reveals_no_data(persona, expected, client_as, world):
    response = client_as(persona).get("/healthz/")
    assert_status(response, expected)
    assert set(response.json()) == {"database", "worker", "worker_last_seen", "mail"}
