"""API tokens move from DRF's authtoken (one per person, no expiry, the key stored as it is) to
users.ApiToken (several, named, expiring, only the key's SHA-256 kept). Existing keys keep working
until API_TOKEN_TTL_DAYS from now. The sign-in records of django-axes appear under Users."""
import hashlib
from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
import django.utils.timezone
from django.db import migrations, models


def move_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("users", "ApiToken")
    expires = django.utils.timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    for old in Token.objects.select_related("user"):
        ApiToken.objects.create(
            user=old.user, name="API token (before expiry)", prefix=old.key[:8],
            digest=hashlib.sha256(old.key.encode()).hexdigest(),
            password_digest=hashlib.sha256((old.user.password or "").encode()).hexdigest(), expires_at=expires,
        )
    Token.objects.all().delete()


def sync_roles(apps, schema_editor):
    from users.roles import sync_role_permissions

    sync_role_permissions(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('authtoken', '0004_alter_tokenproxy_options'),
        ('axes', '0010_accessattemptexpiration'),
        ('users', '0004_password_change_required'),
    ]

    operations = [
        migrations.CreateModel(
            name='LoginFailure',
            fields=[
            ],
            options={
                'verbose_name': 'failed sign-in',
                'verbose_name_plural': 'failed sign-ins (log)',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('axes.accessfailurelog',),
        ),
        migrations.CreateModel(
            name='LoginFailureCount',
            fields=[
            ],
            options={
                'verbose_name': 'failed sign-in count',
                'verbose_name_plural': 'sign-in lock-outs and failure counts',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('axes.accessattempt',),
        ),
        migrations.CreateModel(
            name='LoginRecord',
            fields=[
            ],
            options={
                'verbose_name': 'sign-in',
                'verbose_name_plural': 'sign-ins (log)',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('axes.accesslog',),
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(default='API token', max_length=100)),
                ('prefix', models.CharField(help_text="The key's first characters, to recognise it.", max_length=8)),
                ('digest', models.CharField(help_text='SHA-256 of the key (the key is never stored).', max_length=64, unique=True)),
                ('password_digest', models.CharField(max_length=64)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField()),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', 'expires_at'], name='apitoken_user_expires')],
            },
        ),
        migrations.RunPython(move_tokens, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
