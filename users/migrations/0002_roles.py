"""Create the role Groups with their model permissions (users/roles.py is the source).
Later apps add a migration that calls the same function after their own models exist."""
from django.db import migrations


def sync_roles(apps, schema_editor):
    from users.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0001_initial"),
        ("customers", "0002_initial"),
        ("catalog", "0002_initial"),
        ("cases", "0002_initial"),
        ("core", "0001_initial"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
