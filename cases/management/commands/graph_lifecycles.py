"""Write docs/lifecycles.md (Mermaid + tables) and docs/lifecycles/<code>.svg from the lifecycles
in the database. Run it whenever states or transitions change, and commit the result."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from cases.diagrams import lifecycle_markdown, lifecycle_svg
from cases.models import Lifecycle


class Command(BaseCommand):
    help = "Draw every lifecycle: docs/lifecycles.md and docs/lifecycles/<code>.svg."

    def add_arguments(self, parser):
        parser.add_argument("--docs", default=str(Path(settings.BASE_DIR) / "docs"), help="Output folder.")

    def handle(self, *args, docs: str, **options):
        docs_dir = Path(docs)
        svg_dir = docs_dir / "lifecycles"
        svg_dir.mkdir(parents=True, exist_ok=True)
        lifecycles = list(Lifecycle.objects.order_by("-is_default", "name"))
        (docs_dir / "lifecycles.md").write_text(lifecycle_markdown(lifecycles), encoding="utf-8")
        for lifecycle in lifecycles:
            (svg_dir / f"{lifecycle.code}.svg").write_text(lifecycle_svg(lifecycle), encoding="utf-8")
        self.stdout.write(f"Wrote {docs_dir / 'lifecycles.md'} and {len(lifecycles)} SVG(s) in {svg_dir}.")
