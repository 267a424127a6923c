"""Templates per event and audience: shipped texts installed once, edited by admins (validated
by rendering the sample data), switched off, restored; the text sent is the admin's."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from notifications import registry, services
from notifications.choices import Audience
from notifications.models import NotificationTemplate

pytestmark = pytest.mark.django_db
C, I = Audience.CUSTOMER, Audience.INTERNAL


def _row(event="case.commented", audience=C):
    return NotificationTemplate.objects.get(event=event, audience=audience)


def test_every_registered_text_is_installed_as_a_template():
    expected = {(spec.code, audience) for spec in registry.events() for audience in spec.texts}
    assert expected <= set(NotificationTemplate.objects.values_list("event", "audience"))
    assert ("case.work_noted", C) not in expected  # a work note has no customer text at all


def test_install_is_idempotent_and_keeps_an_admins_edit(world):
    row = _row()
    services.notification_template_update(actor=world.user("admin"), instance=row, subject="Edited {{ case.number }}")
    assert services.notification_templates_install() == 0
    NotificationTemplate.objects.filter(event="case.closed", audience=C).delete()
    assert services.notification_templates_install() == 1
    assert _row().subject == "Edited {{ case.number }}"


def test_every_shipped_text_renders_its_sample():
    for spec in registry.events():
        for audience, text in spec.texts.items():
            subject, body = services.notification_template_preview(
                event=spec.code, audience=audience, subject=text.subject, body=text.body
            )
            assert subject and body.strip(), (spec.code, audience)
            assert "{{" not in body and "{%" not in body


def test_the_text_sent_is_the_admins_row_else_the_shipped_one(world):
    services.notification_template_update(actor=world.user("admin"), instance=_row(), subject="Mine")
    assert services.notification_template_text("case.commented", C)[0] == "Mine"
    NotificationTemplate.objects.filter(event="case.commented").delete()
    assert services.notification_template_text("case.commented", C)[0] == registry.event("case.commented").texts[C].subject


def test_an_inactive_template_switches_the_message_off(world):
    services.notification_template_update(actor=world.user("admin"), instance=_row(), active=False)
    assert services.notification_template_text("case.commented", C) is None
    assert services.notification_template_text("case.commented", I) is not None


def test_a_template_that_does_not_compile_is_refused_with_the_reason(world):
    with pytest.raises(ValidationError) as exc:
        services.notification_template_update(actor=world.user("admin"), instance=_row(), body="{% if %}")
    assert "body" in exc.value.message_dict and "Template error" in exc.value.message_dict["body"][0]


def test_event_and_audience_of_a_template_are_fixed(world):
    with pytest.raises(ValidationError) as exc:
        services.notification_template_update(actor=world.user("admin"), instance=_row(), audience=I)
    assert "audience" in exc.value.message_dict


def test_a_template_needs_a_registered_event_and_an_audience_it_has(world):
    admin = world.user("admin")
    with pytest.raises(ValidationError) as exc:
        services.notification_template_create(actor=admin, event="nope.nothing", audience=C, subject="s", body="b")
    assert "event" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.notification_template_create(actor=admin, event="case.work_noted", audience=C, subject="s", body="b")
    assert "audience" in exc.value.message_dict


def test_a_deleted_template_can_be_created_again(world):
    NotificationTemplate.objects.filter(event="case.closed", audience=C).delete()
    row = services.notification_template_create(actor=world.user("admin"), event="case.closed", audience=C,
                                                subject="Closed {{ case.number }}", body="Bye")
    assert row.pk and row.active


def test_only_admins_edit_templates(world):
    with pytest.raises(PermissionDenied):
        services.notification_template_update(actor=world.user("manager"), instance=_row(), subject="x")


def test_restore_puts_the_shipped_text_back_and_keeps_the_active_flag(world):
    admin = world.user("admin")
    services.notification_template_update(actor=admin, instance=_row(), subject="x", body="y", active=False)
    row = services.notification_template_restore(actor=admin, instance=_row())
    shipped = registry.event("case.commented").texts[C]
    assert (row.subject, row.body, row.active) == (shipped.subject, shipped.body, False)


def test_a_template_failing_on_real_data_falls_back_to_the_shipped_text(world, caplog):
    admin = world.user("admin")
    # Unpacks the sample's {label, value} dicts; raises on a field that is not a pair.
    services.notification_template_update(actor=admin, instance=_row(), body="{% for k, v in case.fields %}{{ k }}{% endfor %}")
    rows = services.notification_fanout(
        event="case.commented", recipients=[services.Recipient(C, address="x@example.com")],
        contexts={C: {"case": {"number": "CS1", "fields": ["abc"]}, "comment": "Hi", "author": "A"}},
        dedupe="t:fallback",
    )
    assert len(rows) == 1 and "Hi" in rows[0].body
