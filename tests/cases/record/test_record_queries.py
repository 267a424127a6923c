"""What the record page and its composer cost in queries (issue 15): the page reads the case with
the related lists' and panels' presence in one statement and nothing for an empty list; a comment
or work note posted from it takes a fixed number of queries whatever the case's history, and its
answer is what htmx swaps (the fresh composer, and the header, timeline and version out of band)."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.hooks import _case_panels
from cases.models import Case, CaseSurvey
from notifications.models import Notification
from tests.cases.record.conftest import htmx

pytestmark = pytest.mark.django_db


def _grow(case, world, entries: int) -> None:
    agent = world.users["agent"]
    for i in range(entries):
        (services.case_comment_add if i % 2 else services.case_work_note_add)(actor=agent, case=case, body=f"Entry {i}")


def _post(client, case, kind: str, body: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(f"/cases/{case.number}/journal/", {"kind": kind, "body": body}, **htmx(client))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _get(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("kind", ["comment", "work_note"])
def test_a_post_from_the_composer_takes_a_fixed_number_of_queries_whatever_the_history(
    client_as, world, open_case, kind
):
    # Assigned an hour ago: a save within seconds of an assignment also counts it for round robin.
    Case.objects.filter(pk=open_case.pk).update(assigned_at=timezone.now() - datetime.timedelta(hours=1))
    client = client_as("agent")
    client.get(f"/cases/{open_case.number}/")  # the session is warm, as in a browser
    _post(client, open_case, kind, "Warm-up")  # and the per-process caches (notification templates), as in a server
    _, short = _post(client, open_case, kind, "First")
    _grow(open_case, world, 80)
    body, long = _post(client, open_case, kind, "After eighty more")
    assert len(long) == len(short)
    assert len(long) <= 16
    # One read of the case before the write (the scope) and the locked one; none after.
    assert len([sql for sql in long if sql.startswith("SELECT") and '"cases_case"."number"' in sql]) == 2
    composer, rest = body.split('id="case-header"', 1)
    assert 'id="composer"' in composer and "added." in composer
    assert "After eighty more" in rest and 'id="timeline" hx-swap-oob="true"' in rest
    open_case.refresh_from_db()
    assert f'id="case-version" name="version" value="{open_case.version}" hx-swap-oob="true"' in rest


def test_the_record_page_reads_nothing_for_empty_related_lists_and_panels(client_as, open_case):
    client = client_as("agent")
    client.get(f"/cases/{open_case.number}/")
    page, queries = _get(client, f"/cases/{open_case.number}/")
    assert not [sql for sql in queries if sql.startswith('SELECT "cases_casesurvey"')]
    assert not [sql for sql in queries if '"interactions_interactionrelatedrecord"."id"' in sql]
    assert not [sql for sql in queries if sql.startswith('SELECT "cases_lifecyclestate"')]  # labels: cached
    assert len(queries) <= 5  # session, user, roles and permissions, the case with its flags, the timeline
    assert "Not answered" in page and "No interaction is linked to this case." in page


def test_a_panel_with_rows_still_reads_them(client_as, open_case, world):
    CaseSurvey.objects.create(case=open_case, respondent=world.users["customer"], rating=4, comment="Quick")
    page, queries = _get(client_as("agent"), f"/cases/{open_case.number}/")
    assert [sql for sql in queries if sql.startswith('SELECT "cases_casesurvey"')]
    assert "4/5" in page and "Quick" in page
    assert "survey" in _case_panels and _case_panels["survey"].presence is not None


def test_a_comment_from_the_composer_still_reaches_watchers_and_parties(client_as, open_case, world):
    colleague = world.users["manager"]
    services.case_watch_add(actor=colleague, case=open_case)
    client = client_as("agent")
    _post(client, open_case, "comment", "Watched")
    recipients = set(Notification.objects.filter(event="case.commented").values_list("recipient__username", flat=True))
    assert colleague.username in recipients
