"""`make check-deploy`: the production stack renders every page.

1. `manage.py check --deploy` with the production settings (make runs it first);
2. `collectstatic` with the production storage (whitenoise's compressed manifest) into a
   temporary STATIC_ROOT, `migrate` a throwaway database (SQLite in a temporary folder, or
   --database-url) and `seed_demo`;
3. gunicorn with config.settings.production (DEBUG off, secure cookies, HTTPS redirect), requests
   carrying `X-Forwarded-Proto: https` as the proxy of the README sets it;
4. every page of the workspace, the portal, the admin and the API docs (deploy.pages, from the
   URL configuration), plain and as htmx swaps it in, signed in through the sign-in form as each
   persona of the demo data, and anonymous;
5. every static file those pages name must answer 200 (and the files a stylesheet names).

Fails (exit 1) on any 5xx or connection error, a static file that does not answer 200, a page
that no persona could open (all 4xx), or a route with parameters that deploy.pages cannot fill.
Usage: python -m deploy.check [--database-url URL] [--keep] [--workers N] [--concurrency N]"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from deploy.stack import Client, ProductionStack, StackError

PASSWORD = "demo1234"
PERSONAS = {  # persona: demo login (README)
    "anonymous": None,
    "agent": "alice",
    "manager": "maria",
    "admin": "admin",
    "customer": "dana",
    "customer_admin": "carl",
    "other_customer": "erin",
    "partner": "pat",
    "consumer": "connie",
}
STAFF = ("agent", "manager", "admin")
CUSTOMERS = ("customer", "customer_admin", "other_customer", "partner", "consumer")
# Non-admin personas are sent to the admin's login from every admin page (tests/core/test_admin_pages.py
# checks each): here they open only these.
ADMIN_FOR_EVERYONE = {"admin:index", "admin:login", "admin:password_change", "admin:jsi18n"}
# A 1x1 PNG: the portal's logo, so that /portal/branding/logo/ serves a file.
LOGO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e5270de10000000049454e44ae426082"
)
STATIC_REF = re.compile(r"""(?:src|href)=["'](/static/[^"'#?\s]+)""")
CSS_URL = re.compile(r"""url\(\s*["']?([^"')#?]+)""")


def factory_row(model):
    """A row of a model the demo data has none of (the admin's change page needs one)."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from factory.django import DjangoModelFactory
    from rest_framework.authtoken.models import Token, TokenProxy

    from tests import factories

    if model is Group:
        return Group.objects.create(name="check-deploy group")
    if model is TokenProxy:
        token = Token.objects.create(user=get_user_model().objects.get(username="connie"))
        return TokenProxy.objects.get(pk=token.pk)
    made = {cls._meta.model: cls for cls in vars(factories).values()
            if isinstance(cls, type) and issubclass(cls, DjangoModelFactory) and cls._meta.model is not None}
    return made[model]() if model in made else None


def wants(persona: str, page) -> bool:
    """Which persona requests which page: every persona every workspace and portal page; the htmx
    fragments by the personas that use them; the admin console by the admin."""
    section = page.route.section
    if section == "admin":
        return persona == "admin" or page.route.key in ADMIN_FOR_EVERYONE
    if page.htmx:
        return persona in (STAFF if section == "workspace" else CUSTOMERS)
    return True


def add_rows() -> None:
    """What the demo data lacks for a page to render: a logo on the active portal branding."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from customers.models import PortalBranding
    from customers.services_branding import branding_update

    branding = PortalBranding.objects.filter(active=True).first()
    if branding is not None and not branding.logo:
        branding_update(actor=None, instance=branding, logo=SimpleUploadedFile("logo.png", LOGO_PNG, "image/png"))


class Run:
    def __init__(self, stack: ProductionStack, page_list, concurrency: int):
        self.stack, self.pages, self.concurrency = stack, page_list, concurrency
        self.results: list[tuple[str, object, int]] = []  # (persona, page, status); -1: no answer
        self.errors: list[str] = []
        self.static: dict[str, set] = defaultdict(set)  # static URL: pages naming it

    def persona(self, persona: str) -> None:
        client = Client(self.stack.base_url)
        username = PERSONAS[persona]
        if username:
            try:
                client.login(username, PASSWORD)
            except (StackError, OSError) as exc:
                self.errors.append(f"{persona}: {exc}")
                return
        for page in self.pages:
            if not wants(persona, page):
                continue
            headers = {"HX-Request": "true"} if page.htmx else {}
            try:
                answer = client.get(page.url, headers=headers)
            except OSError as exc:
                self.results.append((persona, page, -1))
                self.errors.append(f"{persona} GET {page.label}: no answer ({exc})")
                continue
            self.results.append((persona, page, answer.status))
            if answer.status == 200 and answer.headers.get("content-type", "").startswith("text/html"):
                for url in STATIC_REF.findall(answer.text):
                    self.static[url].add(page.url)

    def all_personas(self) -> None:
        with ThreadPoolExecutor(self.concurrency) as pool:
            list(pool.map(self.persona, PERSONAS))

    def check_static(self) -> list[str]:
        client, failures, seen = Client(self.stack.base_url), [], set()
        todo = sorted(self.static)
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            answer = client.get(url)
            if answer.status != 200:
                named_by = sorted(self.static.get(url, {"a stylesheet"}))[:3]
                failures.append(f"static {url}: {answer.status} (named by {', '.join(named_by)})")
            elif url.endswith(".css"):
                for ref in CSS_URL.findall(answer.text):
                    if not ref.startswith(("data:", "http:", "https:", "//")):
                        todo.append(os.path.normpath(os.path.join(os.path.dirname(url), ref)))
        self.static_count = len(seen)
        return failures


def never_rendered(results) -> list[str]:
    """Routes no persona could open with the ids given: every answer a 404 or 400 (a deliberate
    refusal, 403 or a POST-only action's 405, is an answer of the page itself)."""
    statuses = defaultdict(set)
    for _, page, status in results:
        statuses[page.route.key].add(status)
    return sorted(key for key, seen in statuses.items() if seen and seen <= {400, 404})


def server_errors(log: str) -> list[str]:
    """'Internal Server Error: /path' and the exception line that ends its traceback."""
    found, lines = [], log.splitlines()
    for i, line in enumerate(lines):
        if "Internal Server Error" in line or "Error handling request" in line:
            tail = next((lines[j] for j in range(i + 1, min(i + 200, len(lines)))
                         if lines[j] and not lines[j].startswith((" ", "Traceback", "During", "The above"))
                         and j + 1 < len(lines) and not lines[j + 1].startswith(" ")), "")
            found.append(f"{line.split(': ', 2)[-1]} -> {tail[:200]}")
    return list(dict.fromkeys(found))


def summarize(run: Run, skipped: dict, static_failures: list[str], redirect_ok: bool, seconds: float) -> list[str]:
    failures = list(run.errors)
    by_section = defaultdict(Counter)
    routes = defaultdict(set)
    for persona, page, status in run.results:
        by_section[page.route.section][f"{status // 100}xx" if status > 0 else "no answer"] += 1
        routes[page.route.section].add(page.route.key)
        if status >= 500:
            failures.append(f"{persona} GET {page.label}: {status}")
    print(f"\nRequests by section ({len(PERSONAS)} personas; {len(run.results)} requests in {seconds:.0f} s):")
    for section in ("workspace", "portal", "admin", "api docs"):
        counts = ", ".join(f"{k} {v}" for k, v in sorted(by_section[section].items()))
        print(f"  {section:<10} {len(routes[section]):>4} routes  {counts}")
    print(f"  static     {run.static_count:>4} files named by the pages and their stylesheets")
    if not redirect_ok:
        failures.append("a request without X-Forwarded-Proto: https was not redirected to https (SECURE_SSL_REDIRECT)")
    failures += static_failures
    for key in never_rendered(run.results):
        failures.append(f"{key}: every persona got 404 or 400: give it the ids of demo rows in deploy.pages")
    for key, reason in skipped.items():
        if "FILLERS" in reason:
            failures.append(f"{key}: {reason}")
    other = {k: v for k, v in skipped.items() if "FILLERS" not in v}
    if other:
        print(f"Not requested ({len(other)} routes):")
        for reason, count in Counter(other.values()).items():
            print(f"  {count} x {reason}")
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a throwaway database (default: SQLite in a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (log, database, static files)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--concurrency", type=int, default=3, help="personas requesting at once (3)")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="check-deploy-"))
    started = time.monotonic()
    stack = ProductionStack(workdir, database_url=args.database_url, workers=args.workers)
    failures: list[str] = []
    try:
        print(f"check-deploy: the production stack in {workdir}")
        stack.prepare()
        os.environ.update(stack.env)  # this process reads the same database to pick the demo ids
        # Django (and deploy.pages, which imports the apps) only once the environment names the
        # checked database and the production settings.
        import django
        django.setup()
        from deploy.pages import Rows, pages
        page_list, skipped = pages(Rows(make_missing=factory_row))
        add_rows()
        from django.db import connections
        connections.close_all()
        stack.start()
        plain = Client(stack.base_url).request("GET", "/login/", headers={"X-Forwarded-Proto": "http"})
        redirect_ok = plain.status == 301 and plain.headers.get("location", "").startswith("https://")
        print(f"  {len(page_list)} pages (plain and htmx fragments) as {len(PERSONAS)} personas ...")
        run = Run(stack, page_list, args.concurrency)
        requests_started = time.monotonic()
        run.all_personas()
        static_failures = run.check_static()
        failures = summarize(run, skipped, static_failures, redirect_ok, time.monotonic() - requests_started)
    except StackError as exc:
        failures.append(str(exc))
    finally:
        stack.stop()
    errors = server_errors(stack.log_tail(2_000_000))
    if failures:
        print(f"\nFAILED: {len(failures)} problem(s):")
        for line in failures[:60]:
            print(f"  - {line}")
        if len(failures) > 60:
            print(f"  ... and {len(failures) - 60} more")
        if errors:
            print("Server errors in the gunicorn log:")
            for line in errors[:20]:
                print(f"  {line}")
        print(f"The log, database and static files are kept in {workdir}")
        return 1
    print(f"\nOK: every page answered without a server error, every static file resolved "
          f"({time.monotonic() - started:.0f} s in all).")
    if args.keep:
        print(f"Kept: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
