"""`manage.py bench_run`: measure the cases API against the framework floors, and the customer and
agent pages against the stock floor (bench/README.md)."""
import json

from django.core.management.base import BaseCommand

from bench.run import run, table


class Command(BaseCommand):
    help = "Measures case creation, the case list and the case detail APIs, and their framework floor."

    def add_arguments(self, parser):
        parser.add_argument("--iterations", type=int, default=200, help="Timed requests per read workload.")
        parser.add_argument("--creations", type=int, default=None, help="Cases created per creation figure (default min(iterations, 200)).")
        parser.add_argument("--json", dest="json_path", default=None, help="Also write the JSON document to this file.")
        parser.add_argument("--floor", action="store_true", default=True, help="Measure the framework floor (default).")
        parser.add_argument("--no-floor", dest="floor", action="store_false", help="Skip the framework floor.")
        parser.add_argument("--stock", action="store_true", default=None,
                            help="Measure against the stock floor (bench/stock/; default: when its database exists).")
        parser.add_argument("--no-stock", dest="stock", action="store_false", help="Skip the stock floor.")
        parser.add_argument("--processes", type=int, default=1, help="Also measure API creation from 1..P processes.")
        parser.add_argument("--quiet", action="store_true", help="Print only the JSON document.")

    def handle(self, *args, **options):
        result = run(
            iterations=options["iterations"], creations=options["creations"], floor=options["floor"],
            processes=options["processes"], stock=options["stock"],
            progress=(lambda m: None) if options["quiet"] else (lambda m: self.stderr.write(m)),
        )
        document = json.dumps(result, indent=2)
        if options["json_path"]:
            with open(options["json_path"], "w") as out:
                out.write(document + "\n")
        self.stdout.write(document)
        if not options["quiet"]:
            self.stdout.write("\n" + table(result))
