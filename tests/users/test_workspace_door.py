"""The workspace's door (users.views): staff in, customers out (404), anonymous to sign in."""
import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View

from tests.matrix import matrix
from users.views import WorkspaceMixin, workspace_view


@workspace_view
def _fragment(request):
    return HttpResponse("ok")


class _Page(WorkspaceMixin, View):
    def get(self, request):
        return HttpResponse("ok")


def _status(view, user):
    from django.contrib.auth.models import AnonymousUser
    from django.http import Http404

    request = RequestFactory().get("/somewhere/?x=1")
    request.user = user or AnonymousUser()
    try:
        response = view(request)
    except Http404:
        return 404, None
    return response.status_code, response


@matrix(anonymous=302, external=404, internal=200)
@pytest.mark.parametrize("view", [_fragment, _Page.as_view()], ids=["function", "class"])
def test_workspace_door(persona, expected, view, world):
    status, response = _status(view, world.users[persona])
    assert status == expected
    if status == 302:
        assert response["Location"] == "/login/?next=/somewhere/%3Fx%3D1"


def test_login_page_signs_a_person_in_and_out(client, world):
    page = client.get("/login/?next=/")
    assert page.status_code == 200 and b"Sign in" in page.content
    world.users["agent"].set_password("pw-agent-1")
    world.users["agent"].save()
    answer = client.post("/login/", {"username": world.users["agent"].username, "password": "pw-agent-1", "next": "/"})
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert client.post("/logout/")["Location"] == "/login/"


def test_login_refuses_a_wrong_password(client, world):
    answer = client.post("/login/", {"username": world.users["agent"].username, "password": "nope"})
    assert answer.status_code == 200 and b"didn't match" in answer.content


@pytest.mark.parametrize("persona, home", [("agent", "/"), ("manager", "/"), ("customer", "/portal/"), ("partner", "/portal/")])
def test_one_sign_in_sends_staff_to_the_workspace_and_customers_to_the_portal(client, world, persona, home):
    user = world.users[persona]
    user.set_password("pw-sign-in-1")
    user.save()
    answer = client.post("/login/", {"username": user.username, "password": "pw-sign-in-1"})
    assert answer.status_code == 302 and answer["Location"] == home
