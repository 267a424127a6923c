"""Install the shipped texts of the messages cases send as editable templates (idempotent: rows an
admin already has are left alone). The texts are cases.notify_templates', registered at start-up."""
from django.db import migrations


def install(apps, schema_editor):
    from cases import notify_templates
    from notifications.services.templates import notification_templates_install

    notify_templates.register()
    notification_templates_install(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0016_walk_in_channel"),
        ("notifications", "0002_templates_preferences_digests"),
    ]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
