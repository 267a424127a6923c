"""`manage.py recompute_slas --schedule ID | --definition ID | --case CS0000042`: re-measure running
SLAs on their schedules as they are now. Schedule, span and holiday changes made through the
catalog services queue this automatically after commit; run it by hand after a broker outage or
a change made outside the services."""
from django.core.management.base import BaseCommand, CommandError

from cases import services
from cases.models import Case, SlaDefinition
from catalog.models import Schedule


class Command(BaseCommand):
    help = "Recompute the running SLAs of a schedule, a definition or a case (see docs/architecture.md)."

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--schedule", type=int, help="Schedule id: every running SLA counting on it.")
        which.add_argument("--definition", type=int, help="SLA definition id: its running SLAs.")
        which.add_argument("--case", help="Case id or number: its running SLAs.")

    def handle(self, *args, schedule=None, definition=None, case=None, **options):
        if schedule is not None:
            if not Schedule.objects.filter(pk=schedule).exists():
                raise CommandError(f"No schedule {schedule}.")
            count = services.sla_recompute_schedule(schedule_id=schedule)
        elif definition is not None:
            found = SlaDefinition.objects.filter(pk=definition).first()
            if found is None:
                raise CommandError(f"No SLA definition {definition}.")
            count = services.sla_recompute_definition(definition=found)
        else:
            lookup = {"pk": int(case)} if case.isdigit() else {"number": case.upper()}
            found = Case.objects.filter(**lookup).first()
            if found is None:
                raise CommandError(f"No case {case}.")
            count = services.sla_recompute(actor=None, case=found)
        self.stdout.write(self.style.SUCCESS(f"{count} running SLA(s) recomputed."))
