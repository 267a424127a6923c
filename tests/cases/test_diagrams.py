"""Lifecycle pictures: Mermaid text and our own SVG name every state and transition, escape every
label, and graph_lifecycles writes them into docs/."""
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.utils.html import escape

from cases import services
from cases.diagrams import lifecycle_mermaid, lifecycle_svg, transition_label
from cases.models import Lifecycle
from tests.cases.admin_helpers import assert_admin_status
from tests.matrix import matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def hostile(db):
    lifecycle = services.lifecycle_create(actor=None, name="Evil <b>", code="evil")
    start = services.lifecycle_state_create(actor=None, lifecycle=lifecycle, code="start", label="<script>",
                                            category="new", is_initial=True)
    end = services.lifecycle_state_create(actor=None, lifecycle=lifecycle, code="end", label='A & "B"',
                                          category="closed")
    services.lifecycle_transition_create(actor=None, lifecycle=lifecycle, action="go", label="<img src=x>",
                                         source=start, target=end, side="any")
    return lifecycle


@pytest.mark.parametrize("code", ["standard", "onboarding"])
def test_svg_names_every_state_and_transition(code):
    lifecycle = Lifecycle.objects.get(code=code)
    svg = lifecycle_svg(lifecycle)
    ElementTree.fromstring(svg)  # well-formed, self-contained
    for state in lifecycle.states.all():
        assert f">{escape(state.label)}</text>" in svg
    for transition in lifecycle.transitions.select_related("source", "target"):
        assert f">{escape(transition_label(transition))}</text>" in svg
    assert "<script" not in svg and "http://" not in svg.replace("http://www.w3.org/2000/svg", "")


@pytest.mark.parametrize("code", ["standard", "onboarding"])
def test_mermaid_names_every_state_and_transition(code):
    lifecycle = Lifecycle.objects.get(code=code)
    text = lifecycle_mermaid(lifecycle)
    assert text.startswith("stateDiagram-v2\n") and "[*] --> s_new" in text
    for state in lifecycle.states.all():
        assert f"s_{state.code}: {state.label}" in text
    for t in lifecycle.transitions.select_related("source", "target"):
        assert f"s_{t.source.code} --> s_{t.target.code}: {t.action} ({t.actor})" in text


def test_svg_escapes_labels(hostile):
    svg = lifecycle_svg(hostile)
    ElementTree.fromstring(svg)
    assert "&lt;script&gt;" in svg and "<script" not in svg
    assert "A &amp; &quot;B&quot;" in svg and "Evil &lt;b&gt;" in svg and "<b>" not in svg


def test_mermaid_encodes_characters_of_its_grammar(hostile):
    text = lifecycle_mermaid(hostile)
    assert "<script>" not in text and "s_start: #60;script#62;" in text


def test_lifecycle_page_shows_the_escaped_diagram(client_as, world, hostile):
    body = client_as("admin").get(f"/admin/cases/lifecycle/{hostile.pk}/change/").content.decode()
    assert '<div id="diagram"' in body and "<svg" in body and "&lt;script&gt;" in body
    assert "<script>" not in body.split('<div id="diagram"')[1].split("</svg>")[0]


def test_graph_lifecycles_writes_markdown_and_svgs(tmp_path, hostile):
    call_command("graph_lifecycles", docs=str(tmp_path))
    markdown = (tmp_path / "lifecycles.md").read_text()
    for lifecycle in Lifecycle.objects.all():
        assert f"(`{lifecycle.code}`)" in markdown
        assert (tmp_path / "lifecycles" / f"{lifecycle.code}.svg").read_text().startswith("<svg")
    assert markdown.count("```mermaid") == Lifecycle.objects.count()
    assert "| `propose-solution` | Propose solution | `open` | `resolved` | agent | resolution_code, close_notes |" in markdown
    assert "<script>" not in markdown


@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_diagram_of_onboarding_persona_matrix(persona, expected, client_as):
    lifecycle = Lifecycle.objects.get(code="onboarding")
    assert_admin_status(client_as(persona).get(f"/admin/cases/lifecycle/{lifecycle.pk}/diagram.svg"), expected)
