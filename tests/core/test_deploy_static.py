"""`collectstatic` with the production settings (whitenoise's compressed manifest storage) must
succeed: when it fails there is no manifest and every page answers 500 in production (issue 14,
item 1: the vendored Chart.js named a source map that is not in the repository).
`make check-deploy` then serves the collected files through gunicorn and renders every page."""
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC_TAG = re.compile(r"""\{%\s*static\s+['"]([^'"]+)['"]""")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    static_root = tmp_path_factory.mktemp("staticfiles")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_STATIC_ROOT": str(static_root),
        "DATABASE_URL": f"sqlite:///{static_root / 'unused.sqlite3'}",
        "CELERY_BROKER_DIR": str(static_root / "broker"),
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, f"collectstatic failed with the production settings:\n{run.stderr[-3000:]}"
    return json.loads((static_root / "staticfiles.json").read_text())["paths"]


def test_collectstatic_with_the_production_storage_succeeds(manifest):
    for name in ("vendor/chart-4.6.1.umd.min.js", "vendor/htmx-2.0.11.min.js", "css/base.css"):
        assert name in manifest


def test_the_api_docs_assets_are_in_the_manifest(manifest):
    """The Swagger UI and ReDoc pages load drf-spectacular-sidecar's files."""
    sidecar = [name for name in manifest if name.startswith("drf_spectacular_sidecar/")]
    assert any(name.endswith("swagger-ui-bundle.js") for name in sidecar)
    assert any(name.endswith("redoc.standalone.js") for name in sidecar)


def test_every_static_file_a_template_names_is_in_the_manifest(manifest):
    """The manifest storage raises (a 500) for a `{% static %}` name it does not know."""
    named = {
        name
        for template in ROOT.glob("**/templates/**/*.html")
        if ".venv" not in template.parts
        for name in STATIC_TAG.findall(template.read_text(encoding="utf-8"))
    }
    assert named, "no {% static %} tag found: the pattern no longer matches the templates"
    assert sorted(named - set(manifest)) == []


def test_no_vendored_file_names_a_source_map_that_is_not_vendored():
    vendor = ROOT / "static" / "vendor"
    dangling = []
    for path in vendor.iterdir():
        if path.suffix not in (".js", ".css"):
            continue
        for target in re.findall(r"sourceMappingURL=(\S+?)(?:\s|\*/|$)", path.read_text(encoding="utf-8")):
            if not (vendor / target).exists():
                dangling.append(f"{path.name} -> {target}")
    assert dangling == []
