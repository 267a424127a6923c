"""`manage.py bench_workspace_lists`: time the workspace's HTML case lists on the bench database
(bench/README.md, "Workspace lists")."""
import json

from django.core.management.base import BaseCommand

from bench.workspace_lists import run, table


class Command(BaseCommand):
    help = "Measures the workspace's case list pages (my open, my groups' unassigned, all open, a search, a filter ...)."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=100, help="Timed requests per page (default 100).")
        parser.add_argument("--json", dest="json_path", default=None, help="Also write the JSON document here.")
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
        self.stdout.write(document)
        if not options["quiet"]:
            self.stdout.write("\n" + table(result))
