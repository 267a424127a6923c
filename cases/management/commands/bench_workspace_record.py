"""`manage.py bench_workspace_record`: the agent workspace's case record page against the bench
database (bench/README.md); comment posts are rolled back."""
import json

from django.core.management.base import BaseCommand

from bench.workspace_record import run, table


class Command(BaseCommand):
    help = "Measures the case record page of the bench probe case (median, p95, queries) and a comment post."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=200, help="Requests per figure.")
        parser.add_argument("--json", dest="json_path", default=None, help="Also write the JSON document to this file.")
        parser.add_argument("--quiet", action="store_true", help="Print only the JSON document.")

    def handle(self, *args, **options):
        result = run(
            iterations=options["iterations"],
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
