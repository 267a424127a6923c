"""Every admin registered on the site, whichever app it comes from:
- only admins get in (everyone else is sent to the login page), with the rights their role gives;
- the changelist runs the same number of queries with 3 rows as with 15 (no query per row);
- each record's change page and, where the model has an access policy, its Access page open."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factory.django import DjangoModelFactory
from rest_framework.authtoken.models import Token, TokenProxy

from core import access
from tests import factories
from tests.matrix import PERSONAS

pytestmark = pytest.mark.django_db

FACTORIES = {
    cls._meta.model: cls
    for cls in vars(factories).values()
    if isinstance(cls, type) and issubclass(cls, DjangoModelFactory) and cls._meta.model is not None
}
_counter = iter(range(10**6))


def make(model):
    if model is Group:
        return Group.objects.create(name=f"extra group {next(_counter)}")
    if model is TokenProxy:
        return TokenProxy.objects.get(pk=Token.objects.create(user=factories.UserFactory()).pk)
    return FACTORIES[model]()


ADMIN_MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _id(model) -> str:
    return model._meta.label_lower


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_admin_model_has_a_factory():
    missing = [m._meta.label for m in ADMIN_MODELS if m not in FACTORIES and m not in (Group, TokenProxy)]
    assert missing == []


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=_id)
def test_admin_pages_persona_matrix(model, client_as, world):
    obj = make(model)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = world.users["admin"]
    can_add = model_admin.has_add_permission(request)
    pages = [("changelist", _url(model, "changelist"), 200), ("add", _url(model, "add"), 200 if can_add else 403)]
    pages.append(("change", _url(model, "change", obj.pk), 200))
    if access.policy_for(model) is not None and hasattr(model_admin, "access_view"):
        pages.append(("access", _url(model, "access", obj.pk), 200))
    for persona in PERSONAS:
        client = client_as(persona)
        for name, url, admin_expected in pages:
            expected = admin_expected if persona == "admin" else 302
            status = client.get(url).status_code
            assert status == expected, f"{persona} {name} {url}: {status} != {expected}"


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=_id)
def test_changelist_queries_do_not_grow_with_rows(model, client_as, world):
    client = client_as("admin")
    url = _url(model, "changelist")
    for _ in range(3):
        make(model)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(12):
        make(model)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(q["sql"] for q in many.captured_queries)
