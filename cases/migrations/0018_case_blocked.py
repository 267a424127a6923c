"""Case.blocked: whether a case has an open "blocked by" record, kept on the case row so the
dashboards count it from the open-metrics index. Filled from the open blockers."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0017_notification_templates'),
        ('catalog', '0002_initial'),
        ('customers', '0003_location_owner_message'),
        ('users', '0003_walk_in_channel'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_open_metrics',
        ),
        migrations.AddField(
            model_name='case',
            name='blocked',
            field=models.BooleanField(db_default=False, default=False, editable=False),
        ),
        migrations.RunSQL(
            "UPDATE cases_case SET blocked = TRUE WHERE id IN "
            "(SELECT case_id FROM cases_caseblocker WHERE resolved_at IS NULL)",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state_category__in', ['new', 'open', 'awaiting'])), fields=['assignment_group', 'priority', 'state', 'assigned_to', 'made_sla', 'sla_due', 'account', 'product', 'blocked'], name='case_open_metrics'),
        ),
    ]
