"""Rendering a template's subject and body in a sandbox.

- The engine is our own (no project loaders, no template libraries): `{% include %}`,
  `{% extends %}`, `{% load %}`, `{% url %}`, `{% debug %}` and `{% csrf_token %}` do not exist
  here, so a template reads only the context it is given.
- The context holds plain data only (strings, numbers, booleans, dates, lists and dicts of
  them): `sandbox_context` refuses anything else, so a template can never walk from a value to a
  model and from there to work notes or internal fields. Callers build one context per audience
  from the data that audience may see.
- Plain text: no HTML escaping; the subject becomes one line.
"""
import datetime
import functools
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.template import Context, Engine, Library, TemplateSyntaxError, engines
from django.template import defaultfilters, defaulttags

_REFUSED_TAGS = {"debug", "load", "url", "csrf_token", "include", "extends", "block", "resetcycle"}
_PLAIN = (str, int, float, bool, Decimal, datetime.date, datetime.datetime, datetime.time, type(None))


def _library() -> Library:
    library = Library()
    library.tags.update({name: tag for name, tag in defaulttags.register.tags.items() if name not in _REFUSED_TAGS})
    library.filters.update(defaultfilters.register.filters)
    return library


def _engine() -> Engine:
    engine = Engine(loaders=[], libraries={}, autoescape=False, string_if_invalid="")
    engine.template_builtins = [_library()]
    return engine


ENGINE = _engine()


def sandbox_context(value, path: str = "context"):
    """A deep copy of `value` holding only plain data; TypeError names the first other thing."""
    if isinstance(value, dict):
        return {str(k): sandbox_context(v, f"{path}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [sandbox_context(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, _PLAIN):
        return value
    raise TypeError(f"{path}: {type(value).__name__} is not plain data; give the template strings and numbers.")


def compile_text(text: str, *, field: str):
    """The compiled template; a syntax error is a ValidationError on `field`."""
    try:
        return _compiled(text)
    except TemplateSyntaxError as exc:
        raise ValidationError({field: f"Template error: {exc}"}) from None


@functools.lru_cache(maxsize=512)
def _compiled(text: str):
    # Every message renders one of a few dozen template texts: compile each once per process (a
    # compiled Template renders any number of contexts; errors are raised, never cached).
    return ENGINE.from_string(text)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()[:255]


def _tidy_body(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render_text_file(template_name: str, context: dict, *, one_line: bool = False) -> str:
    """A plain-text mail template of the project (`customers/mail/*.txt`, the password reset mail)
    rendered without HTML escaping, whatever the file says: a subject or a text body is not HTML,
    so `O'Brien` stays `O'Brien` (never `O&#x27;Brien`). `one_line`: a subject, whitespace folded."""
    template = engines["django"].engine.get_template(template_name)
    text = template.render(Context(context, autoescape=False))
    return " ".join(text.split()) if one_line else text


def render(subject: str, body: str, context: dict) -> tuple[str, str]:
    """(subject, body) rendered from template text with a plain-data context."""
    data = Context(sandbox_context(context), autoescape=False)
    rendered_subject = compile_text(subject, field="subject").render(data)
    rendered_body = compile_text(body, field="body").render(data)
    return _one_line(rendered_subject), _tidy_body(rendered_body)
