from django.db import migrations, models


def mark_escalated(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Escalation = apps.get_model("cases", "Escalation")
    Case.objects.filter(pk__in=Escalation.objects.filter(case__isnull=False).values("case_id")).update(has_escalation=True)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0022_routing_load_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="has_escalation",
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunPython(mark_escalated, migrations.RunPython.noop),
    ]
