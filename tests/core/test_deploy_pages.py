"""`make check-deploy` (deploy/check.py) requests every page of the URL configuration: each
route with parameters must be given the ids of demo rows, so a new page cannot escape it."""
from deploy import pages


def test_every_page_route_gets_its_parameters_filled():
    assert pages.unfilled_routes() == []


def test_the_check_covers_the_workspace_portal_admin_and_docs():
    sections = {route.section for route in pages.routes()}
    assert sections == {"workspace", "portal", "admin", "api docs"}
    names = {route.name for route in pages.routes()}
    assert {"login", "portal:login", "portal:register", "admin:login", "api-docs", "cases:case-detail"} <= names


def test_a_new_route_with_unknown_parameters_is_reported():
    route = pages.Route("widgets/<int:pk>/", "cases:widget-detail", ["pk"])
    assert pages.filled_by(route) is None


def test_routes_are_built_from_their_parameters():
    route = pages.Route("cases/<recnum:number>/act/<slug:action>/", "cases:case-act", ["number", "action"])
    assert route.url({"number": "CS0000001", "action": "resolve"}) == "/cases/CS0000001/act/resolve/"
    regex = pages.Route("api/v1/^cases/(?P<pk>[^/.]+)/$", "x", ["pk"])
    assert regex.url({"pk": 7}) == "/api/v1/cases/7/"
