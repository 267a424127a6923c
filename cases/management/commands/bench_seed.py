"""`manage.py bench_seed --cases N`: bulk-seed N cases with journals for the benchmarks (bench/)."""
from django.core.management.base import BaseCommand

from bench.customer_side import seed_customer_side
from bench.seed import seed


class Command(BaseCommand):
    help = "Adds N benchmark cases (COPY on PostgreSQL) with journals, plus one probe case. See bench/README.md."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, required=True, help="How many cases to add (up to 1,000,000).")
        parser.add_argument("--journal", type=int, default=3, help="Timeline entries per case (default 3).")
        parser.add_argument("--probe-journal", type=int, default=20, help="Entries on the probe case (default 20).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed (the same seed gives the same spread).")
        parser.add_argument(
            "--customer-side", action="store_true",
            help="Also give every bench contact a login and add customer admins over account hierarchies, partners "
                 "and consumers with logins (bench/customer_side.py); with --cases 0, only that. Every bench "
                 "login's password is bench-password.",
        )

    def handle(self, *args, **options):
        progress = lambda message: self.stdout.write(message, ending="\n")  # noqa: E731
        if options["customer_side"] and options["cases"] == 0:
            seed_customer_side(progress, seed_value=options["seed"])
            return
        result = seed(
            cases=options["cases"], journal=options["journal"], probe_journal=options["probe_journal"],
            seed_value=options["seed"], progress=lambda message: self.stdout.write(message, ending="\n"),
        )
        self.stdout.write(self.style.SUCCESS(
            f"Seeded {result['cases']:,} cases and {result['events']:,} events in {result['seconds']} s "
            f"({result['rows_per_s']:,} rows/s); probe case id {result['probe_case_id']}."
        ))
        if options["customer_side"]:
            seed_customer_side(progress, seed_value=options["seed"])
