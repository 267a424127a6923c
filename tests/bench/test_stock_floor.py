"""The stock floor (bench/stock/) on PostgreSQL: seeded from a product database by COPY, it answers
every path of the contract as an agent and as each customer persona, keeps the customer side to
its scope (the same cases as the product's `case_scope_q`) and never shows a work note to it."""
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from bench.customer_side import personas, seed_customer_side
from bench.seed import PROBE_DESCRIPTION, bench_agent, bench_group, seed
from bench.stock.client import StockFloor, stock_database_exists
from bench.stock.seed import drop_database
from cases.models import Case, CaseEvent
from cases.permissions import case_scope_q
from customers.models import Contact
from tests.conftest import ensure_reference_data
from users.models import User

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
SECRET = "Stock floor test: internal work note"
PASSWORD = "bench-password"
HTMX = {"HX-Request": "true"}


def _url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def floor():
    """The product data (300 cases, the customer side, a work note), copied into a floor database
    of this test's own (`<test db>_stockfloor_stock`), the floor's worker started; dropped after."""
    if connection.vendor != "postgresql":
        pytest.skip("the stock floor is PostgreSQL only")
    ensure_reference_data()  # an earlier transactional test's flush removed the migrations' rows
    seed(cases=300, journal=3, probe_journal=30)
    seed_customer_side()
    people = personas()
    for user in User.objects.filter(username__in=[bench_agent().username, *[u.username for u in people.values()]]):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    own = Case.objects.filter(contact__user=people["contact"]).order_by("id").first()
    CaseEvent.objects.create(case=own, kind="work_note", body=SECRET, created_at=own.opened_at, customer_visible=False)
    product_url = _url(connection.settings_dict["NAME"])
    floor_url = _url(connection.settings_dict["NAME"] + "_stockfloor_stock")
    env = {**os.environ, "DATABASE_URL": product_url, "STOCK_DATABASE_URL": floor_url, "PYTHONPATH": str(ROOT)}
    try:
        done = subprocess.run([sys.executable, "-m", "bench.stock", "seed"], env=env, cwd=ROOT, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "floor_case: 301 rows" in done.stdout and "ANALYZE" in done.stdout
        assert stock_database_exists(floor_url.removesuffix("_stock"))
        with StockFloor(database_url=floor_url) as running:
            running.url = floor_url
            yield running, people, own
    finally:
        drop_database(floor_url)


def _ok(answer: dict, *statuses: int) -> dict:
    assert answer["status"] in (statuses or (200,)), answer
    return answer


def test_the_floor_answers_every_path_as_an_agent(floor):
    f, people, own = floor
    agent = bench_agent().username
    probe = Case.objects.get(short_description=PROBE_DESCRIPTION)
    page = _ok(f.request("GET", f"/cases/{probe.number}/", user=agent, body=True))["content"]
    assert page.count('class="entry ') == 25 and probe.number in page and 'id="composer"' in page
    listing = _ok(f.request("GET", "/cases/?view=all_open", user=agent, body=True))["content"]
    assert listing.count("<tr><td>") == 25 and "1–25 of" in listing
    assert SECRET in _ok(f.request("GET", f"/cases/{own.number}/", user=agent, body=True))["content"]
    fragment = _ok(f.request("POST", f"/cases/{probe.number}/journal/", user=agent, headers=HTMX, body=True,
                             data={"kind": "comment", "body": "Posted from the floor's record page"}))["content"]
    assert "Comment added." in fragment and "Posted from the floor" in fragment and 'hx-swap-oob="true"' in fragment
    _ok(f.request("POST", f"/cases/{probe.number}/journal/", user=agent, data={"kind": "work_note", "body": "Note"}), 302)
    group = bench_group().pk
    api = f.request("GET", f"/api/v1/cases/?assignment_group={group}&state_category=open", user=agent, body=True)
    assert _ok(api)["queries"] <= 5
    detail = _ok(f.request("GET", f"/api/v1/cases/{probe.pk}/?include=activity", user=agent, body=True))["content"]
    assert '"activity"' in detail and detail.count('"kind"') == 25
    created = f.request("POST", "/api/v1/cases/", user=agent, content_type="application/json", body=True, data={
        "short_description": "Floor create", "contact": own.contact_id, "assignment_group": group, "impact": 2,
        "urgency": 3, "channel": "email"})
    assert _ok(created, 201)["queries"] <= 8 and f'"account":{own.account_id}' in created["content"].replace(" ", "")
    f.begin()  # what the bench posts is rolled back
    _ok(f.request("POST", f"/cases/{probe.number}/journal/", user=agent, headers=HTMX,
                  data={"kind": "comment", "body": "Rolled back"}))
    f.rollback()
    assert "Rolled back" not in f.request("GET", f"/cases/{probe.number}/", user=agent, body=True)["content"]


def test_sign_in_and_tokens_work_as_stock_django(floor):
    f, people, _ = floor
    username = people["contact"].username
    assert f.request("GET", "/api/v1/cases/")["status"] in (401, 403)  # anonymous (signed in below)
    assert f.request("GET", "/portal/")["status"] == 302  # to the sign-in page
    assert 'name="csrfmiddlewaretoken"' in _ok(f.request("GET", "/login/", body=True))["content"]
    signed_in = f.request("POST", "/login/", data={"username": username, "password": PASSWORD, "next": "/portal/"})
    assert _ok(signed_in, 302)
    refused = f.request("POST", "/login/", data={"username": username, "password": "wrong"})
    assert refused["status"] == 200  # the form again, with its error
    token = _ok(f.request("POST", "/api/v1/auth/token/", content_type="application/json", body=True,
                          data={"username": username, "password": PASSWORD}))["content"]
    key = token.split('"token":"')[1].split('"')[0]
    assert _ok(f.request("GET", "/api/v1/cases/", headers={"Authorization": f"Token {key}"}))


def test_each_customer_persona_sees_its_scope_and_no_work_notes(floor):
    f, people, own = floor
    outside = Case.objects.all()
    for user in people.values():
        outside = outside.exclude(case_scope_q(user))
    outside = outside.order_by("id").first()
    for persona, user in people.items():
        name = user.username
        scope = Case.objects.filter(case_scope_q(user))
        assert scope.exists(), persona
        for path in ("/portal/", "/portal/cases/", "/portal/cases/?status=open", "/portal/cases/?q=router"):
            answer = _ok(f.request("GET", path, user=name, body=True))
            assert answer["queries"] <= 12, (persona, path, answer["queries"])
        listed = _ok(f.request("GET", "/api/v1/cases/?page_size=200", user=name, body=True))["content"]
        assert f'"count":{min(scope.count(), 1000)},' in listed.replace(" ", ""), persona
        assert '"assignment_group"' not in listed and '"state_category"' not in listed  # hidden fields
        first = scope.order_by("-updated_at", "-id").first()
        assert first.number in listed, persona
        case_page = _ok(f.request("GET", f"/portal/cases/{first.number}/", user=name, body=True))["content"]
        assert SECRET not in case_page and "work_note" not in case_page, persona
        activity = _ok(f.request("GET", f"/api/v1/cases/{first.pk}/?include=activity", user=name, body=True))
        assert '"work_note"' not in activity["content"], persona
        assert f.request("GET", f"/portal/cases/{outside.number}/", user=name)["status"] == 404, persona
        assert f.request("GET", f"/api/v1/cases/{outside.pk}/", user=name)["status"] == 404, persona
        assert f.request("GET", f"/cases/{first.number}/", user=name)["status"] == 403, persona
    contact = people["contact"].username
    page = _ok(f.request("GET", f"/portal/cases/{own.number}/", user=contact, body=True))["content"]
    assert own.number in page and SECRET not in page
    _ok(f.request("POST", f"/portal/cases/{own.number}/comment/", user=contact, data={"body": "Thanks"}), 302)
    assert "Thanks" in f.request("GET", f"/portal/cases/{own.number}/", user=contact, body=True)["content"]
    mark = f.mark()
    opened = _ok(f.request("POST", "/api/v1/cases/", user=contact, content_type="application/json", body=True,
                           data={"short_description": "My printer", "urgency": 3}), 201)["content"]
    assert '"contact":' in opened and '"number":"CS' in opened.replace(" ", "")  # for themselves
    refused = f.request("POST", "/api/v1/cases/", user=contact, content_type="application/json",
                        data={"short_description": "For someone else", "contact": Contact.objects.order_by("-id").first().pk})
    assert refused["status"] in (400, 403)
    assert f.forget(mark) == 1


def test_bench_run_measures_every_figure_against_the_floor_and_leaves_both_databases_as_they_were(
        floor, monkeypatch):
    from bench.run import run, table

    f, people, _ = floor
    monkeypatch.setenv("STOCK_DATABASE_URL", f.url)
    probe = Case.objects.get(short_description=PROBE_DESCRIPTION)
    agent = bench_agent().username
    before = (Case.objects.count(), probe.events.count(), f.mark(),
              f.request("GET", f"/cases/{probe.number}/", user=agent, body=True)["content"].count('class="entry '))
    result = run(iterations=1, creations=2, stock=True)
    figures = result["stock"]["figures"]
    pages = ("portal_home", "my_cases", "my_cases_open", "my_cases_search", "portal_case", "customer_api_list",
             "customer_api_detail")
    expected = {"list_api", "detail_api", "create_api", "agent_list_all_open", "record_page", "record_comment_post",
                *(f"{page}.{persona}" for page in pages for persona in people)}
    assert set(figures) == expected
    for name, row in figures.items():
        for side in ("product", "stock"):
            assert row[side]["median_ms"] > 0 and row[side]["queries"] > 0, (name, side)
        assert row["ratio"] > 0 and "target_met" in row, name
    assert figures["list_api"]["in_project_floor"]["queries"] == result["list_floor"]["queries"]
    assert result["meta"]["stock_created_and_removed"] == 2 + 2  # two warm-ups and the creations, removed
    assert "every_ratio_to_stock_floor" in result["targets"]["met"]
    assert "record_comment_post" in table(result) and result["meta"]["load_average_end"] is not None
    probe.refresh_from_db()
    after = (Case.objects.count(), probe.events.count(), f.mark(),
             f.request("GET", f"/cases/{probe.number}/", user=agent, body=True)["content"].count('class="entry '))
    assert after == before
