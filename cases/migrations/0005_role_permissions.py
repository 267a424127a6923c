from django.db import migrations


def sync_roles(apps, schema_editor):
    from users.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_shipped_lifecycles"), ("users", "0002_roles")]
    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
