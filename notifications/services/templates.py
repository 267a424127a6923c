"""Message templates: installing the shipped texts, editing them (validated by rendering the
event's sample context), restoring a shipped text, and finding the text to send."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core.refcache import Reference
from core.services import model_apply
from notifications import registry
from notifications.models import NotificationTemplate
from notifications.rendering import render, render_text_file

__all__ = [
    "render_text_file",  # plain-text mail files of other apps (registration, password reset): never HTML-escaped
    "notification_templates_install", "notification_template_create", "notification_template_update",
    "notification_template_restore", "notification_template_preview", "notification_template_text",
]
EDITABLE = ("subject", "body", "active")


def notification_templates_install(*, apps=None) -> int:
    """Create the missing template rows from the registry's shipped texts; never touches a row an
    admin edited. Idempotent: data migrations and `manage.py install_notification_templates`."""
    model = apps.get_model("notifications", "NotificationTemplate") if apps else NotificationTemplate
    have = set(model.objects.values_list("event", "audience"))
    rows = [
        model(event=spec.code, audience=audience, subject=text.subject, body=text.body, active=True)
        for spec in registry.events()
        for audience, text in spec.texts.items()
        if (spec.code, audience) not in have
    ]
    model.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _load_templates() -> dict[str, dict[str, tuple[str, str, bool]]]:
    """The admins' rows: event -> audience -> (subject, body, active)."""
    rows: dict[str, dict[str, tuple[str, str, bool]]] = {}
    for event, audience, subject, body, active in NotificationTemplate.objects.values_list(
        "event", "audience", "subject", "body", "active"
    ):
        rows.setdefault(event, {})[audience] = (subject, body, active)
    return rows


# Cached per process (core.refcache): every case change that mails someone reads them.
TEMPLATES = Reference("notifications.templates", _load_templates, models=("notifications.NotificationTemplate",))


def notification_template_text(event: str, audience: str, *, cache: dict | None = None) -> tuple[str, str] | None:
    """(subject, body) template text for one event and audience: the admin's row, else the shipped
    default; None when the row is inactive or the event has no text for that audience."""
    cache = {} if cache is None else cache
    key = ("template", event, audience)
    if key not in cache:  # every audience of the event in one read
        rows = TEMPLATES.get().get(event, {})
        spec = registry.event(event)
        for each in {audience, *(spec.texts if spec else ())}:
            if each in rows:
                subject, body, active = rows[each]
                cache[("template", event, each)] = (subject, body) if active else None
            else:
                default = spec.texts.get(each) if spec else None
                cache[("template", event, each)] = (default.subject, default.body) if default else None
    return cache[key]


def notification_template_preview(*, event: str, audience: str, subject: str, body: str) -> tuple[str, str]:
    """The text rendered with the event's sample context (what the admin shows)."""
    spec = registry.event(event)
    return render(subject, body, spec.sample(audience) if spec else {})


def _check(template: NotificationTemplate) -> None:
    spec = registry.event(template.event)
    if spec is None:
        raise ValidationError({"event": f"No event '{template.event}' is registered."})
    if template.audience not in spec.texts:
        raise ValidationError(
            {"audience": f"{spec.label} has no {template.get_audience_display().lower()} message."}
        )
    try:
        notification_template_preview(event=template.event, audience=template.audience, subject=template.subject,
                                      body=template.body)
    except ValidationError:
        raise
    except Exception as exc:  # noqa: BLE001  (a filter failing on the sample is the template's fault)
        raise ValidationError({"body": f"The template fails on the sample data: {exc}"}) from None


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(f"notifications.{perm}"):
        raise PermissionDenied("Only admins edit notification templates.")


@transaction.atomic
def notification_template_create(*, actor, event: str, audience: str, subject: str, body: str,
                                  active: bool = True) -> NotificationTemplate:
    _require(actor, "add_notificationtemplate")
    template = NotificationTemplate(event=event, audience=audience, subject=subject, body=body, active=active)
    _check(template)
    template.full_clean()
    template.save()
    return template


@transaction.atomic
def notification_template_update(*, actor, instance: NotificationTemplate, **fields) -> NotificationTemplate:
    _require(actor, "change_notificationtemplate")
    template = NotificationTemplate.objects.select_for_update().get(pk=instance.pk)
    for name in ("event", "audience"):
        if name in fields and fields[name] != getattr(template, name):
            raise ValidationError({name: "The event and audience of a template are fixed; edit its text."})
    refused = sorted(set(fields) - set(EDITABLE) - {"event", "audience"})
    if refused:
        raise ValidationError({name: "This field cannot be changed." for name in refused})
    model_apply(template, {name: fields[name] for name in EDITABLE if name in fields})
    _check(template)
    template.save()
    return template


@transaction.atomic
def notification_template_restore(*, actor, instance: NotificationTemplate) -> NotificationTemplate:
    """Put the shipped text back (the active flag stays as it is)."""
    spec = registry.event(instance.event)
    default = spec.texts.get(instance.audience) if spec else None
    if default is None:
        raise ValidationError({"event": f"No shipped text for {instance}."})
    return notification_template_update(actor=actor, instance=instance, subject=default.subject, body=default.body)
