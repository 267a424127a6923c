"""PostgreSQL sequences for the record numbers, created once here rather than on first use."""
from django.db import migrations

from core.numbers import KNOWN_PREFIXES, sequence_name


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for prefix in KNOWN_PREFIXES:
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(prefix)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_sequences, migrations.RunPython.noop)]
