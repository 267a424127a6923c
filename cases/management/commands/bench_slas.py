"""`manage.py bench_slas`: time the beat's SLA scan over the bench database (bench/README.md)."""
import json

from django.core.management.base import BaseCommand

from bench.slas import run


class Command(BaseCommand):
    help = "Tops up running bench SLAs to --running, arms --due of them and times the beat's SLA scan."

    def add_arguments(self, parser):
        parser.add_argument("--running", type=int, default=100_000, help="Running bench SLAs to have (default 100,000).")
        parser.add_argument("--due", type=int, default=300, help="SLAs due per timed scan (default 300).")
        parser.add_argument("--iterations", type=int, default=5, help="Timed scans (default 5).")
        parser.add_argument("--batch-size", type=int, default=200, help="The scan's batch size (default 200).")
        parser.add_argument("--json", dest="json_path", default=None, help="Also write the JSON document here.")

    def handle(self, *args, **options):
        result = run(
            running=options["running"], due=options["due"], iterations=options["iterations"],
            batch_size=options["batch_size"], progress=lambda message: self.stderr.write(message),
        )
        document = json.dumps(result, indent=2, default=str)
        if options["json_path"]:
            with open(options["json_path"], "w") as out:
                out.write(document + "\n")
        self.stdout.write(document)
