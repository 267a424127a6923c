"""The case list's filters (the URL contract's, several values each), search, sort and pages."""
import datetime

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case
from tests.cases.lists.conftest import make_case, numbers
from tests.factories import CaseTypeFactory, ContactFactory, ProductFactory

pytestmark = pytest.mark.django_db


def _all(client, query: str) -> set[str]:
    response = client.get(f"/cases/?view=all&{query}")
    assert response.status_code == 200, response.content[:300]
    return set(numbers(response))


def _n(*cases):
    return {c.number for c in cases}


@pytest.fixture
def agent(client_as):
    return client_as("agent")


def test_state_and_state_category_take_several_values(agent, board):
    b = board
    assert _all(agent, "state=open&state=awaiting_info") == _n(b.mine_open, b.mine_awaiting, b.managers_open)
    assert _all(agent, "state_category=resolved&state_category=closed") == _n(b.mine_resolved, b.mine_closed)
    assert _all(agent, "state_category=cancelled") == _n(b.cancelled)


def test_priority_and_channel(agent, world):
    p1 = make_case(world, "Down", impact=1, urgency=1, channel="phone")
    p2 = make_case(world, "Slow", impact=1, urgency=2, channel="email")
    p4 = make_case(world, "Cosmetic", impact=3, urgency=3, channel="phone")
    assert _all(agent, "priority=1&priority=2") == _n(p1, p2)
    assert _all(agent, "channel=phone") == _n(p1, p4)
    assert _all(agent, "channel=phone&priority=4") == _n(p4)


def test_account_contact_product_and_case_type(agent, world):
    europe = make_case(world, "Europe", account=world.child_account)
    dana = make_case(world, "Dana's", contact=world.contacts["customer"])
    product = ProductFactory(name="Laser 3000")
    with_product = make_case(world, "Laser", product=product)
    case_type = CaseTypeFactory(name="Billing question", code="billing")
    typed = make_case(world, "Typed", case_type=case_type)
    other = make_case(world, "Elsewhere", account=world.other_account)
    assert _all(agent, f"account={world.child_account.pk}&account={world.other_account.pk}") == _n(europe, other)
    assert _all(agent, f"contact={world.contacts['customer'].pk}") == _n(dana)
    assert _all(agent, f"product={product.pk}") == _n(with_product)
    assert _all(agent, f"case_type={case_type.pk}") == _n(typed)


def test_account_search_box_matches_a_name_or_number(agent, world):
    europe = make_case(world, "Europe", account=world.child_account)
    globex = make_case(world, "Globex", account=world.other_account)
    make_case(world, "Acme itself")
    assert _all(agent, "account_q=europe") == _n(europe)
    assert _all(agent, f"account_q={world.other_account.number}") == _n(globex)


def test_assignment_group_and_assignee_accept_ids_none_and_me(agent, board, world):
    b = board
    assert _all(agent, f"assignment_group={b.tier2.pk}") == _n(b.unassigned_tier2)
    assert _all(agent, "assignment_group=none") == _n(b.no_group)
    assert _all(agent, f"assignment_group={b.tier2.pk}&assignment_group=none") == _n(b.unassigned_tier2, b.no_group)
    manager = world.users["manager"].pk
    assert _all(agent, f"assigned_to={manager}") == _n(b.managers_open)
    assert _all(agent, "assigned_to=none&state_category=new") == _n(b.unassigned, b.unassigned_tier2, b.no_group)
    mine = _n(b.mine_new, b.mine_open, b.mine_awaiting, b.mine_resolved, b.mine_closed)
    assert _all(agent, "assigned_to=me") == mine
    assert _all(agent, f"assigned_to=me&assigned_to={manager}") == mine | _n(b.managers_open)


def test_needs_attention_escalated_and_reopened(agent, board, world):
    b = board
    services.case_comment_add(actor=world.users["customer_admin"], case=b.mine_open, body="Any news?")
    assert _all(agent, "needs_attention=true") == _n(b.mine_open)
    assert b.mine_open.number not in _all(agent, "needs_attention=false")
    assert _all(agent, "needs_attention=true&needs_attention=false") == _all(agent, "")
    rejected = services.case_act(
        actor=world.users["customer_admin"], case=Case.objects.get(pk=b.mine_resolved.pk), action="reject-solution",
        reason="Still broken",
    )
    assert _all(agent, "reopened=true") == _n(rejected)
    assert rejected.number not in _all(agent, "reopened=false")
    escalation = services_escalate(world, b.managers_open)
    assert escalation.state == "escalated"
    assert _all(agent, "escalated=true") == _n(b.managers_open)
    assert b.managers_open.number not in _all(agent, "escalated=false")
    page = agent.get("/cases/?view=all_open").content.decode()
    assert "Escalated</span>" in page and "Attention</span>" in page


def services_escalate(world, case):
    from cases.services import escalations

    return escalations.escalation_request(
        actor=world.users["manager"], case=case, reason="lack_of_progress", severity="high",
        justification="The customer called the CEO",
    )


def test_opened_and_resolved_date_ranges(agent, world, clock):
    clock.set(datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC))
    march = make_case(world, "March", assignee="agent", state="resolved")
    clock.set(datetime.datetime(2026, 4, 2, 12, tzinfo=datetime.UTC))
    april = make_case(world, "April", assignee="agent", state="open")
    assert _all(agent, "opened_after=2026-04-01") == _n(april)
    assert _all(agent, "opened_before=2026-04-01") == _n(march)
    assert _all(agent, "opened_after=2026-03-10&opened_before=2026-03-11") == _n(march)
    assert _all(agent, "resolved_after=2026-03-01&resolved_before=2026-04-01") == _n(march)
    assert _all(agent, "opened_after=2026-04-02T13:00:00%2B00:00") == set()


def test_invalid_values_are_ignored_and_named(agent, board):
    response = agent.get("/cases/?view=all&priority=9&assigned_to=bob&opened_after=yesterday&sort=colour")
    page = response.content.decode()
    assert response.status_code == 200
    for bad in ("priority=9", "assigned_to=bob", "opened_after=yesterday", "Cannot sort by"):
        assert bad in page
    assert len(numbers(response)) == 10  # nothing was filtered on the bad values


def test_filters_show_as_removable_chips(agent, board):
    page = agent.get(f"/cases/?view=all&priority=1&priority=2&assignment_group={board.tier2.pk}").content.decode()
    assert "Priority: <strong>1 - Critical</strong>" in page and "Priority: <strong>2 - High</strong>" in page
    assert "Group: <strong>Tier 2</strong>" in page
    assert f'href="/cases/?view=all&amp;priority=2&amp;assignment_group={board.tier2.pk}"' in page  # removes P1


def test_search_words_must_all_occur_in_the_short_description(agent, board):
    assert _all(agent, "q=printer") == _n(board.mine_new, board.mine_closed, board.cancelled)
    assert _all(agent, "q=PRINTER+page") == _n(board.mine_new)
    assert _all(agent, "q=nothing+like+this") == set()


def test_search_by_the_beginning_of_a_number(agent, board):
    prefix = board.unassigned.number[:-1]
    found = _all(agent, f"q={prefix.lower()}")
    assert board.unassigned.number in found
    assert all(number.startswith(prefix) for number in found)


def test_an_exact_case_number_opens_the_case(agent, board):
    response = agent.get(f"/cases/?q={board.unassigned.number.lower()}")
    assert response.status_code == 302 and response["Location"] == f"/cases/{board.unassigned.number}/"


def test_an_exact_task_or_line_number_opens_its_record(agent, world, board):
    task = services.case_task_create(actor=world.users["agent"], case=board.mine_open, short_description="Ship a part")
    response = agent.get(f"/cases/?q={task.number}")
    assert response.status_code == 302 and response["Location"] == f"/case-tasks/{task.number}/"


def test_a_number_outside_the_readers_scope_does_not_open(client, board):
    from tests.factories import user_with_roles

    client.force_login(user_with_roles("case_task_agent"))
    response = client.get(f"/cases/?q={board.unassigned.number}")
    assert response.status_code == 200 and numbers(response) == []


def test_sorting_by_each_sortable_column_both_ways(agent, board):
    qs = Case.objects.all()
    expectations = {
        "number": list(qs.order_by("number").values_list("number", flat=True)),
        "priority": list(qs.order_by("priority", "-updated_at", "-id").values_list("number", flat=True)),
        "-updated_at": list(qs.order_by("-updated_at", "-id").values_list("number", flat=True)),
        "opened_at": list(qs.order_by("opened_at", "-updated_at", "-id").values_list("number", flat=True)),
        "state": list(qs.order_by("state", "-updated_at", "-id").values_list("number", flat=True)),
    }
    for sort, expected in expectations.items():
        assert numbers(agent.get(f"/cases/?view=all&sort={sort}")) == expected, sort
    assert numbers(agent.get("/cases/?view=all&sort=-number")) == expectations["number"][::-1]


def test_header_links_sort_and_a_second_click_reverses(agent, board):
    page = agent.get("/cases/?view=all").content.decode()
    assert 'href="/cases/?view=all&amp;sort=priority"' in page
    assert 'aria-sort="descending"' in page  # updated, the default order
    page = agent.get("/cases/?view=all&sort=priority").content.decode()
    assert 'href="/cases/?view=all&amp;sort=-priority"' in page


def test_pages_of_a_long_list(agent, world, monkeypatch):
    for i in range(7):
        make_case(world, f"Case {i}")
    expected = list(Case.objects.order_by("-updated_at", "-id").values_list("number", flat=True))
    seen = []
    for page in (1, 2, 3):
        response = agent.get(f"/cases/?view=all&per_page=25&page={page}")
        seen += numbers(response)
    assert seen[:7] == expected  # 7 < one page: one page
    from cases import selectors_lists

    monkeypatch.setattr(selectors_lists, "PAGE_SIZES", (3, 25, 50))
    pages = [numbers(agent.get(f"/cases/?view=all&per_page=3&page={n}")) for n in (1, 2, 3, 4)]
    assert pages[0] + pages[1] + pages[2] == expected and pages[3] == expected[6:]  # page 4 is past the end: the last
    page2 = agent.get("/cases/?view=all&per_page=3&page=2").content.decode()
    assert "4–6 of 7" in page2 and 'rel="prev"' in page2 and 'rel="next"' in page2


def test_counts_are_capped_and_pages_stop_at_the_cap(agent, world, monkeypatch):
    from cases import selectors_lists

    monkeypatch.setattr(selectors_lists, "COUNT_CAP", 4)
    monkeypatch.setattr(selectors_lists, "PAGE_SIZES", (2, 25, 50))
    for i in range(7):
        make_case(world, f"Case {i}")
    first = agent.get("/cases/?view=all&per_page=2").content.decode()
    assert "1–2 of 4+" in first
    last = agent.get("/cases/?view=all&per_page=2&page=9").content.decode()
    assert "3–4 of 4+" in last and "More than 4 cases match" in last and 'rel="next"' not in last


def test_time_columns_read_naturally():
    from cases.views.lists import span, when

    today = datetime.date(2026, 6, 1)
    assert when(timezone.make_aware(datetime.datetime(2026, 6, 1, 14, 5)), today)[0] == "14:05"
    assert when(timezone.make_aware(datetime.datetime(2026, 3, 4, 9, 0)), today)[0] == "Mar 4"
    assert when(timezone.make_aware(datetime.datetime(2025, 3, 4, 9, 0)), today)[0] == "2025-03-04"
    assert [span(datetime.timedelta(minutes=m)) for m in (0, 35, 200, 14 * 60 + 5, 1440 * 2 + 240)] == [
        "<1 min", "35 min", "3 h 20 min", "14 h", "2 d 4 h",
    ]


def test_htmx_gets_only_the_results(agent, board):
    full = agent.get("/cases/?view=all")
    part = agent.get("/cases/?view=all", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-results")
    assert b"<html" in full.content and b'id="case-filters"' in full.content
    assert b"<html" not in part.content and b'id="case-filters"' not in part.content
    assert part.content.lstrip().startswith(b"{#") is False and b'id="case-results"' in part.content
    assert numbers(part) == numbers(full)
    assert b'hx-swap-oob="true"' in part.content  # the filter bar's sort follows the header clicks


def test_a_plain_form_submission_is_redirected_to_the_clean_address(agent, board):
    """Without JavaScript the filter bar sends its empty fields too; the list answers with the
    address of the same list without them (what a bookmark should hold)."""
    response = agent.get("/cases/?view=all_open&sort=&q=&state=&priority=4&assigned_to=&more=")
    assert response.status_code == 302 and response["Location"] == "/cases/?view=all_open&priority=4"


def test_several_values_of_one_filter_are_kept_when_another_changes(agent, board):
    """The bar edits one value per control; several (from a dashboard's link) ride along as hidden
    fields, shown as chips, instead of a control that could hold only one of them."""
    html = agent.get("/cases/?view=all&priority=1&priority=2&sla=at_risk&sla=breached&channel=web").content.decode()
    for name, value in (("priority", "1"), ("priority", "2"), ("sla", "at_risk"), ("sla", "breached")):
        assert f'<input type="hidden" name="{name}" value="{value}">' in html
    assert '<select name="priority"' not in html and '<select name="sla"' not in html
    assert '<option value="web" selected>' in html  # a single value stays editable in its control
    assert "More filters · 1" in html  # the SLA filter lives there


def test_htmx_puts_the_clean_address_in_the_address_bar(agent, board):
    response = agent.get(
        "/cases/?view=all_open&sort=&q=&priority=4&assigned_to=", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="case-results"
    )
    assert response.status_code == 200 and response["HX-Push-Url"] == "/cases/?view=all_open&priority=4"


def test_contact_filter_chip_names_the_contact(agent, world):
    contact = ContactFactory(account=world.account, first_name="Zoe", last_name="Zimmer")
    make_case(world, "Zoe's", contact=contact)
    assert "Contact: <strong>Zoe Zimmer</strong>" in agent.get(f"/cases/?contact={contact.pk}").content.decode()


def test_blocked_follows_the_open_blocked_by_records(agent, board, world):
    """`blocked` is the case's flag, kept by the services that open and end "blocked by" records."""
    b = board
    task = services.case_task_create(actor=world.users["agent"], case=b.mine_open, short_description="Ship a part")
    assert Case.objects.get(pk=b.mine_open.pk).blocked is True
    assert b.mine_open.number in _all(agent, "blocked=true")
    assert b.mine_open.number not in _all(agent, "blocked=false")
    services.case_task_close(actor=world.users["agent"], task=task, close_notes="Shipped")
    assert Case.objects.get(pk=b.mine_open.pk).blocked is False
    assert b.mine_open.number not in _all(agent, "blocked=true")


def test_requesting_info_blocks_and_the_answer_unblocks(agent, world):
    case = make_case(world, "Printer jams", assignee="agent", state="open")
    services.case_act(actor=world.users["agent"], case=case, action="request-info", comment="Which model?")
    assert Case.objects.get(pk=case.pk).blocked is True and case.number in _all(agent, "blocked=true")
    services.case_comment_add(actor=world.users["customer_admin"], case=Case.objects.get(pk=case.pk), body="LJ-4000")
    assert Case.objects.get(pk=case.pk).blocked is False and case.number not in _all(agent, "blocked=true")


def test_sla_stages_on_track_and_none_match_the_dashboards(agent, world, settings):
    settings.CASE_SLA_AT_RISK_MINUTES = 60
    now = timezone.now()
    on_track = make_case(world, "Later")
    soon = make_case(world, "Soon")
    breached = make_case(world, "Late")
    no_sla = make_case(world, "None running")
    Case.objects.filter(pk=on_track.pk).update(sla_due=now + datetime.timedelta(hours=5))
    Case.objects.filter(pk=soon.pk).update(sla_due=now + datetime.timedelta(minutes=10))
    Case.objects.filter(pk=breached.pk).update(sla_due=now + datetime.timedelta(hours=5), made_sla=False)
    Case.objects.filter(pk=no_sla.pk).update(sla_due=None)
    mine = _n(on_track, soon, breached, no_sla)
    assert _all(agent, "sla=on_track") & mine == _n(on_track)
    assert _all(agent, "sla=none") & mine == _n(no_sla)
    assert _all(agent, "sla=on_track&sla=breached") & mine == _n(on_track, breached)
    page = agent.get("/cases/?view=all&sla=none&blocked=false").content.decode()
    assert "No running SLA" in page and "Blocked: No" in page
