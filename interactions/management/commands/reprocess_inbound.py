"""Re-process stored inbound messages through the same service as the admin and /mail/held/:
`manage.py reprocess_inbound 12 13`, or every message in a state: `--state quarantined`."""
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import Conflict
from interactions.choices import InboundState
from interactions.models import InboundMessage
from interactions.services_mail import inbound_reprocess

REPROCESSABLE = (InboundState.HELD, InboundState.QUARANTINED, InboundState.IGNORED)


class Command(BaseCommand):
    help = "Process held, quarantined or ignored inbound messages again."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="Message ids.")
        parser.add_argument("--state", choices=[s.value for s in REPROCESSABLE], help="Every message in this state.")

    def handle(self, *args, ids, state, **options):
        if not ids and not state:
            raise CommandError("Name message ids or a --state.")
        qs = InboundMessage.objects.defer("raw").order_by("received_at", "id")
        qs = qs.filter(pk__in=ids) if ids else qs.filter(state=state)
        found = 0
        for message in qs.iterator(chunk_size=100):
            found += 1
            try:
                # The command runs as the system (an operator at the console), like the beat.
                result = inbound_reprocess(actor=None, message=message)
            except Conflict as exc:
                self.stderr.write(f"#{message.pk}: {exc.detail if hasattr(exc, 'detail') else exc}")
                continue
            self.stdout.write(f"#{message.pk}: {result.state}: {result.reason}")
        if ids and found < len(set(ids)):
            self.stderr.write(f"{len(set(ids)) - found} of the ids given are no stored message.")
