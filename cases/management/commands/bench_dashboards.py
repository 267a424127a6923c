"""`manage.py bench_dashboards`: measure the agent and manager dashboards against the bench database
(bench/README.md, "Dashboards"); leaves the database as it was."""
import json

from django.core.management.base import BaseCommand

from bench.dashboards import run, table


class Command(BaseCommand):
    help = "Measures the agent and manager dashboards (full pages, computed and cached); writes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=50, help="Requests per figure.")
        parser.add_argument("--vacuum", action="store_true", help="VACUUM ANALYZE the case table first (PostgreSQL).")
        parser.add_argument("--json", dest="json_path", default=None, help="Also write the JSON document to this file.")
        parser.add_argument("--quiet", action="store_true", help="Print only the JSON document.")

    def handle(self, *args, **options):
        result = run(
            iterations=options["iterations"], vacuum=options["vacuum"],
            progress=(lambda m: None) if options["quiet"] else (lambda m: self.stderr.write(m)),
        )
        document = json.dumps(result, indent=2, default=str)
        if options["json_path"]:
            with open(options["json_path"], "w") as out:
                out.write(document + "\n")
        if options["quiet"]:
            self.stdout.write(document)
        else:
            self.stdout.write(table(result))
