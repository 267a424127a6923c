"""Shared by the SLA tests: a controllable clock and short-hands for case actions."""
import datetime

import pytest

from cases import services

UTC = datetime.UTC
MONDAY_9 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self, now: datetime.datetime):
        self.now = now

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, **delta) -> datetime.datetime:
        self.now += datetime.timedelta(**delta)
        return self.now

    def set(self, value: datetime.datetime) -> datetime.datetime:
        self.now = value
        return value


@pytest.fixture
def clock(mocker):
    """timezone.now() under test control (services, auto_now fields, selectors alike)."""
    value = Clock(MONDAY_9)
    mocker.patch("django.utils.timezone.now", side_effect=value)
    return value


def act(world, persona, case, action, **inputs):
    return services.case_act(actor=world.users[persona], case=case, action=action, **inputs)


def new_case(world, **fields):
    fields.setdefault("account", world.account)
    fields.setdefault("assignment_group", world.group)
    return services.case_create(actor=world.users["agent"], short_description="SLA case", **fields)
