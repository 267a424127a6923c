"""The dashboards' figures (cases.selectors_metrics), each checked on a small data set built through
the services: cases opened, accepted, answered, resolved, reopened, closed and cancelled the real
way, on a controlled clock where time matters (tests/cases/sla_helpers.py)."""
import datetime

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import selectors_metrics as metrics
from cases import services
from cases.models import Case
from cases.services import escalations as esc
from tests import factories as f
from tests.cases.sla_helpers import MONDAY_9, clock  # noqa: F401  (clock is a fixture)
from users import services as user_services

pytestmark = pytest.mark.django_db
H = datetime.timedelta(hours=1)
RESOLVE = {"resolution_code": "solved_fixed", "close_notes": "Fixed."}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def tier2(world):
    bob = f.user_with_roles("agent", username="agent_bob", first_name="Bob", last_name="Baker")
    return user_services.assignment_group_create(actor=None, name="Tier 2", members=[bob])


def new(world, *, assignee="agent", group=None, priority=4, **fields):
    """A case opened by an agent for Acme's contact Dana, in Tier 1 unless told otherwise."""
    fields.setdefault("account", world.account)
    fields.setdefault("contact", world.contacts["customer"])
    user = world.users[assignee] if isinstance(assignee, str) else assignee
    return services.case_create(
        actor=world.users["agent"], short_description="Dashboard case", assignment_group=group or world.group,
        assigned_to=user, priority=priority, **fields,
    )


def act(world, persona, case, action, **inputs):
    actor = world.users[persona] if isinstance(persona, str) else persona
    return services.case_act(actor=actor, case=case, action=action, **inputs)


def opened(world, persona="agent", **fields):
    case = new(world, assignee=persona, **fields)
    return act(world, persona, case, "accept")


def manager_board(world, persona="manager", **kwargs):
    return metrics.manager_dashboard_for_user(user=world.users[persona], use_cache=False, **kwargs)


# --- the agent dashboard -------------------------------------------------------------------------
def test_agent_dashboard_counts_my_open_cases_by_priority_and_state(world):
    new(world, priority=1)                                                          # new
    opened(world, priority=2)                                                       # open
    act(world, "agent", opened(world, priority=2), "request-info", comment="Which model?")  # awaiting info
    act(world, "agent", opened(world, priority=3), "propose-solution", **RESOLVE)  # resolved: not open
    act(world, "agent", opened(world, priority=4), "close", **RESOLVE)             # closed
    act(world, "agent", new(world, priority=4), "cancel", reason="Duplicate")      # cancelled
    opened(world, "manager", priority=1)                                           # someone else's

    board = metrics.agent_dashboard_for_user(user=world.users["agent"])

    assert board.open == 3 and board.new == 1
    assert board.by_priority == {1: 1, 2: 2, 3: 0, 4: 0}
    assert [(s.code, s.label, s.count) for s in board.by_state] == [
        ("new", "New", 1), ("open", "Open", 1), ("awaiting_info", "Awaiting info", 1),
    ]


def test_agent_dashboard_counts_my_cases_needing_attention(world):
    flagged = opened(world)
    services.case_update(actor=world.users["manager"], instance=flagged, needs_attention=True)
    opened(world)
    assert metrics.agent_dashboard_for_user(user=world.users["agent"]).needs_attention == 1


def test_sla_stages_follow_the_running_sla_and_the_made_sla_flag(world, clock):
    f.SlaDefinitionFactory(
        duration=4 * H, start_condition=[{"field": "state_category", "op": "in", "value": ["new", "open", "awaiting"]}],
        stop_condition=f.RESOLVED,
    )
    case = opened(world)
    assert Case.objects.get(pk=case.pk).sla_due == MONDAY_9 + 4 * H
    agent = world.users["agent"]

    def stages(now):
        board = metrics.agent_dashboard_for_user(user=agent, now=now)
        return board.at_risk, board.breached

    assert stages(MONDAY_9 + H) == (0, 0)                 # due in 3 h: on track
    assert stages(MONDAY_9 + 3 * H + 30 * 60 * datetime.timedelta(seconds=1)) == (1, 0)  # due in 30 min
    assert stages(MONDAY_9 + 5 * H) == (1, 0)             # past due, before the beat flags it: at risk
    Case.objects.filter(pk=case.pk).update(made_sla=False, sla_due=MONDAY_9 + 10 * H)  # the scan flagged it
    assert stages(MONDAY_9 + H) == (0, 1)                 # once breached, breached


def test_agent_dashboard_counts_my_groups_queue(world, tier2):
    new(world, assignee=None, priority=1)
    new(world, assignee=None, priority=3)
    opened(world, "manager", priority=1)
    act(world, "manager", opened(world, "manager", priority=1), "propose-solution", **RESOLVE)  # not open
    new(world, assignee=None, group=tier2, priority=1)  # not my group

    board = metrics.agent_dashboard_for_user(user=world.users["agent"])

    assert board.groups == [(world.group.pk, "Tier 1")]
    assert (board.groups_open, board.groups_p1, board.groups_unassigned) == (3, 2, 2)


def test_an_agent_in_no_active_group_has_no_queue(world, tier2):
    bob = tier2.members.get()
    new(world, assignee=None, group=tier2)
    assert metrics.agent_dashboard_for_user(user=bob).groups_open == 1
    user_services.assignment_group_update(actor=None, instance=tier2, active=False)
    board = metrics.agent_dashboard_for_user(user=bob)
    assert (board.groups, board.groups_open) == ([], 0)


def test_agent_dashboard_counts_the_offers_waiting_for_me(world):
    f.CaseOfferFactory(agent=world.users["agent"], assignment_group=world.group)
    f.CaseOfferFactory(agent=world.users["manager"], assignment_group=world.group)
    assert metrics.agent_dashboard_for_user(user=world.users["agent"]).offers == 1


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        call()
    return len(queries)


def test_agent_dashboard_queries_do_not_grow_with_the_cases(world):
    agent = world.users["agent"]
    opened(world, priority=1)
    new(world, assignee=None)
    metrics.agent_dashboard_for_user(user=agent)  # the agent's permissions are loaded once per request
    small = _queries(lambda: metrics.agent_dashboard_for_user(user=agent))
    for n in range(12):
        act(world, "agent", opened(world, priority=1 + n % 4), "request-info", comment="?") if n % 3 else new(world)
        new(world, assignee=None, priority=1 + n % 4)
    assert _queries(lambda: metrics.agent_dashboard_for_user(user=agent)) == small <= 5


# --- the manager dashboard: the open backlog -----------------------------------------------------
def test_backlog_by_priority_state_sla_stage_and_unassigned(world, tier2):
    new(world, assignee=None, priority=1)
    opened(world, priority=2)
    act(world, "agent", opened(world, priority=2), "request-info", comment="?")
    new(world, assignee=None, group=tier2, priority=3)
    act(world, "agent", opened(world, priority=1), "propose-solution", **RESOLVE)  # resolved: out of the backlog

    board = manager_board(world)

    assert board.open == 4 and board.unassigned == 2
    assert board.by_priority == {1: 1, 2: 2, 3: 1, 4: 0}
    assert [(s.code, s.count) for s in board.by_state] == [("new", 2), ("open", 1), ("awaiting_info", 1)]
    assert board.sla == {"breached": 0, "at_risk": 0, "on_track": 0, "none": 4}
    assert board.unassigned_pct == 50.0


def test_backlog_sla_stages_of_the_open_cases(world):
    now = metrics.timezone.now()
    for when in (now - H, now + 20 * 60 * datetime.timedelta(seconds=1), now + 5 * H):  # past due, soon, later
        Case.objects.filter(pk=opened(world).pk).update(sla_due=when)
    flagged = opened(world)
    Case.objects.filter(pk=flagged.pk).update(made_sla=False, sla_due=now + 10 * 60 * datetime.timedelta(seconds=1))
    opened(world)
    board = manager_board(world, now=now)
    assert board.sla == {"breached": 1, "at_risk": 2, "on_track": 1, "none": 1}
    assert board.breached_pct == 20.0
    tier1 = board.open_rows[0]
    assert (tier1.breached, tier1.at_risk) == (1, 3)  # the list's filters: the flagged one is also due soon


def test_blocked_backlog_counts_cases_waiting_on_the_customer_or_a_task(world):
    act(world, "agent", opened(world), "request-info", comment="Which model?")   # blocked: the customer's answer
    with_task = opened(world)
    services.case_task_create(actor=world.users["agent"], case=with_task, short_description="Replace the fuser")
    services.case_task_create(actor=world.users["agent"], case=with_task, short_description="Test it")  # same case
    opened(world)                                                                 # unblocked
    resolved = act(world, "agent", opened(world), "request-info", comment="?")
    act(world, "customer", resolved, "info-received")                             # answered: no longer blocked
    board = manager_board(world)
    assert (board.open, board.blocked, board.unblocked) == (4, 2, 2)


def test_escalated_share_of_the_open_backlog(world):
    escalated = opened(world)
    esc.escalation_request(actor=world.users["agent"], case=escalated, reason="lack_of_progress")
    waiting = opened(world)                                                       # requested, not yet approved
    template = f.EscalationTemplateFactory(name="Needs approval", approval_group=world.group)
    assert esc.escalation_request(
        actor=world.users["agent"], case=waiting, reason="lack_of_progress", template=template
    ).state == "requested"
    closed = opened(world)
    esc.escalation_request(actor=world.users["agent"], case=closed, reason="lack_of_progress")
    act(world, "agent", closed, "close", **RESOLVE)                               # escalated, but no longer open
    opened(world)
    board = manager_board(world)
    assert (board.open, board.escalated, board.escalated_pct) == (3, 1, 33.3)


def test_group_filter_narrows_every_figure(world, tier2):
    mine = opened(world, priority=1)
    act(world, "agent", mine, "request-info", comment="?")
    bob = tier2.members.get()
    theirs = new(world, assignee=bob, group=tier2, priority=2)
    act(world, bob, theirs, "accept")
    esc.escalation_request(actor=bob, case=theirs, reason="lack_of_progress")
    act(world, bob, act(world, bob, new(world, assignee=bob, group=tier2), "accept"), "propose-solution", **RESOLVE)

    board = manager_board(world, group_ids=[tier2.pk])
    assert (board.open, board.blocked, board.escalated, board.resolved.resolved) == (1, 0, 1, 1)
    assert board.by_priority == {1: 0, 2: 1, 3: 0, 4: 0}
    assert [r.key for r in board.open_rows] == [tier2.pk]
    assert manager_board(world, group_ids=[]).open == 0


# --- the manager dashboard: the period -----------------------------------------------------------
def test_resolved_figures_of_the_period(world, clock):
    start = clock.now
    first_time = opened(world)                            # resolved at the first response: FCR
    answered = opened(world)                              # answered, then resolved: not FCR
    reopened = opened(world)                              # resolved, reopened by the customer, resolved again
    closed = opened(world)                                # closed in one step: FCR
    cancelled = new(world)
    clock.advance(hours=1)
    services.case_comment_add(actor=world.users["agent"], case=answered, body="Looking into it.")
    clock.advance(hours=1)
    act(world, "agent", reopened, "propose-solution", **RESOLVE)
    clock.advance(hours=1)
    act(world, "customer", reopened, "reject-solution", reason="Still broken")
    clock.advance(hours=1)
    act(world, "agent", closed, "close", **RESOLVE)                       # 4 h
    act(world, "agent", cancelled, "cancel", reason="Duplicate")
    clock.set(start + 10 * H)
    act(world, "agent", first_time, "propose-solution", **RESOLVE)        # 10 h
    clock.set(start + 20 * H)
    act(world, "agent", answered, "propose-solution", **RESOLVE)          # 20 h
    Case.objects.filter(pk=answered.pk).update(made_sla=False)
    clock.set(start + 30 * H)
    act(world, "agent", reopened, "propose-solution", **RESOLVE)          # 30 h
    clock.set(start + 2 * 24 * H)

    r = manager_board(world).resolved

    assert (r.resolved, r.first_contact, r.reopened, r.breached) == (4, 2, 1, 1)
    assert r.mean_time_to_resolve == 16 * H                               # (4 + 10 + 20 + 30) / 4
    assert (r.fcr_pct, r.reopen_pct, r.breached_pct, r.mttr_text) == (50.0, 25.0, 25.0, "16 h 0 min")


def test_the_period_keeps_older_resolutions_out(world, clock):
    old = opened(world)
    act(world, "agent", old, "propose-solution", **RESOLVE)
    clock.advance(days=40)
    recent = opened(world)
    clock.advance(hours=2)
    act(world, "agent", recent, "propose-solution", **RESOLVE)

    assert manager_board(world, period_days=30).resolved.resolved == 1
    assert manager_board(world, period_days=90).resolved.resolved == 2
    assert manager_board(world, period_days=7).opened_in_period == 1
    board = manager_board(world, period_days=30)
    assert (board.period_start, board.period_end) == (
        (MONDAY_9 + datetime.timedelta(days=40 - 29)).date(), (MONDAY_9 + datetime.timedelta(days=40)).date()
    )


def test_backlog_growth_counts_opened_and_resolved_per_week(world, clock):
    clock.set(MONDAY_9 - datetime.timedelta(weeks=20))
    opened(world)                                          # before the 12 weeks: not shown
    clock.set(MONDAY_9 - datetime.timedelta(weeks=2) + 2 * 24 * H)  # a Wednesday two weeks back
    two_weeks_back = [opened(world), opened(world)]
    clock.set(MONDAY_9 + 24 * H)                           # Tuesday of this week
    opened(world)
    act(world, "agent", two_weeks_back[0], "propose-solution", **RESOLVE)

    weeks = manager_board(world).weeks

    assert len(weeks) == 12 and all(w.start.weekday() == 0 for w in weeks)
    assert weeks[-1].start == MONDAY_9.date() and weeks[0].start == (MONDAY_9 - datetime.timedelta(weeks=11)).date()
    assert [(w.opened, w.resolved) for w in weeks[-3:]] == [(2, 0), (0, 0), (1, 1)]
    assert sum(w.opened for w in weeks) == 3 and weeks[-1].net == 0
    assert weeks[-3].end == weeks[-2].start - datetime.timedelta(days=1)


# --- the manager dashboard: breakdowns -----------------------------------------------------------
def test_open_backlog_by_group_agent_account_and_product(world, tier2):
    printer, router = f.ProductFactory(name="Printer"), f.ProductFactory(name="Router")
    for priority in (1, 2, 3):
        opened(world, priority=priority, product=printer)
    new(world, assignee=None, priority=1, product=router, account=world.other_account, contact=None)
    new(world, assignee=None, group=tier2, priority=3)
    agent = world.users["agent"]

    by_group = manager_board(world, by="group").open_rows
    assert [(r.key, r.label, r.open, r.unassigned) for r in by_group] == [
        (world.group.pk, "Tier 1", 4, 1), (tier2.pk, "Tier 2", 1, 1),
    ]
    assert by_group[0].by_priority == {1: 2, 2: 1, 3: 1, 4: 0}
    by_agent = manager_board(world, by="agent").open_rows
    assert [(r.key, r.label, r.open) for r in by_agent] == [
        (agent.pk, f"{agent.first_name} {agent.last_name}".strip() or agent.username, 3), (None, "Unassigned", 2),
    ]
    by_account = manager_board(world, by="account").open_rows
    assert [(r.label, r.open) for r in by_account] == [("Acme", 4), ("Globex", 1)]
    by_product = manager_board(world, by="product").open_rows
    assert (by_product[0].label, by_product[0].open) == ("Printer", 3)
    assert sorted((r.label, r.open) for r in by_product[1:]) == [("No product", 1), ("Router", 1)]


def test_breakdown_rows_carry_their_blocked_escalated_and_sla_figures(world, tier2):
    blocked = opened(world)
    act(world, "agent", blocked, "request-info", comment="?")
    escalated = opened(world)
    esc.escalation_request(actor=world.users["agent"], case=escalated, reason="lack_of_progress")
    Case.objects.filter(pk=escalated.pk).update(made_sla=False)
    new(world, assignee=None, group=tier2)
    rows = {r.key: r for r in manager_board(world, by="group").open_rows}
    tier1 = rows[world.group.pk]
    assert (tier1.open, tier1.blocked, tier1.escalated, tier1.breached, tier1.breached_pct) == (2, 1, 1, 1, 50.0)
    assert (rows[tier2.pk].blocked, rows[tier2.pk].escalated) == (0, 0)
    agents = {r.key: r for r in manager_board(world, by="agent").open_rows}
    assert (agents[world.users["agent"].pk].blocked, agents[None].blocked) == (1, 0)


def test_breakdowns_show_the_largest_rows_only(world, monkeypatch):
    monkeypatch.setattr(metrics, "TOP", 2)
    accounts = [f.AccountFactory(name=f"Account {n}") for n in range(3)]
    for n, account in enumerate(accounts):
        for _ in range(n + 1):
            opened(world, account=account, contact=None)
    rows = manager_board(world, by="account").open_rows
    assert [(r.label, r.open) for r in rows] == [("Account 2", 3), ("Account 1", 2)]


def test_resolved_by_agent_ranks_agents_by_cases_resolved(world, clock):
    for persona, hours in (("agent", 2), ("agent", 4), ("manager", 8)):
        case = opened(world, persona)
        clock.advance(hours=hours)
        act(world, persona, case, "propose-solution", **RESOLVE)
    rows = manager_board(world, by="agent").resolved_rows
    assert [(r.key, r.resolved, r.mttr_hours, r.fcr_pct) for r in rows] == [
        (world.users["agent"].pk, 2, 3.0, 100.0), (world.users["manager"].pk, 1, 8.0, 100.0),
    ]


# --- access, caching, cost -----------------------------------------------------------------------
def test_agents_cannot_read_team_metrics(world):
    with pytest.raises(PermissionDenied):
        metrics.manager_dashboard_for_user(user=world.users["agent"])


def test_unknown_period_or_breakdown_is_refused(world):
    with pytest.raises(ValueError):
        manager_board(world, period_days=13)
    with pytest.raises(ValueError):
        manager_board(world, by="colour")


def test_figures_are_cached_per_filter_for_a_short_while(world, settings):
    settings.DASHBOARD_CACHE_SECONDS = 60
    manager = world.users["manager"]
    opened(world)
    first = metrics.manager_dashboard_for_user(user=manager)
    opened(world)
    again = metrics.manager_dashboard_for_user(user=manager)
    assert (first.open, again.open, again.as_of) == (1, 1, first.as_of)             # cached
    assert metrics.manager_dashboard_for_user(user=manager, period_days=7).open == 2  # another filter: fresh
    assert metrics.manager_dashboard_for_user(user=world.users["admin"]).open == 1    # same scope, same entry
    settings.DASHBOARD_CACHE_SECONDS = 0
    assert metrics.manager_dashboard_for_user(user=manager).open == 2                 # caching off


def test_manager_dashboard_queries_do_not_grow_with_the_cases(world, tier2):
    manager = world.users["manager"]
    act(world, "agent", opened(world, priority=1, product=f.ProductFactory()), "propose-solution", **RESOLVE)
    opened(world, priority=2, product=f.ProductFactory())
    manager_board(world)  # the manager's permissions are loaded once per request (here: once)

    def count(by):
        return _queries(lambda: manager_board(world, by=by))

    small = {by: count(by) for by in metrics.DIMENSIONS}
    bob = tier2.members.get()
    for n in range(10):
        case = opened(world, priority=1 + n % 4, account=f.AccountFactory(), contact=None, product=f.ProductFactory())
        if n % 2:
            act(world, "agent", case, "request-info", comment="?")
        else:
            act(world, "agent", case, "propose-solution", **RESOLVE)
        esc.escalation_request(actor=manager, case=new(world, assignee=bob, group=tier2), reason="lack_of_progress")
    large = {by: count(by) for by in metrics.DIMENSIONS}
    assert large == small
    assert max(large.values()) <= 13


def test_duration_text_reads_like_a_person_would_say_it():
    td = datetime.timedelta
    assert [metrics.duration_text(v) for v in (None, td(minutes=12), td(hours=3, minutes=20), td(days=2, hours=4))] == [
        "—", "12 min", "3 h 20 min", "2 d 4 h",
    ]


@pytest.mark.parametrize("by", ["group", "agent", "account", "product"])
def test_every_breakdown_adds_up_to_the_backlog_whichever_way_it_is_read(world, by):
    """Groups, agents and products come from one grouped read by key, state and priority;
    accounts from their own read: each row set must add up to the same totals."""
    blocked = opened(world, priority=1)
    act(world, "agent", blocked, "request-info", comment="?")
    opened(world, priority=2)
    new(world, priority=3)
    new(world, priority=4, account=world.other_account, contact=world.contacts["other_customer"])
    board = manager_board(world, by=by)
    assert sum(r.open for r in board.open_rows) == board.open == 4
    assert sum(r.unassigned for r in board.open_rows) == board.unassigned
    assert sum(r.blocked for r in board.open_rows) == board.blocked == 1
    for p in (1, 2, 3, 4):
        assert sum(r.by_priority[p] for r in board.open_rows) == board.by_priority[p] == 1
