from django.db.models import Prefetch, QuerySet

from cases import permissions
from cases.models import Case, CaseEvent, CaseType, CaseTypeField, Lifecycle, LifecycleState, LifecycleTransition
from core.refcache import Reference
from customers.permissions import ADMIN_ROLES
from users.permissions import is_internal
from users.roles import user_roles


def case_type_list_for_user(*, user) -> QuerySet[CaseType]:
    """Case types with their own fields: every field for agents, the customer-visible ones for the
    customer side (an internal field is not there for it, as on the case: cases.permissions)."""
    fields = CaseTypeField.objects.all()
    if not is_internal(user):
        fields = fields.filter(customer_visible=True)
    qs = CaseType.objects.select_related("lifecycle").prefetch_related("service_definitions", Prefetch("fields", fields))
    return qs if user.has_perm("cases.view_casetype") else qs.filter(active=True)


def case_list_for_user(*, user) -> QuerySet[Case]:
    """Cases this user may see. No joins: the API renders related records as ids; callers that
    show related objects add their own select_related."""
    qs = Case.objects.all()
    if user.has_perm("cases.view_all_cases"):
        return qs
    # The customer side's rendering reads the case type's fields (which extras it may see).
    return qs.filter(permissions.case_scope_q(user)).prefetch_related("case_type__fields")


def case_get_for_user(*, user, number: str, related: tuple[str, ...] = ()) -> Case | None:
    """One case by its number if this user may see it (the same cases as `case_list_for_user`), else
    None. The case is read by its unique number with its contact and consumer, and the customer
    side's scope is checked on that one row: the person's own case (its contact's or consumer's
    login, or opened by them: arms of `permissions.case_scope_join_q`) needs no other query; any
    other case (a customer admin's, a partner's) is checked in Python against the person's scope
    resolved once per request (`permissions.customer_side`: one UNION ALL of indexed lookups, shared
    with the portal navigation), by exactly `case_scope_q`'s rule; past SCOPE_ID_LIMIT rows, by
    `permissions.is_customer_side` (one query bounded by the primary key). The case comes back remembered as in this user's scope
    (`permissions.remember_customer_side`): the page's later checks on it (the allowed actions,
    the survey, the tasks) read nothing again."""
    if user.has_perm("cases.view_all_cases") or is_internal(user):
        return case_list_for_user(user=user).select_related(*related).filter(number=number).first()
    admin = any(r in ADMIN_ROLES for r in user_roles(user))  # its account's path is read by `covers`
    qs = Case.objects.select_related(*related, "contact", "consumer", *(("account",) if admin else ()))
    case = qs.filter(number=number).prefetch_related("case_type__fields").first()
    if case is None:
        return None
    own = case.opened_by_id == user.pk or any(
        person is not None and person.user_id == user.pk for person in (case.contact, case.consumer)
    )
    if not own:
        side = permissions.customer_side(user)
        if not (side.covers(case) if side is not None else permissions.is_customer_side(user, case)):
            return None
    permissions.remember_customer_side(user, case)
    return case


def case_events_for_user(*, user, case: Case) -> QuerySet[CaseEvent]:
    """The timeline as this user may see it: customers see only customer-visible entries."""
    qs = case.events.select_related("author").order_by("created_at", "id")
    if permissions.can_work_case(user) or user.has_perm("cases.view_all_cases"):
        return qs
    return qs.filter(customer_visible=True)


def lifecycle_list_for_user(*, user) -> QuerySet[Lifecycle]:
    qs = Lifecycle.objects.prefetch_related("states", "transitions")
    return qs if user.has_perm("cases.view_lifecycle") else qs.none()


def _load_transitions() -> dict[tuple[int, str], list[LifecycleTransition]]:
    table: dict[tuple[int, str], list[LifecycleTransition]] = {}
    for transition in LifecycleTransition.objects.select_related("source", "target"):  # Meta: lifecycle, order, id
        table.setdefault((transition.lifecycle_id, transition.source.code), []).append(transition)
    return table


# Every lifecycle's transitions by source state, cached per process (core.refcache): read by every
# action, every record page and every case the API answers with its allowed actions.
TRANSITIONS = Reference(
    "cases.transitions", _load_transitions,
    models=("cases.LifecycleTransition", "cases.LifecycleState", "cases.Lifecycle"),
)


def transitions_from(*, case: Case) -> list[LifecycleTransition]:
    """The transitions out of the case's state in its lifecycle, in order (shared: read only)."""
    return list(TRANSITIONS.get().get((case.lifecycle_id, case.state), ()))


def _load_state_labels() -> dict[int, dict[str, str]]:
    labels: dict[int, dict[str, str]] = {}
    for lifecycle_id, code, label in LifecycleState.objects.order_by().values_list("lifecycle_id", "code", "label"):
        labels.setdefault(lifecycle_id, {})[code] = label
    return labels


# Every lifecycle's state labels (lifecycle id -> code -> label), cached per process
# (core.refcache): the record page's header and timeline, the notifications' contexts.
STATE_LABELS = Reference("cases.state_labels", _load_state_labels, models=("cases.LifecycleState",))


def lifecycle_state_labels_of(lifecycle_id: int) -> dict[str, str]:
    """Code -> label of one lifecycle's states (shared: read only)."""
    return STATE_LABELS.get().get(lifecycle_id, {})


# --- related parties, merges, children, task templates -------------------------------------------
from django.db.models import Prefetch  # noqa: E402

from cases.models import CaseMerge, CaseRelatedParty, TaskTemplate, TaskTemplateItem  # noqa: E402
from users.permissions import is_internal  # noqa: E402


def case_related_parties_for_user(*, user, case: Case) -> QuerySet[CaseRelatedParty]:
    """The parties of a case the user can see (the case itself was fetched through its selector).
    The customer side does not see internal contributors."""
    qs = case.related_parties.select_related("contact__account", "consumer", "user", "added_by")
    return qs if is_internal(user) else qs.exclude(party_type="contributor")


def case_related_party_list_for_user(*, user) -> QuerySet[CaseRelatedParty]:
    """Every related party this user may see: those of the cases they see; the customer side
    never sees internal contributors."""
    qs = CaseRelatedParty.objects.select_related("case", "contact", "consumer", "user")
    if not user or not user.is_authenticated:
        return qs.none()
    if user.has_perm("cases.view_all_cases"):
        return qs
    qs = qs.filter(case_id__in=case_list_for_user(user=user).values("pk"))
    return qs if is_internal(user) else qs.exclude(party_type="contributor")


def case_children_for_user(*, user, case: Case) -> QuerySet[Case]:
    return case_list_for_user(user=user).filter(parent=case)


def case_merges_for_user(*, user, case: Case) -> QuerySet[CaseMerge]:
    """Duplicates merged into `case` that the user can see."""
    visible = case_list_for_user(user=user).values("pk")
    return case.merged_duplicates.filter(duplicate__in=visible).select_related("duplicate", "merged_by")


def task_template_list_for_user(*, user) -> QuerySet[TaskTemplate]:
    """Task templates are internal: agents read them (to apply), admins define them."""
    if not user.has_perm("cases.view_tasktemplate"):
        return TaskTemplate.objects.none()
    items = Prefetch("items", queryset=TaskTemplateItem.objects.select_related("assignment_group"))
    return TaskTemplate.objects.select_related("published_by").prefetch_related(items)


def task_template_item_list_for_user(*, user) -> QuerySet[TaskTemplateItem]:
    if not user.has_perm("cases.view_tasktemplateitem"):
        return TaskTemplateItem.objects.none()
    return TaskTemplateItem.objects.select_related("template", "assignment_group")


# --- the portal's additions: catalog requests and surveys ------------------------------------------
from cases.models import CaseSurvey, CatalogRequest  # noqa: E402


def case_survey_for_user(*, user, case: Case) -> CaseSurvey | None:
    """The survey of a case the user already reached through `case_list_for_user` (so in scope):
    agents read it; the customer side reads its own case's answer."""
    return CaseSurvey.objects.filter(case=case).select_related("respondent").first()


def case_catalog_request_for_user(*, user, case: Case) -> CatalogRequest | None:
    return CatalogRequest.objects.filter(case=case).first()
