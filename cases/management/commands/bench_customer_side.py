"""`manage.py bench_customer_side`: time the customer side's reads on the bench database
(bench/README.md, "The customer side")."""
import json

from django.core.management.base import BaseCommand

from bench.customer_side import run, table


class Command(BaseCommand):
    help = "Measures the portal home, My cases (all, open) and the customer API list for each customer persona."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=30, help="Timed requests per page (default 30).")
        parser.add_argument("--json", dest="json_path", default=None, help="Also write the JSON document here.")

    def handle(self, *args, **options):
        result = run(iterations=options["iterations"], progress=lambda m: self.stderr.write(m))
        if options["json_path"]:
            with open(options["json_path"], "w") as out:
                out.write(json.dumps(result, indent=2) + "\n")
        self.stdout.write(table(result))
