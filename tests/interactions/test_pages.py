"""The inbox and the interaction pages: the persona matrix for every page, fragment and form
(anonymous to sign in, customers 404, staff in), what each shows, htmx swaps in place and plain
posts redirect, and query counts that do not grow with the rows."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import CaseOffer
from interactions import services
from interactions.choices import InteractionState
from interactions.models import Interaction
from tests.factories import routing_agent
from tests.matrix import assert_status, matrix
from users import services as user_services

pytestmark = pytest.mark.django_db
S = InteractionState
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def waiting(world, open_interaction):
    return open_interaction(contact=world.contacts["customer"], message="Hello?", short_description="VPN drops")


@pytest.fixture
def offer(world, acme_case):
    """An open offer of a case to the world's agent."""
    now = timezone.now()
    return CaseOffer.objects.create(
        case=acme_case, agent=world.users["agent"], assignment_group=world.group, offered_at=now,
        expires_at=now + datetime.timedelta(minutes=2),
    )


def _login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith("/login/")


# --- the persona matrix --------------------------------------------------------------------------
PAGES = ["/inbox/", "/inbox/fragment/", "/interactions/", "/interactions/{n}/", "/interactions/{n}/create-case/"]


@pytest.mark.parametrize("page", PAGES)
@matrix(anonymous=302, external=404, internal=200)
def test_page_access(persona, expected, page, client_as, waiting):
    response = client_as(persona).get(page.format(n=waiting.number))
    assert_status(response, expected)
    if expected == 302:
        assert _login_redirect(response)


@matrix(anonymous=302, external=404, internal=404)
def test_an_unknown_interaction_is_404(persona, expected, client_as):
    assert_status(client_as(persona).get("/interactions/IMS9999999/"), expected)


POSTS = [
    ("/inbox/presence/", {"status": "away"}),
    ("/interactions/{n}/accept/", {}),
    ("/interactions/{n}/work-note/", {"body": "Called back"}),
    ("/interactions/{n}/close/", {"close-wrap_up_code": "no_action"}),
    ("/interactions/{n}/hold/", {"reason": "later"}),
    ("/interactions/{n}/link-case/", {"case": "case"}),
    ("/interactions/{n}/create-case/", {"short_description": "From chat", "impact": 3, "urgency": 3}),
]


@pytest.mark.parametrize(("url", "data"), POSTS, ids=[p[0] for p in POSTS])
@matrix(anonymous=302, external=404, internal=302)
def test_form_access(persona, expected, url, data, client_as, waiting, acme_case):
    data = {**data, "case": acme_case.number} if "case" in data else data
    response = client_as(persona).post(url.format(n=waiting.number), data)
    assert_status(response, expected)


@pytest.mark.parametrize("action", ["accept", "reject"])
@matrix(anonymous=302, external=404, internal=302, manager=302, admin=302)
def test_offer_forms_access(persona, expected, action, client_as, offer):
    response = client_as(persona).post(f"/inbox/offers/{offer.pk}/{action}/", {"reason": "Not my area"})
    if persona in ("manager", "admin"):
        assert_status(response, 302)  # they see the offer, but only its agent may answer it
        assert CaseOffer.objects.get(pk=offer.pk).state == "offered"
    else:
        assert_status(response, expected)


def test_get_on_an_action_is_405(client_as, waiting):
    assert_status(client_as("agent").get(f"/interactions/{waiting.number}/accept/"), 405)


def test_an_unknown_action_is_404(client_as, waiting):
    assert_status(client_as("agent").post(f"/interactions/{waiting.number}/explode/"), 404)


# --- the inbox -----------------------------------------------------------------------------------
def test_inbox_shows_offers_waiting_and_mine(world, client_as, offer, open_interaction, tier2):
    mine = services.interaction_accept(actor=world.users["agent"], interaction=open_interaction(short_description="Mine now"))
    queued = open_interaction(short_description="In my queue")
    anyone = open_interaction(group=None, short_description="In no queue")
    elsewhere = open_interaction(group=tier2, short_description="Tier 2 only")
    html = client_as("agent").get("/inbox/").content.decode()
    assert offer.case.number in html and "Reject" in html
    assert queued.number in html and anyone.number in html and elsewhere.number not in html
    assert mine.number in html and "Mine now" in html
    assert 'hx-trigger="every 15s' in html and 'href="/interactions/"' in html


def test_inbox_capacity_counts_cases_offers_and_interactions(world, client_as, offer, open_interaction):
    agent = world.users["agent"]
    user_services.agent_capacity_set(actor=None, user=agent, channel="web", max_items=3)
    user_services.agent_capacity_set(actor=None, user=agent, channel="chat", max_items=1)
    services.interaction_accept(actor=agent, interaction=open_interaction())
    html = client_as("agent").get("/inbox/").content.decode()
    assert "Web 1/3" in html  # the open offer of a web case reserves a slot
    assert "Chat 1/1" in html  # the chat in progress


def test_presence_is_set_from_the_inbox(world, client_as):
    client = client_as("agent")
    response = client.post("/inbox/presence/", {"status": "available"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert world.users["agent"].presence.status == "available"
    fragment = client.post("/inbox/presence/", {"status": "away"}, **HX)
    assert fragment.status_code == 200 and 'id="inbox-body"' in fragment.content.decode()
    assert "You are away." in fragment.content.decode()


def test_accepting_an_offer_assigns_the_case(world, client_as, offer):
    response = client_as("agent").post(f"/inbox/offers/{offer.pk}/accept/", **HX)
    assert response.status_code == 200 and "is yours" in response.content.decode()
    assert CaseOffer.objects.get(pk=offer.pk).state == "accepted"
    offer.case.refresh_from_db()
    assert offer.case.assigned_to == world.users["agent"]


def test_rejecting_an_offer_needs_a_reason(client_as, offer):
    client = client_as("agent")
    response = client.post(f"/inbox/offers/{offer.pk}/reject/", {"reason": ""}, **HX)
    assert "say why" in response.content.decode() and CaseOffer.objects.get(pk=offer.pk).state == "offered"
    client.post(f"/inbox/offers/{offer.pk}/reject/", {"reason": "Not my product"})
    rejected = CaseOffer.objects.get(pk=offer.pk)
    assert rejected.state == "rejected" and rejected.reason == "Not my product"


def test_accepting_from_the_inbox_swaps_the_inbox(world, client_as, waiting):
    response = client_as("agent").post(f"/interactions/{waiting.number}/accept/", {"next": "inbox"}, **HX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith("<div id=\"inbox-body\"")
    assert "My interactions" in html and waiting.number in html
    plain = client_as("manager").post(f"/interactions/{waiting.number}/accept/", {"next": "inbox"})
    assert plain["Location"] == "/inbox/"


def test_inbox_queries_do_not_grow_with_rows(world, client_as, open_interaction, django_assert_max_num_queries):
    agent = world.users["agent"]
    user_services.agent_capacity_set(actor=None, user=agent, channel="chat", max_items=5)
    client = client_as("agent")

    def add(n):
        for _ in range(n):
            open_interaction(contact=world.contacts["customer"])
            services.interaction_accept(actor=agent, interaction=open_interaction(group=None))

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    add(5)
    few = count("/inbox/")
    add(30)  # past the section's limit: one bounded count says how many more wait
    many = count("/inbox/")
    add(30)
    with django_assert_max_num_queries(many):
        client.get("/inbox/")
    assert few <= many <= few + 1 <= 13
    assert count("/inbox/fragment/") <= many


def test_many_waiting_show_the_oldest_and_a_capped_count(world, client_as, open_interaction, monkeypatch):
    from interactions import selectors

    monkeypatch.setattr(selectors, "INBOX_LIMIT", 3)
    made = [open_interaction() for _ in range(5)]
    html = client_as("agent").get("/inbox/").content.decode()
    assert made[0].number in html and made[2].number in html and made[4].number not in html
    assert ">5<" in html.replace(" ", "") or "5</span>" in html


# --- the list ------------------------------------------------------------------------------------
def test_list_filters_by_state_type_mine_and_words(world, client_as, open_interaction):
    agent = world.users["agent"]
    mine = services.interaction_accept(actor=agent, interaction=open_interaction(short_description="Printer jam"))
    email = open_interaction(type="email", short_description="Invoice copy")
    client = client_as("agent")
    assert email.number in client.get("/interactions/?type=email").content.decode()
    assert mine.number not in client.get("/interactions/?type=email").content.decode()
    html = client.get("/interactions/?mine=on").content.decode()
    assert mine.number in html and email.number not in html
    html = client.get("/interactions/?state=work_in_progress&state=wrap_up").content.decode()
    assert mine.number in html and email.number not in html
    assert email.number in client.get("/interactions/?q=invoice").content.decode()
    assert email.number in client.get(f"/interactions/?q={email.number.lower()}").content.decode()


def test_list_filter_swaps_the_results_with_htmx(client_as, open_interaction):
    open_interaction()
    response = client_as("agent").get("/interactions/?type=chat", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="interaction-results")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="interaction-results">') and "<html" not in html


def test_list_pages(world, client_as, open_interaction, monkeypatch):
    from interactions import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    made = [open_interaction() for _ in range(5)]
    client = client_as("agent")
    first = client.get("/interactions/").content.decode()
    assert made[4].number in first and made[2].number not in first and "page=2" in first
    last = client.get("/interactions/?page=3").content.decode()
    assert made[0].number in last and "page=2" in last
    assert client.get("/interactions/?page=99").status_code == 200


def test_list_queries_do_not_grow_with_rows(world, client_as, open_interaction, django_assert_max_num_queries):
    client = client_as("agent")
    for _ in range(5):
        services.interaction_accept(actor=world.users["agent"], interaction=open_interaction(contact=world.contacts["customer"]))
    with CaptureQueriesContext(connection) as few:
        assert client.get("/interactions/").status_code == 200
    for _ in range(25):
        services.interaction_accept(actor=world.users["agent"], interaction=open_interaction(contact=world.contacts["customer"]))
    with django_assert_max_num_queries(len(few)):
        client.get("/interactions/")
    assert len(few) <= 8


# --- the record ----------------------------------------------------------------------------------
def test_record_shows_exactly_the_allowed_actions(world, client_as, waiting):
    html = client_as("agent").get(f"/interactions/{waiting.number}/").content.decode()
    assert "Accept</button>" in html and "Create case" in html and "Link to case" in html and "Close</summary>" in html
    assert "Wrap up</summary>" not in html and "Return to queue" not in html
    services.interaction_accept(actor=world.users["agent"], interaction=waiting)
    html = client_as("agent").get(f"/interactions/{waiting.number}/").content.decode()
    assert "Accept</button>" not in html and "Wrap up</summary>" in html and "Return to queue" in html
    outsider_html = client_as("admin").get(f"/interactions/{waiting.number}/").content.decode()
    assert "Wrap up</summary>" in outsider_html  # the admin supervises


def test_record_shows_transcript_notes_and_links(world, client_as, waiting, acme_case):
    services.interaction_work_note_add(actor=world.users["agent"], interaction=waiting, body="Knows the VPN team")
    services.interaction_link_case(actor=world.users["agent"], interaction=waiting, case=acme_case)
    html = client_as("manager").get(f"/interactions/{waiting.number}/").content.decode()
    assert "Hello?" in html and "Knows the VPN team" in html and "work note" in html
    assert f'/cases/{acme_case.number}/' in html and "Dana Diaz" in html


def test_actions_swap_the_record_in_place_or_redirect(world, client_as, waiting):
    client = client_as("agent")
    swapped = client.post(f"/interactions/{waiting.number}/accept/", **HX)
    assert swapped.status_code == 200 and swapped.content.decode().lstrip().startswith('<div id="interaction-record">')
    assert "is yours" in swapped.content.decode()
    plain = client.post(f"/interactions/{waiting.number}/wrap-up/", {"wrap-wrap_up_code": "information"})
    assert plain["Location"] == f"/interactions/{waiting.number}/"
    assert Interaction.objects.get(pk=waiting.pk).state == S.WRAP_UP


def test_a_refused_action_says_what_is_allowed(world, client_as, waiting):
    services.interaction_accept(actor=world.users["agent"], interaction=waiting)
    response = client_as("agent").post(f"/interactions/{waiting.number}/accept/", **HX)
    html = response.content.decode()
    assert "is not allowed" in html and "Allowed now" in html and "wrap-up" in html


def test_work_note_from_the_record(world, client_as, waiting):
    client_as("agent").post(f"/interactions/{waiting.number}/work-note/", {"body": "Spoke to Dana"})
    assert waiting.entries.filter(kind="work_note", body="Spoke to Dana").exists()
    response = client_as("agent").post(f"/interactions/{waiting.number}/work-note/", {"body": ""}, **HX)
    assert "Write something" in response.content.decode()


def test_link_case_from_the_record_closes_an_email(world, client_as, open_interaction, acme_case):
    email = open_interaction(type="email")
    client_as("agent").post(f"/interactions/{email.number}/link-case/", {"case": acme_case.number, "close": "on"})
    email.refresh_from_db()
    assert email.state == S.CLOSED_COMPLETE and email.related_records.get().case == acme_case
    response = client_as("agent").post(f"/interactions/{email.number}/link-case/", {"case": "CS0000000"}, **HX)
    assert "There is no case CS0000000" in response.content.decode()


def test_create_case_page_is_prefilled_and_redirects_to_the_case(world, client_as, waiting):
    client = client_as("agent")
    form = client.get(f"/interactions/{waiting.number}/create-case/").content.decode()
    assert 'value="VPN drops"' in form and "Hello?" in form and "Dana Diaz" in form
    response = client.post(
        f"/interactions/{waiting.number}/create-case/",
        {"short_description": "VPN drops hourly", "description": "Hello?", "impact": 2, "urgency": 2,
         "assignment_group": world.group.pk, "assign_to_me": "on"},
    )
    waiting.refresh_from_db()
    case = waiting.related_records.get().case
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    assert case.short_description == "VPN drops hourly" and case.assigned_to == world.users["agent"] and case.priority == 3
    assert waiting.state == S.CLOSED_COMPLETE


def test_create_case_for_an_unidentified_caller_asks_for_an_email(world, client_as, open_interaction):
    unknown = open_interaction(name="Caller")
    client = client_as("agent")
    form = client.get(f"/interactions/{unknown.number}/create-case/").content.decode()
    assert "Customer&#x27;s email" in form or "Customer's email" in form
    bad = client.post(f"/interactions/{unknown.number}/create-case/", {"short_description": "x", "impact": 3, "urgency": 3,
                                                                       "customer_email": "nobody@example.com"})
    assert bad.status_code == 400 and "No single active contact" in bad.content.decode()
    ok = client.post(f"/interactions/{unknown.number}/create-case/", {"short_description": "x", "impact": 3, "urgency": 3,
                                                                      "customer_email": "customer_erin@example.com"})
    assert ok.status_code == 302
    assert Interaction.objects.get(pk=unknown.pk).contact == world.contacts["other_customer"]


def test_create_case_on_a_closed_interaction_says_it_cannot(world, client_as, waiting):
    services.interaction_close(actor=world.users["agent"], interaction=waiting)
    html = client_as("agent").get(f"/interactions/{waiting.number}/create-case/").content.decode()
    assert "cannot be created" in html
    response = client_as("agent").post(f"/interactions/{waiting.number}/create-case/", {"short_description": "x", "impact": 3, "urgency": 3})
    assert response.status_code == 302 and response["Location"] == f"/interactions/{waiting.number}/"


def test_record_queries_are_bounded(world, client_as, waiting, django_assert_max_num_queries):
    client = client_as("agent")
    for n in range(30):
        services.interaction_message_append(actor=None, interaction=waiting, body=f"message {n}")
    with django_assert_max_num_queries(12):
        assert client.get(f"/interactions/{waiting.number}/").status_code == 200


# --- navigation and the case panel ---------------------------------------------------------------
def test_the_navigation_lists_inbox_and_interactions(client_as):
    html = client_as("agent").get("/inbox/").content.decode()
    assert 'href="/inbox/" aria-current="page">Inbox' in html and 'href="/interactions/"' in html


def test_the_case_panel_lists_linked_interactions(world, waiting, acme_case, open_interaction, django_assert_max_num_queries):
    from django.template.loader import render_to_string

    from cases.hooks import case_panels

    panel = next(p for p in case_panels() if p.key == "interactions")
    services.interaction_link_case(actor=world.users["agent"], interaction=waiting, case=acme_case)
    for _ in range(5):
        services.interaction_link_case(actor=world.users["agent"], interaction=open_interaction(), case=acme_case)
    with django_assert_max_num_queries(2):
        context = panel.loader(user=world.users["agent"], case=acme_case)
        html = render_to_string(panel.template, context)
    assert waiting.number in html and len(context["links"]) == 6
    assert panel.loader(user=world.users["customer"], case=acme_case)["links"] == []


def test_pages_render_for_a_phone(client_as, waiting):
    html = client_as("agent").get("/inbox/").content.decode()
    assert 'name="viewport"' in html and 'class="table-wrap"' in html and "interactions.css" in html


def test_routing_agents_see_their_offer_in_the_inbox(world, client_as):
    from cases import services as case_services
    from tests.factories import AssignmentRuleFactory

    group = world.group
    agent = routing_agent(group, username="router_rae", capacity={"web": 3})
    AssignmentRuleFactory(assignment_group=group)
    for member in group.members.exclude(pk=agent.pk):
        user_services.agent_presence_set(actor=None, user=member, status="offline")
    case = case_services.case_create(actor=world.users["customer"], short_description="Routed to Rae")
    from django.test import Client

    client = Client()
    client.force_login(agent)
    html = client.get("/inbox/").content.decode()
    assert case.number in html and "Web 1/3" in html
