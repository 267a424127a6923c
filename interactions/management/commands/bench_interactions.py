"""`manage.py bench_interactions`: measure the inbox and the interactions pages against the bench
database (bench/README.md, "Interactions"). Writes nothing: its data is rolled back."""
import json

from django.core.management.base import BaseCommand

from bench.interactions import run, table


class Command(BaseCommand):
    help = "Measures the inbox, the interactions list and an interaction's page; leaves the database as it was."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=100, help="Requests per page.")
        parser.add_argument("--interactions", type=int, default=50_000, help="Interactions added for the run (rolled back).")
        parser.add_argument("--json", dest="json_path", default=None, help="Also write the JSON document to this file.")
        parser.add_argument("--quiet", action="store_true", help="Print only the JSON document.")

    def handle(self, *args, **options):
        result = run(
            iterations=options["iterations"], interactions=options["interactions"],
            progress=(lambda m: None) if options["quiet"] else (lambda m: self.stderr.write(m)),
        )
        document = json.dumps(result, indent=2, default=str)
        if options["json_path"]:
            with open(options["json_path"], "w") as out:
                out.write(document + "\n")
        self.stdout.write(document if options["quiet"] else table(result))
