"""Answering the satisfaction survey leaves its line on the case's timeline: the rating for
everyone who reads the case, the comment for agents only (decision in cases/services/surveys.py)."""
import pytest

from cases import services
from cases.choices import EventKind
from tests.portal.cases.conftest import act

pytestmark = pytest.mark.django_db

COMMENT = "SURVEY-COMMENT the agent was slow"


@pytest.fixture
def answered(world, resolved_case):
    case = act(world, "customer", resolved_case, "accept-solution")
    services.case_survey_submit(actor=world.users["customer"], case=case, rating=4, comment=COMMENT)
    return case


def test_answer_records_a_visible_rating_and_an_internal_comment(world, answered):
    entries = list(answered.events.filter(kind=EventKind.SURVEY).order_by("id"))
    assert [(e.customer_visible, e.author) for e in entries] == [
        (True, world.users["customer"]), (False, world.users["customer"]),
    ]
    assert entries[0].body == "Satisfaction survey answered: 4/5"
    assert COMMENT in entries[1].body and COMMENT not in entries[0].body


def test_an_answer_without_comment_records_the_rating_only(world, resolved_case):
    services.case_survey_submit(actor=world.users["customer"], case=resolved_case, rating=2)
    assert list(resolved_case.events.filter(kind=EventKind.SURVEY).values_list("body", "customer_visible")) == [
        ("Satisfaction survey answered: 2/5", True)
    ]


def test_a_refused_answer_records_nothing(world, dana_case):
    from core.exceptions import Conflict

    with pytest.raises(Conflict):
        services.case_survey_submit(actor=world.users["customer"], case=dana_case, rating=5, comment="early")
    assert not dana_case.events.filter(kind=EventKind.SURVEY).exists()


def test_agents_see_rating_and_comment_in_the_record_timeline(client_as, answered):
    html = client_as("agent").get(f"/cases/{answered.number}/").content.decode()
    timeline = html[html.index('class="entry kind-survey'):]
    assert "Satisfaction survey answered: 4/5" in timeline and COMMENT in timeline


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner"])
def test_the_customer_side_sees_the_rating_never_the_comment_on_the_timeline(persona, client_as, api_as, answered):
    html = client_as(persona).get(f"/portal/cases/{answered.number}/").content.decode()
    assert "Satisfaction survey answered: 4/5" in html and COMMENT not in html
    response = api_as(persona).get(f"/api/v1/cases/{answered.number}/activity/?page_size=200")
    assert response.status_code == 200
    bodies = [entry.get("body", "") for entry in response.data["results"]]
    assert "Satisfaction survey answered: 4/5" in bodies and not any(COMMENT in b for b in bodies)


@pytest.mark.parametrize("persona, sees_comment", [
    ("customer", True),  # the respondent
    ("customer_admin", False), ("partner", False), ("agent", True), ("manager", True), ("admin", True),
])
def test_the_survey_comment_reaches_agents_and_its_author_only(persona, sees_comment, api_as, client_as, answered):
    response = api_as(persona).get(f"/api/v1/cases/{answered.number}/survey/")
    assert response.status_code == 200 and response.data["rating"] == 4
    assert response.data["comment"] == (COMMENT if sees_comment else None)
    assert (COMMENT in response.content.decode()) == sees_comment
    if persona in ("customer_admin", "partner"):  # and the portal page does not show it either
        assert COMMENT not in client_as(persona).get(f"/portal/cases/{answered.number}/").content.decode()


def test_the_answer_returns_the_comment_to_its_author(api_as, world, resolved_case):
    response = api_as("customer_admin").post(f"/api/v1/cases/{resolved_case.number}/survey/",
                                              {"rating": 3, "comment": "ok"}, format="json")
    assert response.status_code == 201 and response.data["comment"] == "ok"
