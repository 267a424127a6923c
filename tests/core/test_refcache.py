"""core.refcache: small admin-edited tables cached per process, dropped on change."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.selectors_routing import ACTIVE_RULES
from cases.services.slas import ACTIVE_DEFINITIONS
from core.refcache import Reference
from notifications.services.templates import TEMPLATES, notification_template_text
from tests.factories.routing import AssignmentRuleFactory
from tests.factories import cases_slas as f

pytestmark = pytest.mark.django_db


def test_a_reference_loads_once_then_serves_from_memory():
    calls = []
    reference = Reference("tests.counter", lambda: calls.append(1) or len(calls), models=())
    assert (reference.get(), reference.get(), len(calls)) == (1, 1, 1)
    reference.clear()
    assert reference.get() == 2


def test_it_expires_after_the_configured_seconds(settings, monkeypatch):
    import core.refcache as refcache

    now = [1000.0]
    monkeypatch.setattr(refcache.time, "monotonic", lambda: now[0])
    settings.REFERENCE_CACHE_SECONDS = 10
    calls = []
    reference = Reference("tests.ttl", lambda: calls.append(1) or len(calls), models=())
    reference.get()
    now[0] += 9
    assert reference.get() == 1  # another process's change is not seen yet
    now[0] += 2
    assert reference.get() == 2  # ... and is seen after REFERENCE_CACHE_SECONDS


def test_zero_seconds_turns_the_cache_off(settings):
    settings.REFERENCE_CACHE_SECONDS = 0
    calls = []
    reference = Reference("tests.off", lambda: calls.append(1) or len(calls), models=())
    assert (reference.get(), reference.get()) == (1, 2)


def test_saving_a_rule_drops_the_cached_rules_in_this_process(world):
    assert ACTIVE_RULES.get() == []
    rule = AssignmentRuleFactory(assignment_group=world.group)
    assert [r.pk for r in ACTIVE_RULES.get()] == [rule.pk]
    with CaptureQueriesContext(connection) as queries:
        ACTIVE_RULES.get()
    assert len(queries) == 0
    rule.active = False
    rule.save()
    assert ACTIVE_RULES.get() == []
    rule.delete()


def test_an_sla_definition_change_applies_to_the_next_case_at_once(world):
    definition = f.SlaDefinitionFactory()
    assert definition.pk in {d.pk for d in ACTIVE_DEFINITIONS.get()}
    definition.active = False
    definition.save()
    assert definition.pk not in {d.pk for d in ACTIVE_DEFINITIONS.get()}


def test_an_admins_template_replaces_the_cached_text(world):
    from notifications.models import NotificationTemplate

    before = notification_template_text("case.created", "customer")
    assert before is not None
    row, _ = NotificationTemplate.objects.get_or_create(event="case.created", audience="customer",
                                                        defaults={"subject": before[0], "body": before[1]})
    row.subject, row.body, row.active = "New: {{ case.number }}", "Hello", True
    row.save()
    assert notification_template_text("case.created", "customer") == ("New: {{ case.number }}", "Hello")
    assert TEMPLATES.get()["case.created"]["customer"][2] is True
