from django.core.management.base import BaseCommand

from notifications.services import notification_templates_install


class Command(BaseCommand):
    help = "Create the template rows of registered events that have none yet (never overwrites an edited one)."

    def handle(self, *args, **options):
        created = notification_templates_install()
        self.stdout.write(f"{created} notification template(s) installed.")
