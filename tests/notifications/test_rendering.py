"""The sandbox: templates read plain data only and cannot reach anything else."""
import datetime

import pytest
from django.core.exceptions import ValidationError

from notifications.rendering import render, sandbox_context


def test_a_template_renders_plain_data_as_text_without_html_escaping():
    subject, body = render("Case {{ case.number }}", "{{ name }} & {{ what }} <b>", {"case": {"number": "CS1"},
                                                                                      "name": "O'Brien", "what": "<x>"})
    assert subject == "Case CS1"
    assert body == "O'Brien & <x> <b>\n"


def test_the_subject_is_one_line_and_at_most_255_characters():
    subject, _ = render("{{ a }}\n\n  {{ b }}", "", {"a": "first", "b": "x" * 400})
    assert "\n" not in subject and subject.startswith("first x") and len(subject) == 255


def test_an_unknown_variable_renders_empty():
    assert render("[{{ work_note }}]", "", {})[0] == "[]"


def test_a_model_instance_is_refused_from_the_context(world):
    with pytest.raises(TypeError, match="context.case.contact"):
        sandbox_context({"case": {"contact": world.contacts["customer"]}})


def test_dates_lists_and_dicts_are_plain_data():
    value = {"items": [{"at": datetime.date(2026, 6, 1), "n": 1}], "flag": True, "none": None}
    assert sandbox_context(value) == value


@pytest.mark.parametrize("text", [
    "{% load static %}", "{% include 'base.html' %}", "{% extends 'base.html' %}", "{% debug %}",
    "{% url 'home' %}", "{% csrf_token %}",
])
def test_tags_that_reach_outside_the_context_do_not_exist(text):
    with pytest.raises(ValidationError) as exc:
        render("s", text, {})
    assert "body" in exc.value.message_dict


def test_filters_and_control_tags_work():
    _, body = render("s", "{% for i in items %}{{ i|upper }}{% if not forloop.last %}, {% endif %}{% endfor %} "
                          "({{ items|length }} item{{ items|length|pluralize }})", {"items": ["a", "b"]})
    assert body == "A, B (2 items)\n"


def test_compiled_templates_are_reused_and_errors_never_cached():
    from django.core.exceptions import ValidationError

    from notifications.rendering import compile_text

    assert compile_text("Hello {{ name }}", field="body") is compile_text("Hello {{ name }}", field="body")
    for _ in range(2):  # raised each time: a broken text is not remembered as compiled
        with pytest.raises(ValidationError):
            compile_text("{% if %}", field="body")
