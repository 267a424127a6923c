"""The cases API: persona matrices for every endpoint and command, derivations, errors."""
import pytest

from cases import services
from cases.models import Case, CaseEvent
from tests.cases.conftest import act
from tests.factories import AssetFactory, ProductFactory
from tests.matrix import assert_status, matrix, persona_matrix

pytestmark = pytest.mark.django_db
RESOLVE = {"resolution_code": "solved_fixed", "close_notes": "Fixed."}


@pytest.fixture
def agent_case(world):
    """A Globex case opened by an agent, in Tier 1."""
    return services.case_create(
        actor=world.users["agent"], short_description="Globex outage", contact=world.contacts["other_customer"],
        assignment_group=world.group,
    )


# --- reads -------------------------------------------------------------------------------------
@matrix(external=200)
def test_case_list(persona, expected, api_as, open_case):
    assert_status(api_as(persona).get("/api/v1/cases/"), expected)


@matrix(external=200, other_customer=404)
def test_case_detail(persona, expected, api_as, open_case):
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.pk}/"), expected)


@matrix(external=200, other_customer=404)
def test_case_detail_by_number(persona, expected, api_as, open_case):
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.number}/"), expected)


@pytest.mark.parametrize(
    ("persona", "visible"),
    [("customer", {"Printer on fire"}), ("customer_admin", {"Printer on fire"}), ("partner", {"Printer on fire"}),
     ("other_customer", {"Globex outage"}), ("agent", {"Printer on fire", "Globex outage"})],
)
def test_case_list_is_scoped(persona, visible, api_as, open_case, agent_case):
    rows = api_as(persona).get("/api/v1/cases/").data["results"]
    assert {r["short_description"] for r in rows} == visible


def test_customer_admin_sees_child_account_cases_customer_does_not(api_as, world):
    services.case_create(actor=world.users["agent"], short_description="EU case", account=world.child_account)
    names = lambda p: {r["short_description"] for r in api_as(p).get("/api/v1/cases/").data["results"]}  # noqa: E731
    assert "EU case" in names("customer_admin") and "EU case" not in names("customer")


def test_case_list_query_count_is_bounded(api_as, world, django_assert_max_num_queries):
    for i in range(30):
        services.case_create(actor=world.users["agent"], short_description=f"Bulk {i}", contact=world.contacts["customer"])
    for persona in ("agent", "customer_admin"):
        with django_assert_max_num_queries(10):
            response = api_as(persona).get("/api/v1/cases/?page_size=50")
        assert response.data["count"] == 30


# --- create ------------------------------------------------------------------------------------
@persona_matrix(
    anonymous=401, other_customer=201, customer=201, customer_admin=201, partner=201, agent=201, manager=201,
    admin=201,
)
def test_case_create(persona, expected, api_as, world):
    body = {"short_description": "Help", "channel": "web"}
    if persona in ("agent", "manager", "admin"):
        body["contact"] = world.contacts["customer"].pk
    response = api_as(persona).post("/api/v1/cases/", body)
    assert_status(response, expected)  # customer side: a case for their own contact


def test_customer_case_is_for_themselves_with_derived_account(api_as, world):
    body = api_as("customer").post("/api/v1/cases/", {"short_description": "Help"}).data
    assert body["contact"] == world.contacts["customer"].pk and body["account"] == world.account.pk
    assert body["state"] == "new" and body["priority"] == 4 and body["opened_by"] == world.users["customer"].pk
    assert "assignment_group" not in body


@pytest.mark.parametrize("field", ["priority", "needs_attention", "assignment_group"])
def test_customer_cannot_set_internal_fields(field, api_as, world):
    value = {"priority": 1, "needs_attention": True, "assignment_group": world.group.pk}[field]
    response = api_as("customer").post("/api/v1/cases/", {"short_description": "Help", field: value})
    assert response.status_code == 400 and field in response.data["errors"]
    assert not Case.objects.exists()


def test_partner_opens_a_case_for_a_contact_of_the_account_it_serves(api_as, world):
    response = api_as("partner").post(
        "/api/v1/cases/", {"short_description": "For Acme", "contact": world.contacts["customer"].pk}
    )
    assert response.status_code == 201 and response.data["account"] == world.account.pk


def test_priority_follows_impact_and_urgency(api_as, world):
    body = api_as("agent").post(
        "/api/v1/cases/", {"short_description": "Down", "account": world.account.pk, "impact": 1, "urgency": 1}
    ).data
    assert body["priority"] == 1


def test_explicit_priority_wins_for_agents(api_as, world):
    body = api_as("agent").post(
        "/api/v1/cases/", {"short_description": "Down", "account": world.account.pk, "impact": 1, "urgency": 1, "priority": 3}
    ).data
    assert body["priority"] == 3


def test_product_is_filled_from_the_asset(api_as, world):
    asset = AssetFactory(account=world.account)
    body = api_as("agent").post(
        "/api/v1/cases/", {"short_description": "Broken", "account": world.account.pk, "asset": asset.pk}
    ).data
    assert body["product"] == asset.product_id


def test_asset_of_another_product_is_refused(api_as, world):
    asset = AssetFactory(account=world.account)
    response = api_as("agent").post(
        "/api/v1/cases/",
        {"short_description": "Broken", "account": world.account.pk, "asset": asset.pk, "product": ProductFactory().pk},
    )
    assert response.status_code == 400 and "product" in response.data["errors"]


def test_contact_of_another_account_is_refused(api_as, world):
    response = api_as("agent").post(
        "/api/v1/cases/",
        {"short_description": "Mixed", "account": world.account.pk, "contact": world.contacts["other_customer"].pk},
    )
    assert response.status_code == 400 and "contact" in response.data["errors"]
    assert not Case.objects.filter(short_description="Mixed").exists()


def test_assignee_must_belong_to_the_group(api_as, world):
    response = api_as("agent").post(
        "/api/v1/cases/",
        {"short_description": "X", "account": world.account.pk, "assignment_group": world.group.pk,
         "assigned_to": world.users["admin"].pk},
    )
    assert response.status_code == 400 and "assigned_to" in response.data["errors"]


def test_case_numbers_are_sequential(api_as, world):
    first = api_as("agent").post("/api/v1/cases/", {"short_description": "A", "account": world.account.pk}).data
    second = api_as("agent").post("/api/v1/cases/", {"short_description": "B", "account": world.account.pk}).data
    assert int(second["number"][2:]) == int(first["number"][2:]) + 1


def test_channel_is_recorded(api_as, world):
    body = api_as("agent").post(
        "/api/v1/cases/", {"short_description": "Call", "account": world.account.pk, "channel": "phone"}
    ).data
    assert body["channel"] == "phone"


# --- update and assign -------------------------------------------------------------------------
@matrix(external=403, other_customer=404, internal=200)
def test_case_patch(persona, expected, api_as, open_case):
    assert_status(api_as(persona).patch(f"/api/v1/cases/{open_case.pk}/", {"short_description": "Edited"}), expected)


def test_patch_with_a_stale_version_is_409(api_as, open_case):
    client = api_as("agent")
    version = client.get(f"/api/v1/cases/{open_case.pk}/").data["version"]
    assert client.patch(f"/api/v1/cases/{open_case.pk}/", {"short_description": "A", "version": version}).status_code == 200
    response = client.patch(f"/api/v1/cases/{open_case.pk}/", {"short_description": "B", "version": version})
    assert response.status_code == 409 and response.data["code"] == "conflict"
    assert Case.objects.get(pk=open_case.pk).short_description == "A"


def test_patch_records_audited_field_changes(api_as, open_case):
    api_as("agent").patch(f"/api/v1/cases/{open_case.pk}/", {"priority": 2, "short_description": "Smoke"})
    changes = set(CaseEvent.objects.filter(case=open_case, kind="field_changed").values_list("field", "old", "new"))
    assert ("priority", "4", "2") in changes and ("short_description", "Printer on fire", "Smoke") in changes


def test_state_is_never_writable(api_as, open_case):
    api_as("agent").patch(f"/api/v1/cases/{open_case.pk}/", {"state": "closed"})
    open_case.refresh_from_db()
    assert open_case.state == "new"


@matrix(external=403, other_customer=404, internal=200)
def test_case_assign(persona, expected, api_as, world, open_case):
    response = api_as(persona).post(
        f"/api/v1/cases/{open_case.pk}/assign/",
        {"assignment_group": world.group.pk, "assigned_to": world.users["agent"].pk},
    )
    assert_status(response, expected)


def test_reassignment_counts(api_as, world, open_case):
    client = api_as("manager")
    client.post(f"/api/v1/cases/{open_case.pk}/assign/", {"assignment_group": world.group.pk, "assigned_to": world.users["agent"].pk})
    client.post(f"/api/v1/cases/{open_case.pk}/assign/", {"assignment_group": world.group.pk, "assigned_to": world.users["manager"].pk})
    open_case.refresh_from_db()
    assert open_case.reassignment_count == 1 and open_case.assigned_to == world.users["manager"]


# --- lifecycle commands ------------------------------------------------------------------------
@matrix(external=403, other_customer=404, internal=200)
def test_assign_to_me_command(persona, expected, api_as, open_case):
    assert_status(api_as(persona).post(f"/api/v1/cases/{open_case.pk}/assign-to-me/"), expected)


@matrix(external=200, other_customer=404, internal=403)
def test_accept_solution_command(persona, expected, api_as, world, open_case):
    case = act(world, "agent", act(world, "agent", open_case, "assign-to-me"), "propose-solution", **RESOLVE)
    assert_status(api_as(persona).post(f"/api/v1/cases/{case.pk}/accept-solution/"), expected)


def test_invalid_transition_is_409_with_state_and_allowed_actions(api_as, open_case):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/propose-solution/", RESOLVE)
    assert response.status_code == 409 and response.data["code"] == "invalid_transition"
    assert response.data["state"] == "new"
    assert set(response.data["allowed_actions"]) >= {"assign-to-me", "close", "cancel"}


def test_missing_required_input_is_400_naming_it(api_as, world, open_case):
    act(world, "agent", open_case, "assign-to-me")
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/request-info/", {})
    assert response.status_code == 400 and "comment" in response.data["errors"]


def test_unknown_action_is_409(api_as, open_case):
    response = api_as("agent").post(f"/api/v1/cases/{open_case.pk}/fly-to-the-moon/")
    assert response.status_code == 409 and response.data["state"] == "new"


def test_detail_lists_the_callers_allowed_actions(api_as, world, open_case):
    assert "assign-to-me" in api_as("agent").get(f"/api/v1/cases/{open_case.pk}/").data["allowed_actions"]
    assert api_as("customer").get(f"/api/v1/cases/{open_case.pk}/").data["allowed_actions"] == ["close"]


# --- journal and activity ----------------------------------------------------------------------
@matrix(external=200, other_customer=404)
def test_comments_list(persona, expected, api_as, open_case):
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.pk}/comments/"), expected)


@matrix(external=201, other_customer=404, internal=201)
def test_comment_post(persona, expected, api_as, open_case):
    assert_status(api_as(persona).post(f"/api/v1/cases/{open_case.pk}/comments/", {"body": "Hello"}), expected)


@matrix(external=403, other_customer=404, internal=200)
def test_work_notes_list(persona, expected, api_as, open_case):
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.pk}/work-notes/"), expected)


@matrix(external=403, other_customer=404, internal=201)
def test_work_note_post(persona, expected, api_as, open_case):
    assert_status(api_as(persona).post(f"/api/v1/cases/{open_case.pk}/work-notes/", {"body": "Internal"}), expected)


@matrix(external=200, other_customer=404)
def test_activity(persona, expected, api_as, open_case):
    assert_status(api_as(persona).get(f"/api/v1/cases/{open_case.pk}/activity/"), expected)


def test_empty_comment_is_400(api_as, open_case):
    response = api_as("customer").post(f"/api/v1/cases/{open_case.pk}/comments/", {"body": "  "})
    assert response.status_code == 400 and "body" in response.data["errors"]


def test_activity_is_chronological_with_field_and_state_changes(api_as, world, open_case):
    act(world, "agent", open_case, "assign-to-me")
    api_as("agent").patch(f"/api/v1/cases/{open_case.pk}/", {"priority": 2})
    kinds = [e["kind"] for e in api_as("agent").get(f"/api/v1/cases/{open_case.pk}/activity/").data["results"]]
    assert kinds[0] == "created" and "state_changed" in kinds and "field_changed" in kinds


def test_activity_query_count_is_bounded(api_as, open_case, django_assert_max_num_queries):
    for i in range(20):
        services.case_comment_add(actor=open_case.opened_by, case=open_case, body=f"c{i}")
    with django_assert_max_num_queries(10):
        response = api_as("agent").get(f"/api/v1/cases/{open_case.pk}/activity/?page_size=50")
    assert response.data["count"] == 21


def test_case_list_count_is_capped_for_huge_lists(api_as, world, monkeypatch):
    from core.api.pagination import CappedCountPagination

    monkeypatch.setattr(CappedCountPagination, "COUNT_CAP", 5)
    for i in range(8):
        services.case_create(actor=world.users["agent"], short_description=f"Many {i}", account=world.account)
    body = api_as("agent").get("/api/v1/cases/?page_size=3").data
    assert body["count"] == 5 and body["count_capped"] is True and body["next"]
    assert api_as("agent").get("/api/v1/cases/?page_size=3&page=2").status_code == 200
    small = api_as("customer").get("/api/v1/cases/").data
    assert small["count_capped"] is False


def test_capped_pages_answer_like_drf_at_every_edge(api_as, world, monkeypatch, django_assert_num_queries):
    """The page and its bounded count come in one statement; the page numbers DRF refuses (not a
    number, below 1, past the last page or the cap) are still 404 with Django's message."""
    from core.api.pagination import CappedCountPagination

    monkeypatch.setattr(CappedCountPagination, "COUNT_CAP", 5)
    for i in range(8):
        services.case_create(actor=world.users["agent"], short_description=f"Edge {i}", account=world.account)
    client = api_as("agent")
    first = client.get("/api/v1/cases/?page_size=2").data
    second = client.get("/api/v1/cases/?page_size=2&page=2").data
    third = client.get("/api/v1/cases/?page_size=2&page=3").data  # rows 5 of the cap of 5
    assert (first["count"], second["count"], third["count"]) == (5, 5, 5)
    assert first["previous"] is None and "page=2" in first["next"]
    assert len(third["results"]) == 1 and third["next"] is None and third["count_capped"] is True
    ids = [r["id"] for page in (first, second, third) for r in page["results"]]
    assert len(set(ids)) == 5
    last = client.get("/api/v1/cases/?page_size=2&page=last").data
    assert last["results"] == third["results"]
    for bad in ("4", "0", "-1", "x"):
        response = client.get(f"/api/v1/cases/?page_size=2&page={bad}")
        assert response.status_code == 404, bad
        assert "Invalid page" in str(response.data["detail"])
    nothing = client.get("/api/v1/cases/?page_size=2&state=closed").data
    assert nothing["count"] == 0 and nothing["results"] == [] and nothing["count_capped"] is False
    assert client.get("/api/v1/cases/?state=closed&page=2").status_code == 404
    with django_assert_num_queries(1):  # the test client's user is loaded: the page with its count
        client.get("/api/v1/cases/?page_size=2")


def test_patching_parent_into_a_cycle_is_refused(api_as, world, open_case):
    child = services.case_create(actor=world.users["agent"], short_description="Child", account=world.account,
                                 parent=open_case)
    response = api_as("agent").patch(f"/api/v1/cases/{open_case.pk}/", {"parent": child.pk})
    assert response.status_code == 400 and "cycle" in response.data["errors"]["parent"][0]
    assert api_as("agent").patch(f"/api/v1/cases/{open_case.pk}/", {"parent": open_case.pk}).status_code == 400


# --- GET /cases/{id}/?include=activity ---------------------------------------------------------
def test_detail_can_embed_the_first_page_of_the_timeline(api_as, open_case, django_assert_max_num_queries):
    """One request gives the case and its timeline's first page, exactly as /activity/ does; the
    page links point at /activity/."""
    for i in range(4):
        services.case_comment_add(actor=open_case.opened_by, case=open_case, body=f"c{i}")
    client = api_as("agent")
    separate = client.get(f"/api/v1/cases/{open_case.pk}/activity/?page_size=2").data
    with django_assert_max_num_queries(6):
        both = client.get(f"/api/v1/cases/{open_case.pk}/?include=activity&page_size=2").data
    assert both["number"] == open_case.number and both["allowed_actions"]
    assert both["activity"]["results"] == separate["results"] and both["activity"]["count"] == separate["count"]
    assert both["activity"]["next"].endswith(f"/api/v1/cases/{open_case.pk}/activity/?page=2&page_size=2")
    assert both["activity"]["previous"] is None
    assert "activity" not in client.get(f"/api/v1/cases/{open_case.pk}/").data


def test_embedded_timeline_is_scoped_like_activity(api_as, world, open_case):
    """The customer's embedded timeline holds no work note, like their /activity/."""
    services.case_work_note_add(actor=world.users["agent"], case=open_case, body="internal only")
    services.case_comment_add(actor=world.users["agent"], case=open_case, body="for the customer")
    agent = api_as("agent").get(f"/api/v1/cases/{open_case.pk}/?include=activity").data["activity"]["results"]
    customer = api_as("customer").get(f"/api/v1/cases/{open_case.pk}/?include=activity").data["activity"]["results"]
    assert "work_note" in [e["kind"] for e in agent]
    assert "work_note" not in [e["kind"] for e in customer] and "internal only" not in str(customer)
    assert customer == api_as("customer").get(f"/api/v1/cases/{open_case.pk}/activity/").data["results"]


def test_unknown_include_is_400_naming_what_is_known(api_as, open_case):
    response = api_as("agent").get(f"/api/v1/cases/{open_case.pk}/?include=activity,journal")
    assert response.status_code == 400 and "journal" in str(response.data["errors"]["include"])
    assert "activity" in str(response.data["errors"]["include"])
