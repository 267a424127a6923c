"""`manage.py routing_replay`: replay the active assignment rules over a past period with a strategy
and compare the per-agent load with what happened (writes nothing; see cases/services/routing_replay.py)."""
import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cases.models.routing import RoutingStrategy
from cases.services.routing_replay import routing_replay


def _moment(value: str) -> datetime.datetime:
    parsed = parse_datetime(value) or (parse_datetime(f"{value}T00:00:00") if len(value) == 10 else None)
    if parsed is None:
        raise CommandError(f"'{value}' is not a date (YYYY-MM-DD) or an ISO date-time.")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)


class Command(BaseCommand):
    help = "Replays the assignment rules over past cases with a strategy and compares the load spread."

    def add_arguments(self, parser):
        parser.add_argument("--start", help="YYYY-MM-DD or ISO date-time (default: 7 days before the end).")
        parser.add_argument("--end", help="YYYY-MM-DD or ISO date-time (default: now).")
        parser.add_argument("--strategy", choices=RoutingStrategy.values, help="Default: each rule's own.")
        parser.add_argument("--json", action="store_true", help="Print the whole result as JSON.")

    def handle(self, *args, **options):
        try:
            result = routing_replay(
                start=_moment(options["start"]) if options["start"] else None,
                end=_moment(options["end"]) if options["end"] else None,
                strategy=options["strategy"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
            return
        self.stdout.write(
            f"{result['cases']} cases from {result['start']:%Y-%m-%d %H:%M} to {result['end']:%Y-%m-%d %H:%M}, "
            f"strategy {result['strategy']}"
        )
        self.stdout.write(f"{'agent':<24}{'simulated':>10}{'actual':>10}")
        for agent in result["agents"]:
            self.stdout.write(f"{agent['username']:<24}{agent['simulated']:>10}{agent['actual']:>10}")
        for side in ("simulated", "actual"):
            s = result[side]
            extra = f", queued {s['queued']}, no rule {s['no_rule']}" if side == "simulated" else f", unassigned {s['unassigned']}"
            self.stdout.write(
                f"{side:<10} assigned {s['assigned']}{extra}; per agent max {s['max']}, min {s['min']}, "
                f"mean {s['mean']}, std dev {s['std_dev']}"
            )
