"""The workspace shell in a real browser: sign in, the navigation, shortcuts, the phone menu."""
import pytest

from tests.e2e.conftest import shot

pytestmark = [pytest.mark.e2e, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_an_agent_signs_in_and_out(page_as):
    page = page_as(None)
    page.goto("/login/?next=/")
    shot(page, "shell-01-sign-in")
    page = page_as("agent")
    assert "/login/" not in page.url
    page.click("text=Sign out")
    page.wait_for_url("**/login/")


def test_a_wrong_password_is_refused_with_a_message(page_as, world):
    page = page_as(None)
    page.goto("/login/")
    page.fill("#id_username", world.users["agent"].username)
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("Your username and password didn't match")

