"""Every page of the product, from the URL configuration: the workspace, the portal, the admin
console and the API docs. A route without parameters is requested as it is; a route with
parameters gets the ids (numbers, slugs) of demo rows from FILLERS, or, for the admin console,
a row of the model it belongs to. A new route with parameters and no filler is reported (a
failure of `make check-deploy`), so no page escapes the check.

Needs Django set up (deploy.check does it with the production settings and the checked database)."""
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from cases.choices import StateCategory
from core import access
from cases.models import Case, LifecycleTransition
from cases.views.record_forms import detail_field_names
from cases.views.record_work import LINE_LABELS, TASK_FORMS
from customers.models import Contact
from interactions.views import ACTIONS as INTERACTION_ACTIONS
from portal.views.account import USER_ACTIONS
from portal.views.cases.record import CUSTOMER_ACTIONS
from users import services as user_services
from users.models import User

# The REST API is fuzzed through its schema elsewhere; of it, only the docs are pages.
API_PAGES = {"api-schema", "api-docs", "api-redoc"}
# Requested last in each session (a GET answers 405, but a future GET logout would end the session).
LAST = {"logout", "portal:logout", "admin:logout"}
# Routes that are no page of their own.
NOT_PAGES = {
    "admin/(?P<url>.*)$": "the admin's catch-all (redirects unknown admin URLs to the login or a 404)",
}
PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>|\(\?P<(?P<rname>[^>]+)>[^)]*\)")


@dataclass
class Route:
    pattern: str                 # the full route, e.g. "cases/<recnum:number>/act/<slug:action>/"
    name: str | None             # "cases:case-act"; None for unnamed routes
    params: list[str]
    model: type | None = None    # admin routes under "<app>/<model>/": the model

    @property
    def key(self) -> str:
        return self.name or self.pattern

    @property
    def section(self) -> str:
        if self.pattern.startswith("admin/"):
            return "admin"
        if self.pattern.startswith("api/"):
            return "api docs"
        if self.pattern.startswith("portal/"):
            return "portal"
        return "workspace"

    def url(self, values: dict) -> str:
        def sub(match):
            return str(values[match.group("name") or match.group("rname")])
        path = PARAM.sub(sub, self.pattern).replace("^", "").replace("$", "")
        return "/" + path


@dataclass
class Page:
    route: Route
    url: str
    htmx: bool = False

    @property
    def label(self) -> str:
        return self.url + (" [htmx]" if self.htmx else "")


def _walk(patterns, prefix: str, namespace: str | None, model) -> Iterator[Route]:
    for entry in patterns:
        here = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, here, ns, _admin_model(here) or model)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            params = [m.group("name") or m.group("rname") for m in PARAM.finditer(here)]
            yield Route(here, name, params, model if here.startswith("admin/") else None)


def _admin_model(prefix: str):
    match = re.fullmatch(r"admin/([a-z_0-9]+)/([a-z_0-9]+)/", prefix)
    if not match:
        return None
    return next((m for m in admin.site._registry if (m._meta.app_label, m._meta.model_name) == match.groups()), None)


def routes() -> list[Route]:
    """Every route of the workspace, the portal, the admin and the API docs."""
    found = []
    for route in _walk(get_resolver().url_patterns, "", None, None):
        if route.pattern.startswith("api/") and route.name not in API_PAGES:
            continue
        found.append(route)
    return found


# --- the ids of demo rows ---------------------------------------------------------------------
@dataclass
class Rows:
    """The demo rows the pages are requested with (one query each, made once)."""
    cache: dict = field(default_factory=dict)
    make_missing: Callable | None = None  # builds a row of a model that the demo data lacks

    def first(self, model, **filters):
        key = (model, tuple(sorted(filters.items())))
        if key not in self.cache:
            row = model._default_manager.filter(**filters).order_by("pk").first()
            if row is None and self.make_missing is not None and not filters:
                row = self.make_missing(model)
            self.cache[key] = row
        return self.cache[key]


def _cases(rows: Rows) -> list:
    picks = [rows.first(Case, contact__user__username="dana", state_category=StateCategory.OPEN),
             rows.first(Case, state_category=StateCategory.RESOLVED),
             rows.first(Case, state_category=StateCategory.CLOSED)]
    return [c for c in dict.fromkeys(picks) if c is not None]


def _case_numbers(rows):
    return [{"number": c.number} for c in _cases(rows)]


def _case_fields(rows):
    case = _cases(rows)[0]
    return [{"number": case.number, "field": name} for name in detail_field_names(case)]


def _case_actions(rows):
    case = _cases(rows)[0]
    actions = sorted(set(LifecycleTransition.objects.values_list("action", flat=True)))
    return [{"number": case.number, "action": a} for a in actions]


def _model(path: str):
    return apps.get_model(path)


def _number_of(model_path: str):
    def fill(rows):
        model = _model(model_path)
        row = rows.first(model)
        return [{"number": row.number}] if row else []
    return fill


def _number_actions(model_path: str, actions: Callable[[], list[str]]):
    def fill(rows):
        return [{**base, "action": a} for base in _number_of(model_path)(rows) for a in actions()]
    return fill


def _pk_of(model_path: str, **filters):
    def fill(rows):
        row = rows.first(_model(model_path), **filters)
        return [{"pk": row.pk}] if row else []
    return fill


def _task_actions():
    return list(TASK_FORMS)


def _line_actions():
    return list(LINE_LABELS)


def _interaction_actions():
    return list(INTERACTION_ACTIONS)


def _portal_case_actions(rows):
    return [{**n, "action": a} for n in _case_numbers(rows) for a in CUSTOMER_ACTIONS]


def _portal_user_actions(rows):
    contact = rows.first(Contact, user__username="dana")
    return [{"pk": contact.pk, "action": a} for a in USER_ACTIONS]


def _password_reset(rows):
    user = rows.first(User, username="dana")
    return [{"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
            {"uidb64": "MA", "token": "set-password"}]


def _dana_token(rows):
    """A token of dana's (the portal's token pages are the signed-in person's own)."""
    token = rows.first(_model("users.ApiToken"), user__username="dana")
    if token is None:
        token, _key = user_services.api_token_create(user=rows.first(User, username="dana"), name="deploy check")
    return [{"pk": token.pk}]


def _view_on_site(rows):
    """The admin's "view on site" link: only for models with get_absolute_url (none today)."""
    for model in admin.site._registry:
        row = rows.first(model) if hasattr(model, "get_absolute_url") else None
        if row is not None:
            return [{"content_type_id": ContentType.objects.get_for_model(model).pk, "object_id": row.pk}]
    return []


FILLERS: dict[str, Callable[[Rows], list[dict]]] = {
    "cases:saved-filter-rename": _pk_of("cases.SavedCaseFilter"),
    "cases:saved-filter-delete": _pk_of("cases.SavedCaseFilter"),
    "cases:case-field": _case_fields,
    "cases:case-field-edit": _case_fields,
    "cases:case-act": _case_actions,
    "cases:task-detail": _number_of("cases.CaseTask"),
    "cases:task-edit": _number_of("cases.CaseTask"),
    "cases:task-act": _number_actions("cases.CaseTask", _task_actions),
    "cases:line-detail": _number_of("cases.CaseLine"),
    "cases:line-edit": _number_of("cases.CaseLine"),
    "cases:line-act": _number_actions("cases.CaseLine", _line_actions),
    "interactions:offer-accept": _pk_of("cases.CaseOffer"),
    "interactions:offer-reject": _pk_of("cases.CaseOffer"),
    "interactions:mail-held-reprocess": _pk_of("interactions.InboundMessage"),
    "interactions:mail-held-discard": _pk_of("interactions.InboundMessage"),
    "interactions:mail-held-create-case": _pk_of("interactions.InboundMessage"),
    "interactions:interaction-detail": _number_of("interactions.Interaction"),
    "interactions:interaction-create-case": _number_of("interactions.Interaction"),
    "interactions:interaction-action": _number_actions("interactions.Interaction", _interaction_actions),
    "portal:password-reset-confirm": _password_reset,
    "portal:registration-approve": _pk_of("customers.RegistrationRequest"),
    "portal:registration-reject": _pk_of("customers.RegistrationRequest"),
    "portal:account-user-action": _portal_user_actions,
    "portal:case-action": _portal_case_actions,
    "portal:catalog-item": _pk_of("catalog.CatalogItem"),
    "portal:token-revoke": _dana_token,
    "portal:product-new-case": _pk_of("catalog.Product"),
    "portal:service-new-case": _pk_of("catalog.ServiceDefinition"),
    "admin:view_on_site": _view_on_site,
    "admin:app_list": lambda rows: [{"app_label": label} for label in
                                    sorted({m._meta.app_label for m in admin.site._registry})],
}
# Every route whose parameters are the case's number, whatever its name.
CASE_NUMBER_ROUTES = re.compile(r"^(cases/<recnum:number>/|portal/cases/<str:number>/)")


def filled_by(route: Route) -> str | None:
    """How a route gets its parameters: "none" needed, a "filler", an "admin row" of its model,
    a "case number"; None: nothing fills them (the route would escape the check)."""
    if not route.params:
        return "none"
    if route.key in FILLERS:
        return "filler"
    if route.model is not None and len(route.params) == 1:
        return "admin row"
    if CASE_NUMBER_ROUTES.match(route.pattern) and route.params == ["number"]:
        return "case number"
    return None


def unfilled_routes() -> list[str]:
    return [r.key for r in routes() if r.pattern not in NOT_PAGES and filled_by(r) is None]


def pages(rows: Rows) -> tuple[list[Page], dict[str, str]]:
    """The pages to request, and the routes that are not requested with the reason."""
    found: list[Page] = []
    skipped: dict[str, str] = {}
    for route in routes():
        if route.pattern in NOT_PAGES:
            skipped[route.key] = NOT_PAGES[route.pattern]
            continue
        if route.model is not None and route.pattern.endswith("/access/") and access.policy_for(route.model) is None:
            skipped[route.key] = "an admin Access page of a model without an access policy (a 404 by design)"
            continue
        how = filled_by(route)
        if how is None:
            skipped[route.key] = f"no ids for its parameters {route.params}: add it to deploy.pages.FILLERS"
            continue
        if how == "none":
            values = [{}]
        elif how == "filler":
            values = FILLERS[route.key](rows)
        elif how == "admin row":
            row = rows.first(route.model)
            values = [{route.params[0]: row.pk}] if row is not None else []
        else:
            values = _case_numbers(rows)
        if not values:
            skipped[route.key] = "no demo row to request it with (view_on_site: no model has get_absolute_url)"
            continue
        for value in values:
            url = route.url(value)
            found.append(Page(route, url))
            if route.section in ("workspace", "portal"):
                found.append(Page(route, url, htmx=True))  # the fragment htmx swaps in
    found.sort(key=lambda page: page.route.key in LAST)
    return found, skipped
