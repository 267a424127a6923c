"""A board of cases in every situation the workspace's lists tell apart, built through services."""
from dataclasses import dataclass

import pytest
from django.core.cache import cache

from cases import services
from tests.cases.sla_helpers import clock  # noqa: F401  (a fixture: timezone.now under test control)
from tests.factories import user_with_roles
from users import services as user_services

RESOLVE = {"resolution_code": "solved_fixed", "close_notes": "Rebooted the printer"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Navigation counts and filter options are cached; each test starts without them."""
    cache.clear()
    yield
    cache.clear()


def make_case(world, title: str, *, assignee=None, group="tier1", state="new", actor="agent", **fields):
    """A case of Acme in `state`, in `group` (a World group name or None), assigned to `assignee`
    (a persona) through the services, the way an agent would get it there."""
    agent = world.users[actor]
    fields.setdefault("account", world.account)
    if group == "tier1":
        fields["assignment_group"] = world.group
    elif group is not None:
        fields["assignment_group"] = group
    case = services.case_create(actor=agent, short_description=title, **fields)
    who = world.users[assignee] if assignee else None
    if state != "new" and state != "cancelled" and who is None:
        raise ValueError("a case past new needs an assignee")
    if who is not None:
        case = services.case_assign(actor=agent, case=case, assigned_to=who)
    if state in ("open", "awaiting_info", "resolved", "closed"):
        case = services.case_act(actor=who, case=case, action="accept")
    if state == "awaiting_info":
        case = services.case_act(actor=who, case=case, action="request-info", comment="Which model is it?")
    if state == "resolved":
        case = services.case_act(actor=who, case=case, action="propose-solution", **RESOLVE)
    if state == "closed":
        case = services.case_act(actor=who, case=case, action="close", **RESOLVE)
    if state == "cancelled":
        case = services.case_act(actor=agent, case=case, action="cancel", reason="Opened twice")
    return case


@dataclass
class Board:
    mine_new: object
    mine_open: object
    mine_awaiting: object
    mine_resolved: object
    mine_closed: object
    managers_open: object
    unassigned: object
    unassigned_tier2: object
    cancelled: object
    no_group: object
    tier2: object


@pytest.fixture
def board(world) -> Board:
    """Cases of Acme: the agent's (new, open, awaiting, resolved, closed), the manager's, Tier 1's
    unassigned one, one unassigned in Tier 2 (the agent is not a member), a cancelled one and one
    with no group."""
    tier2_agent = user_with_roles("agent", username="agent_tom")
    tier2 = user_services.assignment_group_create(actor=None, name="Tier 2", members=[tier2_agent])
    world.users["tier2_agent"] = tier2_agent
    return Board(
        mine_new=make_case(world, "Printer jams on page two", assignee="agent"),
        mine_open=make_case(world, "VPN drops every hour", assignee="agent", state="open"),
        mine_awaiting=make_case(world, "Invoice shows the wrong VAT", assignee="agent", state="awaiting_info"),
        mine_resolved=make_case(world, "Password reset loops", assignee="agent", state="resolved"),
        mine_closed=make_case(world, "Printer toner empty", assignee="agent", state="closed"),
        managers_open=make_case(world, "Laptop will not boot", assignee="manager", state="open"),
        unassigned=make_case(world, "Email bounces from the CRM"),
        unassigned_tier2=make_case(world, "Router firmware update", group=tier2),
        cancelled=make_case(world, "Duplicate of the printer case", state="cancelled"),
        no_group=make_case(world, "Question about the contract", group=None),
        tier2=tier2,
    )


def numbers(response) -> list[str]:
    """The case (or task) numbers of a list page's rows, in order."""
    import re

    html = response.content.decode()
    return re.findall(r'<tr data-href="/(?:cases|case-tasks)/([A-Z]+\d+)/"', html)
