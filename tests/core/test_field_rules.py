"""Filters, orderings and searches follow the same per-persona field rules as the answers.

Every list of the API, enumerated from the URL configuration, is read by each customer-side
persona; a filter or an ordering by a field that persona never gets in the answer is refused
exactly like an unknown one (400 naming it), and one by a field it does get is accepted. So a
field hidden from customers can never be used to learn its values, and a list added later, or a
field hidden later, cannot skip the rule."""
import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.filters import OrderingFilter
from rest_framework.generics import GenericAPIView

from cases import services
from cases.models import CaseTypeField
from cases.services import escalations as escalation_services
from core.api.filters import FilterBackend
from tests.factories import CaseTypeFactory

pytestmark = pytest.mark.django_db
CUSTOMER_SIDE = ("customer", "customer_admin", "partner")


def _list_routes(patterns=None, prefix=""):
    """(route, view class) of every GET list under /api/v1/: viewset lists and generic list views."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _list_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            view = getattr(entry.callback, "cls", None)
            if not route.startswith("api/v1/") or view is None or not issubclass(view, GenericAPIView):
                continue
            actions = getattr(entry.callback, "actions", None)
            is_list = actions.get("get") == "list" if actions else hasattr(view, "get") and route.count("<") == 1
            if is_list and FilterBackend in view.filter_backends:
                yield route, view


def _url(route: str, case) -> str:
    return "/" + route.replace("^", "").replace("$", "").replace("<str:pk>", str(case.pk))


@pytest.fixture
def busy_case(world):
    """A case of the customer with a visible task, a line and an escalation: rows on every list."""
    agent = world.users["agent"]
    case_type = CaseTypeFactory(code="rules")
    CaseTypeField.objects.create(case_type=case_type, name="risk", label="Risk", kind="text", customer_visible=False)
    case = services.case_create(
        actor=agent, short_description="Rules", contact=world.contacts["customer"], case_type=case_type,
        assignment_group=world.group, extra={"risk": "high"},
    )
    services.case_task_create(actor=agent, case=case, short_description="Visible task", visible_to_customer=True,
                              assignment_group=world.group)
    services.case_line_create(actor=agent, case=case, short_description="A line")
    escalation_services.escalation_request(actor=agent, case=case, reason="inactivity")
    return case


def _filter_names(view, queryset_model):
    backend = FilterBackend()
    instance = view()
    filterset_class = backend.get_filterset_class(instance, queryset_model._default_manager.none())
    return sorted(filterset_class.base_filters) if filterset_class else []


def _ordering_names(view, request, model):
    instance = view()
    instance.request, instance.format_kwarg, instance.kwargs = request, None, {}
    backend = next(b for b in view.filter_backends if issubclass(b, OrderingFilter))
    return [name for name, _ in backend().get_valid_fields(model._default_manager.none(), instance, {"request": request})]


def _readable(rows) -> set[str]:
    return set().union(*(set(row) for row in rows)) if rows else set()


def test_the_enumeration_finds_the_customer_lists(busy_case):
    routes = {route for route, _ in _list_routes()}
    for expected in ("api/v1/cases/", "api/v1/case-tasks/", "api/v1/escalations/", "api/v1/accounts/"):
        assert any(r.replace("^", "").startswith(expected) for r in routes), expected


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_no_filter_or_ordering_by_a_field_the_reader_does_not_get(persona, api_as, world, busy_case):
    client = api_as(persona)
    checked = 0
    for route, view in _list_routes():
        url = _url(route, busy_case)
        answer = client.get(url)
        if answer.status_code != 200 or not answer.data.get("results"):
            continue  # not readable by this persona, or nothing to read: nothing to learn either
        readable = _readable(answer.data["results"])
        model = view.selector(user=world.users[persona]).model if getattr(view, "selector", None) else None
        if model is None:
            continue
        for name in _filter_names(view, model):
            root = name.split("__")[0]
            response = client.get(url, {name: "1"})
            refused = response.status_code == 400 and "Unknown filter" in str(response.data["errors"].get(name))
            assert refused == (root not in readable), (url, name, response.status_code, response.data)
            checked += 1
        for name in _ordering_names(view, answer.wsgi_request, model):
            response = client.get(url, {"ordering": name})
            assert response.status_code == 200, (url, name, response.data)  # the reader's own fields only
            assert name.split("__")[0] in readable or name.endswith("_id") and name[:-3] in readable, (url, name)
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
@pytest.mark.parametrize("name", ["needs_attention", "assignment_group", "state_category"])
def test_customer_filter_on_a_hidden_case_field_is_refused_like_an_unknown_one(persona, name, api_as, busy_case):
    client = api_as(persona)
    hidden = client.get("/api/v1/cases/", {name: "1"})
    unknown = client.get("/api/v1/cases/", {"no_such_field": "1"})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.data["errors"][name] == unknown.data["errors"]["no_such_field"]
    assert name not in hidden.data["errors"][name][0]  # the list of filters it takes does not name it


@pytest.mark.parametrize("persona", ["agent", "manager", "admin"])
def test_agents_still_filter_on_internal_fields(persona, api_as, world, busy_case):
    client = api_as(persona)
    for name, value, expected in (("needs_attention", "false", 1), ("needs_attention", "true", 0),
                                  ("assignment_group", world.group.pk, 1), ("state_category", "new", 1)):
        answer = client.get("/api/v1/cases/", {name: value, "search": "Rules"})
        assert answer.status_code == 200 and answer.data["count"] == expected, (name, value, answer.data)


@pytest.mark.parametrize("persona", CUSTOMER_SIDE)
def test_customer_ordering_by_a_hidden_field_is_refused(persona, api_as, busy_case):
    client = api_as(persona)
    response = client.get("/api/v1/escalations/", {"ordering": "-severity"})
    assert response.status_code == 400 and "-severity" in response.data["errors"]["ordering"][0]
    assert "severity" not in response.data["errors"]["ordering"][0].split("Order by:")[1]
    assert client.get("/api/v1/escalations/", {"ordering": "-requested_at"}).status_code == 200
    assert client.get(f"/api/v1/cases/{busy_case.pk}/tasks/", {"ordering": "assignment_group"}).status_code == 400


def test_an_unknown_filter_is_400_for_everyone(api_as, busy_case):
    for persona in ("agent", "customer"):
        response = api_as(persona).get("/api/v1/cases/", {"stat": "open"})
        assert response.status_code == 400 and "stat" in response.data["errors"], persona


def test_search_skips_fields_hidden_from_the_reader(api_as, world, busy_case, monkeypatch):
    """A search field the reader does not get is not searched for them (so a match there tells nothing)."""
    from cases.api.views import CaseViewSet

    monkeypatch.setattr(CaseViewSet, "search_fields", ["number", "short_description", "assignment_group__name"])
    term = world.group.name
    assert api_as("agent").get("/api/v1/cases/", {"search": term}).data["count"] == 1
    assert api_as("customer").get("/api/v1/cases/", {"search": term}).data["count"] == 0


def test_the_schema_says_a_list_can_answer_400():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "400" in schema["paths"]["/api/v1/cases/"]["get"]["responses"]
