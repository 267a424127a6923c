"""Case numbers come from a sequence (the product's `number_seq_cs` counterpart); the seed moves it
past the copied numbers."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("floor", "0001_initial")]

    operations = [
        migrations.RunSQL("CREATE SEQUENCE IF NOT EXISTS floor_case_number", "DROP SEQUENCE IF EXISTS floor_case_number"),
    ]
