"""The offer-timeout scan on Celery: registered, scheduled every 15 s by beat, idempotent."""
import datetime

import pytest
from django.utils import timezone

from cases.models import CaseOffer
from cases.models.routing import OfferState
from cases.tasks.routing import expire_case_offers_task
from config.celery import app
from tests.factories import CaseOfferFactory

pytestmark = pytest.mark.django_db


def test_beat_runs_the_scan_every_15_seconds_and_drops_stale_runs():
    entry = app.conf.beat_schedule["expire-case-offers"]
    assert entry["task"] == expire_case_offers_task.name == "cases.tasks.routing.expire_case_offers_task"
    assert entry["schedule"] == 15.0 and entry["options"]["expires"] == 15
    assert expire_case_offers_task.acks_late is True


def test_the_task_times_out_due_offers_once():
    due, fresh = CaseOfferFactory(), CaseOfferFactory()
    CaseOffer.objects.filter(pk=due.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=5))
    assert expire_case_offers_task.apply().get() == 1
    assert expire_case_offers_task.apply().get() == 0  # a redelivery or an overlapping run does nothing
    assert CaseOffer.objects.get(pk=due.pk).state == OfferState.TIMED_OUT
    assert CaseOffer.objects.get(pk=fresh.pk).state == OfferState.OFFERED
