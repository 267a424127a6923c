"""Apply users/roles.py: create the role Groups and give each exactly its permissions.
Run it after adding models or editing ROLE_PERMISSIONS; running it again changes nothing."""
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db.models import Count

from users.roles import INTERNAL_ROLES, ROLES, SERVICE_ROLES, sync_role_permissions


class Command(BaseCommand):
    help = "Create the role Groups of users/roles.py and set each role's permissions to match it."

    def handle(self, *args, **options):
        sync_role_permissions()
        counts = dict(
            Group.objects.filter(name__in=ROLES).annotate(n=Count("permissions")).values_list("name", "n")
        )
        width = max(len(role) for role in ROLES)
        for role in ROLES:
            kind = "internal" if role in INTERNAL_ROLES else "service" if role in SERVICE_ROLES else "external"
            self.stdout.write(f"{role:<{width}}  {kind}  {counts.get(role, 0):>4} permissions")
        self.stdout.write(self.style.SUCCESS(f"Synced {len(ROLES)} roles."))
