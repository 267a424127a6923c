"""Each named case list returns exactly its cases, for each internal reader, in its order."""
import datetime

import pytest

from tests.cases.lists.conftest import make_case, numbers
from tests.factories import user_with_roles

pytestmark = pytest.mark.django_db


def _list(client, view, **params):
    response = client.get("/cases/", {"view": view, **params} if view else params)
    assert response.status_code == 200
    return numbers(response)


def _n(*cases):
    return {c.number for c in cases}


def test_my_open_is_the_readers_new_open_and_awaiting_cases(client_as, board):
    b = board
    assert set(_list(client_as("agent"), "my_open")) == _n(b.mine_new, b.mine_open, b.mine_awaiting)
    assert set(_list(client_as("manager"), "my_open")) == _n(b.managers_open)
    assert _list(client_as("admin"), "my_open") == []


def test_my_groups_unassigned_is_the_unassigned_active_cases_of_the_readers_groups(client_as, board, world):
    assert set(_list(client_as("agent"), "my_groups_unassigned")) == _n(board.unassigned)
    assert set(_list(client_as("manager"), "my_groups_unassigned")) == _n(board.unassigned)  # manager is in Tier 1
    assert _list(client_as("admin"), "my_groups_unassigned") == []  # in no group


def test_my_groups_unassigned_covers_every_group_of_the_reader(client, board, world):
    client.force_login(world.users["tier2_agent"])
    assert set(_list(client, "my_groups_unassigned")) == _n(board.unassigned_tier2)


def test_all_open_is_every_new_open_and_awaiting_case(client_as, board):
    b = board
    expected = _n(b.mine_new, b.mine_open, b.mine_awaiting, b.managers_open, b.unassigned, b.unassigned_tier2, b.no_group)
    for persona in ("agent", "manager", "admin"):
        assert set(_list(client_as(persona), "all_open")) == expected


def test_awaiting_info_and_resolved_lists(client_as, board):
    assert _list(client_as("agent"), "awaiting_info") == [board.mine_awaiting.number]
    assert _list(client_as("manager"), "resolved") == [board.mine_resolved.number]


def test_all_is_every_case_most_recently_updated_first(client_as, board):
    listed = _list(client_as("agent"), "all")
    assert len(listed) == 10
    from cases.models import Case

    assert listed == list(Case.objects.order_by("-updated_at", "-id").values_list("number", flat=True))


def test_bare_case_list_is_my_open_cases(client_as, board):
    response = client_as("agent").get("/cases/")
    assert set(numbers(response)) == _n(board.mine_new, board.mine_open, board.mine_awaiting)
    assert b"<h1>My open cases</h1>" in response.content


def test_filters_without_a_view_look_through_all_cases(client_as, board):
    """A dashboard's drill-down names filters only: it means every case that matches."""
    listed = _list(client_as("agent"), "", state_category="closed")
    assert listed == [board.mine_closed.number]


def test_an_unknown_list_falls_back_and_says_so(client_as, board):
    response = client_as("agent").get("/cases/?view=everything")
    assert response.status_code == 200 and b"Unknown list" in response.content
    assert set(numbers(response)) == _n(board.mine_new, board.mine_open, board.mine_awaiting)


def test_an_internal_reader_without_case_access_sees_no_cases(client, board):
    """The back office (case_task_agent) works tasks only: the case list scopes them out."""
    client.force_login(user_with_roles("case_task_agent"))
    response = client.get("/cases/?view=all")
    assert response.status_code == 200 and numbers(response) == []


def test_sla_at_risk_lists_running_slas_due_within_the_window_or_breached(client_as, world, clock, settings):
    from cases import services
    from tests.factories import AccountFactory, SlaDefinitionFactory

    settings.CASE_SLA_AT_RISK_MINUTES = 60
    short, long = AccountFactory(name="Short SLA"), AccountFactory(name="Long SLA")
    SlaDefinitionFactory(account=short, duration=datetime.timedelta(minutes=90))
    SlaDefinitionFactory(account=long, duration=datetime.timedelta(hours=8))
    overdue = make_case(world, "Overdue", account=short)
    clock.advance(minutes=70)
    soon = make_case(world, "Due in 50 minutes at the check", account=short)
    later = make_case(world, "Due in 8 hours", account=long)
    make_case(world, "No SLA at all")
    clock.advance(minutes=40)  # overdue: 20 min past; soon: due in 50 min; later: 7 h 20 left
    services.sla_scan_due(now=clock.now)
    listed = _list(client_as("agent"), "sla_at_risk")
    assert listed == [overdue.number, soon.number]  # most urgent first
    page = client_as("agent").get("/cases/?view=all").content.decode()
    assert "Breached" in page and "At risk · 50 min" in page and "7 h 20 min left" in page
    assert later.number in page
    assert _list(client_as("agent"), "all", sla="breached") == [overdue.number]
    assert set(_list(client_as("agent"), "all", sla="at_risk")) == {overdue.number, soon.number}
