"""The case page's and the customer API detail's query counts (issue 15): fixed for each persona of
the customer side (a contact, a customer admin over the account's hierarchy, a partner of the
account, a consumer) whatever the case holds (3 or 30 timeline entries and attachments). The case,
once read through the person's scope, is not checked against it again (the allowed actions, the
survey, the tasks), and the scope is resolved once per request.

Each count includes the session, the user and the user's permissions (3 queries). The case page:
the case by its number (its own contact's or consumer's case: no other check; the customer admin's
and the partner's colleague's case: their scope resolved once, in one UNION ALL, and the case
checked against it in Python), the timeline, the attachments, the tasks, the catalog request, the
survey; the customer admin's navigation reads whether an administered account is active (+1, from
the administered paths the scope already holds)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services

pytestmark = pytest.mark.django_db


def _fill(case, *, customer, agent, n: int) -> None:
    """n customer-visible entries (comments from both sides) and n attachments (from both sides),
    plus a work note and an internal attachment the customer side never sees."""
    for i in range(n):
        author = customer if i % 2 else agent
        services.case_comment_add(actor=author, case=case, body=f"entry {i}")
        upload = SimpleUploadedFile(f"file{i}.txt", b"log\n", content_type="text/plain")
        services.attachment_add(actor=author, case=case, uploaded_file=upload)
    services.case_work_note_add(actor=agent, case=case, body="INTERNAL NOTE")
    upload = SimpleUploadedFile("internal.txt", b"INTERNAL\n", content_type="text/plain")
    services.attachment_add(actor=agent, case=case, uploaded_file=upload, customer_visible=False)


def _queries(client, case) -> tuple[int, str, list[str]]:
    path = f"/portal/cases/{case.number}/"
    client.get(path)  # warm the per-process reference caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries), response.content.decode(), [q["sql"] for q in queries.captured_queries]


@pytest.fixture
def persona_case(world, consumer_user, settings):
    settings.CONSUMER_MAX_ATTACHMENTS_PER_RECORD = settings.CONSUMER_MAX_COMMENTS_PER_CASE_DAILY = 100

    def make(persona: str, n: int):
        if persona == "consumer":
            user = consumer_user
            case = services.case_create(actor=user, short_description="Kettle")
        else:
            user = world.users[persona]
            case = services.case_create(actor=world.users["customer"], short_description="Printer on fire")
        _fill(case, customer=user, agent=world.users["agent"], n=n)
        return user, case
    return make


PAGE_QUERIES = {"customer": 9, "customer_admin": 11, "partner": 10, "consumer": 9}


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner", "consumer"])
def test_case_page_query_count_is_fixed_per_persona(client, persona_case, persona):
    counts = {}
    for n in (3, 30):
        user, case = persona_case(persona, n)
        client.force_login(user)
        counts[n], html, sql = _queries(client, case)
        assert "INTERNAL" not in html and "internal.txt" not in html
        assert "file0.txt" in html and f"file{n - 1}.txt" in html and f"entry {n - 1}" in html
    assert counts == {3: PAGE_QUERIES[persona], 30: PAGE_QUERIES[persona]}, sql


# The API detail: the page's first four or six queries, the case, and no second scope check.
API_QUERIES = {"customer": 5, "customer_admin": 7, "partner": 6, "consumer": 5}


@pytest.mark.parametrize("persona", ["customer", "customer_admin", "partner", "consumer"])
def test_customer_api_detail_checks_the_scope_once(client, persona_case, persona):
    user, case = persona_case(persona, 3)
    client.force_login(user)
    path = f"/api/v1/cases/{case.pk}/"
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200 and response.json()["allowed_actions"]
    assert len(queries) == API_QUERIES[persona], [q["sql"] for q in queries.captured_queries]


def test_the_remembered_scope_is_the_reader_s_only(world, dana_case, django_assert_num_queries):
    """The memo answers for the person who read the case through their scope, never for another:
    someone else is checked against the database (and refused when out of scope)."""
    from cases import permissions, selectors

    case = selectors.case_get_for_user(user=world.users["customer"], number=dana_case.number)
    with django_assert_num_queries(0):
        assert permissions.is_customer_side(world.users["customer"], case)
    assert not permissions.is_customer_side(world.users["other_customer"], case)
    assert permissions.is_customer_side(world.users["customer_admin"], case)  # in scope, read from the rows
    assert selectors.case_get_for_user(user=world.users["other_customer"], number=dana_case.number) is None
