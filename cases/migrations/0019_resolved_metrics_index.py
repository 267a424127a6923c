"""The resolved-cases index holds every column the dashboards' resolved figures read."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0018_case_blocked'),
        ('catalog', '0002_initial'),
        ('customers', '0003_location_owner_message'),
        ('users', '0003_walk_in_channel'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='case',
            name='case_resolved_group',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('resolved_at__isnull', False)), fields=['resolved_at', 'assignment_group', 'opened_at', 'first_response_at', 'reopen_count', 'made_sla', 'assigned_to', 'account', 'product'], name='case_resolved_metrics'),
        ),
    ]
