"""`{% include_once %}`: the workspace's nav, shown twice on every workspace page (the phone menu
and the side bar), is rendered once per page and repeated as it was."""
import pytest

pytestmark = pytest.mark.django_db


def test_the_workspace_nav_is_rendered_once_and_shown_twice(client_as, open_case):
    response = client_as("agent").get(f"/cases/{open_case.number}/")
    assert response.status_code == 200
    assert [t.name for t in response.templates].count("workspace/_nav.html") == 1
    page = response.content.decode()
    menu = page.split('<details class="ws-menu"><summary aria-label="Menu">☰</summary>')[1].split("</details>")[0]
    side = page.split('<nav class="ws-nav" aria-label="Workspace">')[1].split("</nav>")[0]
    assert menu == side and 'href="/dashboards/agent/"' in side


def test_each_page_render_renders_it_afresh(client_as, open_case):
    client = client_as("agent")
    lists = client.get("/cases/?view=all_open").content.decode()
    record = client.get(f"/cases/{open_case.number}/").content.decode()
    current = 'href="/cases/?view=all_open" aria-current="page"'
    assert current in lists and current not in record  # no page's nav reused by the next
