"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

They run in `make test-services` (which installs Chromium if it is missing and sets
E2E_REQUIRED, so there a missing browser fails instead of skipping). Screenshots are kept in
var/e2e-screenshots/ as test artifacts, one PNG per step, at laptop and phone sizes."""
import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "e2e-screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
PASSWORD = "e2e-Pass-12345"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"Chromium is absent at {CHROMIUM}: apt-get install -y chromium (make test-services installs it)"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a
    # thread with a loop unless told it is safe (it is: the loop only drives the browser).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page_as(browser, live_server, world):
    """page_as("agent") -> a Playwright page signed in through the real sign-in form."""
    contexts = []

    def make(persona: str | None, *, viewport: dict = LAPTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if persona is not None:
            user = world.users[persona]
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            page.goto("/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()


def shot(page, name: str) -> Path:
    """Keep a full-page screenshot as a test artifact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def portal_page_as(browser, live_server, world):
    """portal_page_as("customer_admin") -> a Playwright page signed in through the portal's own
    sign-in form (/portal/login/); None gives an anonymous page."""
    contexts = []

    def make(persona: str | None, *, viewport: dict = LAPTOP):
        context = browser.new_context(viewport=viewport, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if persona is not None:
            user = world.users[persona]
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            page.goto("/portal/login/")
            page.fill("#id_username", user.username)
            page.fill("#id_password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
        return page

    yield make
    for context in contexts:
        context.close()
