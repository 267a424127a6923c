"""`make check-deploy` (deploy/check.py) requests every page of the URL configuration: each
route with parameters must be given the ids of demo rows, so a new page cannot escape it."""
from types import SimpleNamespace

from deploy import check, pages


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


def _run(*results):
    return SimpleNamespace(errors=[], results=list(results), static_count=1)


def test_a_server_error_fails_the_check():
    page = pages.Page(pages.Route("login/", "login", []), "/login/")
    failures = check.summarize(_run(("anonymous", page, 500), ("agent", page, 200)), {}, [], True, 1.0)
    assert failures == ["anonymous GET /login/: 500"]


def test_a_page_nobody_could_open_fails_the_check_but_a_refusal_does_not():
    wrong_ids = pages.Page(pages.Route("cases/<recnum:number>/", "cases:case-detail", ["number"]), "/cases/X1/")
    refused = pages.Page(pages.Route("admin/cases/case/add/", "admin:cases_case_add", []), "/admin/cases/case/add/")
    results = [(p, wrong_ids, 404) for p in check.PERSONAS] + [(p, refused, 403) for p in check.PERSONAS]
    failures = check.summarize(_run(*results), {}, [], True, 1.0)
    assert len(failures) == 1 and failures[0].startswith("cases:case-detail: every persona got 404")


def test_no_https_redirect_and_a_missing_static_file_fail_the_check():
    failures = check.summarize(_run(), {}, ["static /static/x.css: 404 (named by /login/)"], False, 1.0)
    assert len(failures) == 2
