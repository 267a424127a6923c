"""The case record page (`/cases/<number>/`): who reaches it and its fragments, what the header,
the actions and the related lists show, and how many queries it takes."""
import datetime

import pytest

from cases import services
from cases.hooks import _case_panels, register_case_panel
from cases.services import escalations
from tests.cases.record.conftest import htmx
from tests.factories import SlaDefinitionFactory
from tests.matrix import assert_status, matrix

pytestmark = pytest.mark.django_db

READS = [
    "/cases/{n}/",
    "/cases/{n}/details/",
    "/cases/{n}/details/edit/",
    "/cases/{n}/act/propose-solution/",
    "/cases/{n}/assign/",
    "/cases/{n}/escalate/",
    "/cases/{n}/tasks/new/",
    "/cases/{n}/tasks/from-template/",
    "/cases/{n}/lines/new/",
    "/cases/{n}/timeline/",
    "/cases/{n}/timeline/?show=work_notes",
]


FRAGMENTS = [
    "/cases/{n}/details/",
    "/cases/{n}/details/short_description/",
    "/cases/{n}/details/short_description/edit/",
    "/cases/{n}/details/edit/",
    "/cases/{n}/timeline/?show=comments",
    "/cases/{n}/act/request-info/",
    "/cases/{n}/assign/",
]


@matrix(anonymous=302, external=404, internal=200)
def test_record_pages_and_forms_are_for_staff_only(persona, expected, client_as, open_case):
    client = client_as(persona)
    for path in READS:
        response = client.get(path.format(n=open_case.number))
        assert_status(response, expected)
        if expected == 302:
            assert response["Location"].startswith("/login/?next=")


@matrix(anonymous=302, external=404, internal=200)
def test_htmx_fragments_are_for_staff_only(persona, expected, client_as, open_case):
    client = client_as(persona)
    for path in FRAGMENTS:
        assert_status(client.get(path.format(n=open_case.number), **htmx(client)), expected)


def test_a_field_editor_without_javascript_is_the_details_form(client_as, open_case):
    response = client_as("agent").get(f"/cases/{open_case.number}/details/priority/edit/")
    assert response.status_code == 302 and response["Location"].endswith("/details/edit/#id_priority")


def test_a_missing_case_is_404(client_as):
    assert client_as("agent").get("/cases/CS9999999/").status_code == 404


def test_number_in_lower_case_finds_the_case(client_as, open_case):
    assert client_as("agent").get(f"/cases/{open_case.number.lower()}/").status_code == 200


def test_htmx_fragment_is_a_part_and_the_plain_request_a_whole_page(client_as, open_case):
    client = client_as("agent")
    url = f"/cases/{open_case.number}/act/request-info/"
    fragment = client.get(url, **htmx(client)).content.decode()
    page = client.get(url).content.decode()
    assert "<html" not in fragment and 'hx-post="' in fragment and "Comment to the customer" in fragment
    assert "<html" in page and 'hx-post="' not in page.split('id="action-form-title"')[1]
    assert "Comment to the customer" in page


def test_header_shows_number_state_priority_assignment(client_as, open_case, world):
    page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    header = page.split('id="case-header"')[1].split("</header>")[0]
    assert open_case.number in header and "Printer on fire" in header
    assert ">Open<" in header and "P4" in header
    assert "Tier 1" in header and world.users["agent"].get_full_name() in header


def test_header_shows_running_sla_with_time_left(client_as, world):
    SlaDefinitionFactory(name="Resolution P4", duration=datetime.timedelta(hours=8),
                         start_condition=[{"field": "state_category", "op": "in", "value": ["new", "open"]}])
    case = services.case_create(actor=world.users["agent"], short_description="Slow", contact=world.contacts["customer"])
    page = client_as("agent").get(f"/cases/{case.number}/").content.decode()
    header = page.split('id="case-header"')[1].split("</header>")[0]
    assert "Resolution:" in header and ("7h 59m left" in header or "8h 00m left" in header)
    assert "Resolution P4" in page.split('id="rel-slas"')[1]  # the SLA list with its clock
    assert "How the clock counted" in page and "start condition matched" in page


def test_header_shows_breached_sla(client_as, world, mocker):
    SlaDefinitionFactory(name="Response", target="response", duration=datetime.timedelta(hours=1),
                         start_condition=[{"field": "state_category", "op": "eq", "value": "new"}])
    case = services.case_create(actor=world.users["agent"], short_description="Late", contact=world.contacts["customer"])
    later = case.slas.get().start_time + datetime.timedelta(hours=3)
    mocker.patch("django.utils.timezone.now", return_value=later)
    header = client_as("agent").get(f"/cases/{case.number}/").content.decode().split('id="case-header"')[1]
    assert "breached 2h 00m ago" in header.split("</header>")[0]


def test_header_shows_escalation_and_needs_attention(client_as, open_case, world):
    escalations.escalation_request(actor=world.users["agent"], case=open_case, reason="inactivity", severity="high")
    services.case_comment_add(actor=world.users["customer"], case=open_case, body="Any news?")
    header = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    header = header.split('id="case-header"')[1].split("</header>")[0]
    assert "Escalated" in header and "High" in header
    assert "Needs attention" in header
    assert "Clear “needs attention”" in header  # the assignee may clear it


def test_action_buttons_are_exactly_the_allowed_actions(client_as, case, open_case):
    page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    actions = page.split('aria-label="Actions"')[1].split("</nav>")[0]
    for action in ("request-info", "propose-solution", "close"):
        assert f"/act/{action}/" in actions
    for action in ("accept-solution", "reject-solution", "info-received", "cancel", "assign-to-me"):
        assert f"/act/{action}/" not in actions


def test_a_new_case_offers_assign_to_me_and_cancel(client_as, case):
    actions = client_as("agent").get(f"/cases/{case.number}/").content.decode().split('aria-label="Actions"')[1]
    actions = actions.split("</nav>")[0]
    assert "/assign-to-me/" in actions and "/act/cancel/" in actions
    assert "/act/propose-solution/" not in actions


def test_closed_case_shows_no_edit_affordances(client_as, open_case, world):
    services.case_act(actor=world.users["agent"], case=open_case, action="close", resolution_code="solved_fixed",
                      close_notes="Done")
    page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    assert 'aria-label="Actions"' not in page and "/act/" not in page and "/assign" not in page
    assert "/escalate/" not in page and "/watch/" not in page
    assert 'id="composer"' not in page and "/details/edit/" not in page and 'class="inplace"' not in page
    assert 'type="file"' not in page and "it can no longer be changed" in page


@pytest.mark.parametrize("persona", ["agent", "manager", "admin"])
def test_closed_case_refuses_edits_for_every_internal_persona(persona, client_as, open_case, world):
    services.case_act(actor=world.users["agent"], case=open_case, action="close", resolution_code="solved_fixed",
                      close_notes="Done")
    client = client_as(persona)
    assert client.get(f"/cases/{open_case.number}/details/edit/").status_code == 404
    assert client.post(f"/cases/{open_case.number}/details/priority/edit/", {"priority": 1, "version": 1},
                       **htmx(client)).status_code == 404


def test_related_lists_show_tasks_lines_children_attachments_parties(client_as, open_case, world):
    agent = world.users["agent"]
    task = services.case_task_create(actor=agent, case=open_case, short_description="Ship a replacement")
    line = services.case_line_create(actor=agent, case=open_case, short_description="Toner x2")
    child = services.case_create(actor=agent, short_description="Second printer", contact=world.contacts["customer"],
                                 parent=open_case)
    from tests.cases.attachment_files import PDF, upload
    services.attachment_add(actor=agent, case=open_case, uploaded_file=upload("invoice.pdf", PDF, "application/pdf"))
    services.case_watch_add(actor=agent, case=open_case)
    page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    assert f'href="/case-tasks/{task.number}/"' in page.split('id="rel-tasks"')[1].split("</details>")[0]
    assert f'href="/case-lines/{line.number}/"' in page.split('id="rel-lines"')[1].split("</details>")[0]
    assert f'href="/cases/{child.number}/"' in page.split('id="rel-children"')[1].split("</details>")[0]
    attachments = page.split('id="attachments"')[1].split("</details>")[0]
    attachment = open_case.attachments.get()
    assert f'href="/api/v1/cases/{open_case.pk}/attachments/{attachment.pk}/download/"' in attachments
    assert "invoice.pdf" in attachments
    watchers = page.split('id="rel-parties"')[1].split("</details>")[0]
    assert agent.get_full_name() in watchers
    assert "★ Watching" in page


def test_download_link_serves_the_file_to_the_agent(client_as, open_case, world):
    from tests.cases.attachment_files import PDF, upload
    attachment = services.attachment_add(actor=world.users["agent"], case=open_case,
                                         uploaded_file=upload("invoice.pdf", PDF, "application/pdf"))
    response = client_as("agent").get(f"/api/v1/cases/{open_case.pk}/attachments/{attachment.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")


def _templates_with(extra: dict) -> list:
    """The project's template settings plus in-memory templates (a panel of a later app)."""
    from django.conf import settings

    engine = dict(settings.TEMPLATES[0])
    options = dict(engine["OPTIONS"])
    options["loaders"] = [
        ("django.template.loaders.locmem.Loader", extra),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    return [{**engine, "APP_DIRS": False, "OPTIONS": options}]


def test_registered_panels_render_with_their_loader(client_as, open_case):
    from django.test import override_settings

    seen = {}

    def loader(*, user, case):
        seen["args"] = (user.username, case.number)
        return {"rows": ["IMS0000042"]}

    register_case_panel(key="test-interactions", title="Interactions (test)", template="test/panel.html", loader=loader)
    panel_template = {"test/panel.html": "<ul>{% for r in rows %}<li>{{ r }} on {{ case.number }}</li>{% endfor %}</ul>"}
    try:
        with override_settings(TEMPLATES=_templates_with(panel_template)):
            page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    finally:
        _case_panels.pop("test-interactions", None)
    panel = page.split('id="panel-test-interactions"')[1].split("</details>")[0]
    assert "Interactions (test)" in panel and f"IMS0000042 on {open_case.number}" in panel
    assert seen["args"] == ("agent_alice", open_case.number)


def test_shortcut_help_lists_the_page_keys(client_as, open_case):
    page = client_as("agent").get(f"/cases/{open_case.number}/").content.decode()
    help_ = page.split('id="shortcut-help"')[1]
    for key, what in (("c", "comment"), ("w", "work note"), ("e", "Edit details"), ("r", "Propose solution"),
                      ("i", "Request info")):
        assert f"<dt>{key}</dt>" in help_ and what in help_
    assert 'data-shortcut="c"' in page and 'data-shortcut="w"' in page and 'data-shortcut="e"' in page
    assert 'data-shortcut="r"' in page


# --- queries ------------------------------------------------------------------------------------------
def _grow(case, world, *, entries: int, tasks: int, files: int) -> None:
    from tests.cases.attachment_files import TEXT, upload

    agent = world.users["agent"]
    for i in range(entries):
        (services.case_comment_add if i % 2 else services.case_work_note_add)(actor=agent, case=case, body=f"Entry {i}")
    for i in range(tasks):
        services.case_task_create(actor=agent, case=case, short_description=f"Task {i}")
        services.case_line_create(actor=agent, case=case, short_description=f"Line {i}")
    for i in range(files):
        services.attachment_add(actor=agent, case=case, uploaded_file=upload(f"log{i}.txt", TEXT))
    services.case_watch_add(actor=agent, case=case)


def _count(client, url, django_assert_max_num_queries, bound):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_assert_max_num_queries(bound), CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_record_page_queries_do_not_grow_with_journal_tasks_or_attachments(
    client_as, world, django_assert_max_num_queries
):
    SlaDefinitionFactory(start_condition=[{"field": "state_category", "op": "in", "value": ["new", "open"]}])
    small, large = (
        services.case_create(actor=world.users["agent"], short_description=name, contact=world.contacts["customer"],
                             assignment_group=world.group)
        for name in ("small", "large")
    )
    _grow(small, world, entries=3, tasks=1, files=1)
    _grow(large, world, entries=60, tasks=12, files=12)
    client = client_as("agent")
    client.get(f"/cases/{small.number}/")  # warm the session
    few = _count(client, f"/cases/{small.number}/", django_assert_max_num_queries, 30)
    many = _count(client, f"/cases/{large.number}/", django_assert_max_num_queries, 30)
    assert few == many
    page = client.get(f"/cases/{large.number}/").content.decode()
    assert page.count('class="entry ') == 25 and "Load older entries" in page  # one page of the timeline


def test_timeline_page_queries_do_not_grow_with_the_journal(client_as, world, open_case, django_assert_max_num_queries):
    client = client_as("agent")
    _grow(open_case, world, entries=5, tasks=0, files=0)
    few = _count(client, f"/cases/{open_case.number}/timeline/?show=all", django_assert_max_num_queries, 12)
    _grow(open_case, world, entries=40, tasks=0, files=0)
    many = _count(client, f"/cases/{open_case.number}/timeline/?show=all", django_assert_max_num_queries, 12)
    assert few == many
