"""Who sees which case, who may act on it as agent or as the customer side, and the case grants.

Internal roles see every case through `cases.view_all_cases`. The customer side sees:
- cases opened for them (the contact or consumer) or by them;
- cases they are an authorized related party of (a guardian grant on the case);
- every case of an account they administer (customer_admin / partner_admin, with child accounts);
- every case of an account they act as partner for, and cases that name their account as partner.
"""
import dataclasses

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, F, IntegerField, Q, Value
from guardian.shortcuts import assign_perm, remove_perm

from cases.models import (
    Case,
    CaseAttachment,
    CaseGroupObjectPermission,
    CaseRelatedParty,
    CaseType,
    CaseUserObjectPermission,
    TaskTemplate,
    TaskTemplateItem,
)
from core import access
from customers import permissions as customer_permissions
from customers.models import Account, AccountGroupObjectPermission, AccountUserObjectPermission, Consumer, Contact
from users.permissions import is_internal
from users.roles import user_roles

VIEW = "view_case"


# --- fields by reader (docs/architecture.md "Fields by persona") ---------------------------------
# The one map of what the customer side may read and write of a case. The API's answers drop the
# hidden fields (cases.api.serializers), its filters, orderings and searches refuse them
# (core.api.filters, through each view's `hidden_fields`), and `case_create` refuses any field
# outside CASE_FIELDS_CUSTOMERS_SET. The case type's own fields follow `CaseTypeField.customer_visible`.
CASE_FIELDS_HIDDEN_FROM_CUSTOMERS = frozenset({
    "assignment_group", "needs_attention", "reassignment_count", "major_case_state", "state_category",
    "sla_due", "made_sla", "auto_close", "entitlement_override_reason", "entitlement_warning",
})
# What a customer may give when opening a case (reference 3.1, "Create Product Case"; decisions in
# docs/architecture.md): no priority or impact (the agents' triage; the customer says how urgent it
# is), no channel (the interface sets it: self-service is web), nothing internal.
CASE_FIELDS_CUSTOMERS_SET = frozenset({
    "short_description", "description", "category", "urgency", "case_type", "contact", "product", "asset",
    "sold_product", "install_base_item", "service_definition", "extra",
})
CUSTOMER_CHANNEL = "web"  # every case the customer side opens itself: the portal and the API are self-service


def case_fields_hidden_from(user) -> frozenset[str]:
    """The case fields this reader never gets, and so can neither filter, order nor search by."""
    return frozenset() if is_internal(user) else CASE_FIELDS_HIDDEN_FROM_CUSTOMERS


def can_read_survey_comment(user, survey) -> bool:
    """The survey's comment is feedback to the service organisation (docs/architecture.md "Portal:
    ... survey"): agents read it, and the person who wrote it; the case's other readers on the
    customer side (colleagues, customer admins, partners) get the rating only."""
    return is_internal(user) or (survey.respondent_id is not None and survey.respondent_id == getattr(user, "pk", None))


def case_type_fields_for(user, case_type: CaseType | None) -> list:
    """The case type's own fields this person reads and writes: all of them for agents and trusted
    callers (`user` None), the customer-visible ones for the customer side."""
    if case_type is None:
        return []
    fields = list(case_type.fields.all())
    if user is None or is_internal(user):
        return fields
    return [f for f in fields if f.customer_visible]


def grant_case_party(user, case: Case) -> None:
    assign_perm(f"cases.{VIEW}", user, case)


def revoke_case_party(user, case: Case) -> None:
    remove_perm(f"cases.{VIEW}", user, case)


def _granted_case_ids(user):
    perm = {"permission__codename": VIEW, "permission__content_type__app_label": "cases"}
    return (
        CaseUserObjectPermission.objects.filter(user=user, **perm).values("content_object_id"),
        CaseGroupObjectPermission.objects.filter(group__user=user, **perm).values("content_object_id"),
    )


# Past this many ids a scope arm stays an id subquery instead of a literal list (a customer admin
# over a huge hierarchy, a group granted a huge number of cases): the list would cost more to send
# and plan than the subquery costs to run.
SCOPE_ID_LIMIT = 5000


def _ids_or_subquery(qs, field: str):
    """The values of `field` in `qs` as a list when there are at most SCOPE_ID_LIMIT of them (one
    bounded, indexed query), else `qs` itself as a subquery of that column."""
    ids = list(qs.values_list(field, flat=True)[: SCOPE_ID_LIMIT + 1])
    return qs.values(field) if len(ids) > SCOPE_ID_LIMIT else sorted(set(ids))


_CONTACT, _CONSUMER, _GRANT = 1, 2, 3


def _person_ids(user) -> tuple[list[tuple[int, int]], list[int], list[int] | None]:
    """The user's contacts (id, account id), consumers and granted cases, in one UNION ALL of
    indexed lookups. The granted cases are None when there are more than SCOPE_ID_LIMIT of them
    (a group granted a huge number of cases): the caller keeps those arms as subqueries."""
    user_grants, group_grants = _granted_case_ids(user)

    def tagged(qs, tag: int, pk: str, other: str | None):
        extra = F(other) if other else Value(None, output_field=IntegerField())
        tag_value = Value(tag, output_field=IntegerField())
        return qs.order_by().annotate(_tag=tag_value, _pk=F(pk), _other=extra).values_list("_tag", "_pk", "_other")

    rows = list(
        tagged(Contact.objects.filter(user=user), _CONTACT, "pk", "account_id").union(
            tagged(Consumer.objects.filter(user=user), _CONSUMER, "pk", None),
            tagged(user_grants, _GRANT, "content_object_id", None),
            tagged(group_grants, _GRANT, "content_object_id", None),
            all=True,
        )[: SCOPE_ID_LIMIT + 1]
    )
    if len(rows) > SCOPE_ID_LIMIT:  # the grants overflowed: read the person's own rows alone
        contacts = list(Contact.objects.filter(user=user).values_list("pk", "account_id"))
        return contacts, list(Consumer.objects.filter(user=user).values_list("pk", flat=True)), None
    contacts = [(pk, other) for tag, pk, other in rows if tag == _CONTACT]
    return contacts, [pk for tag, pk, _ in rows if tag == _CONSUMER], [pk for tag, pk, _ in rows if tag == _GRANT]


@dataclasses.dataclass(frozen=True)
class CaseScope:
    """The ways into a customer's cases, resolved: each is one indexed column of the case table.
    A list arm holds ids; `granted` and `accounts` may instead be a subquery (past SCOPE_ID_LIMIT
    ids), and `granted` None means the two grant subqueries."""

    user_id: int | None
    contacts: list[int] = dataclasses.field(default_factory=list)
    consumers: list[int] = dataclasses.field(default_factory=list)
    granted: list[int] | None = dataclasses.field(default_factory=list)
    accounts: object = dataclasses.field(default_factory=list)  # list of ids, or a subquery of account ids
    partners: list[int] = dataclasses.field(default_factory=list)  # cases naming these accounts as partner

    @property
    def lists_only(self) -> bool:
        """Every arm is a list of ids (no subquery): the per-arm plans of cases.selectors_customer apply."""
        return self.granted is not None and isinstance(self.accounts, list)

    def q(self) -> Q:
        if self.user_id is None:
            return Q(pk__in=[])
        q = Q(opened_by_id=self.user_id)
        if self.contacts:
            q |= Q(contact_id__in=self.contacts)
        if self.consumers:
            q |= Q(consumer_id__in=self.consumers)
        if self.granted is None:
            user_grants, group_grants = _granted_case_ids(self.user_id)
            q |= Q(pk__in=user_grants.values("content_object_id")) | Q(pk__in=group_grants.values("content_object_id"))
        elif self.granted:
            q |= Q(pk__in=self.granted)
        if not isinstance(self.accounts, list) or self.accounts:
            q |= Q(account_id__in=self.accounts)
        if self.partners:
            q |= Q(partner_id__in=self.partners)
        return q


def case_scope(user) -> CaseScope:
    """The customer side's ways into the case table, resolved (see `case_scope_q`)."""
    if not user or not user.is_authenticated:
        return CaseScope(user_id=None)
    contacts, consumers, granted = _person_ids(user)
    accounts = _ids_or_subquery(
        Account.objects.filter(
            customer_permissions.administered_account_q(user) | customer_permissions.partnered_account_q(user)
        ),
        "pk",
    )
    partners = []
    if contacts and any(r in customer_permissions.PARTNER_ROLES for r in user_roles(user)):
        partners = sorted({account_id for _, account_id in contacts})
    return CaseScope(
        user_id=user.pk, contacts=sorted({pk for pk, _ in contacts}), consumers=sorted(set(consumers)),
        granted=None if granted is None else sorted(set(granted)), accounts=accounts, partners=partners,
    )


# --- one case against the person's resolved scope, in Python (issue 15) ---------------------------
_ADMINISTERED, _PARTNERED = 4, 5
_CUSTOMER_SIDE_MEMO = "_customer_side_memo"


@dataclasses.dataclass(frozen=True)
class CustomerSide:
    """The same ways in as `CaseScope`, as sets to check one case without asking the database: the
    person's contacts (with their accounts), consumers and granted cases, the paths of the accounts
    they administer (their subtrees) and the accounts they act as partner for."""

    user_id: int
    contacts: frozenset = frozenset()
    contact_accounts: frozenset = frozenset()
    consumers: frozenset = frozenset()
    granted: frozenset = frozenset()
    administered_paths: tuple = ()
    partnered: frozenset = frozenset()
    partner_role: bool = False

    def covers(self, case: Case) -> bool:
        """Exactly `case_scope_q`'s rule for this one case (tests/cases/test_customer_side_python.py
        compares the two for every persona). Reads `case.account` only for a customer admin."""
        if case.opened_by_id == self.user_id or case.pk in self.granted:
            return True
        if case.contact_id in self.contacts or case.consumer_id in self.consumers:
            return True
        if self.partner_role and case.partner_id is not None and case.partner_id in self.contact_accounts:
            return True
        if case.account_id is None:
            return False
        if case.account_id in self.partnered:
            return True
        return bool(self.administered_paths) and case.account.path.startswith(self.administered_paths)


def customer_side(user) -> CustomerSide | None:
    """The person's `CustomerSide`, resolved in one UNION ALL of indexed lookups (contacts,
    consumers, case grants, and the administer / partner account grants their roles make count) and
    remembered on the user object, like Django's permission cache and `user_roles`: per request, as
    `request.user` is loaded per request. None when the rows overflow SCOPE_ID_LIMIT (the caller
    asks the database instead) or for no signed-in person."""
    if not user or not user.is_authenticated:
        return None
    memo = getattr(user, _CUSTOMER_SIDE_MEMO, None)
    if memo is not None:
        return memo or None  # False: overflowed
    codenames = customer_permissions._effective_codenames(user)
    # The grant rows by their permission's content type id from Django's per-process ContentType
    # cache: no join to django_content_type in each arm (planning time of the UNION, issue 15).
    case_ct, account_ct = (ContentType.objects.get_for_model(m).pk for m in (Case, Account))
    perm = {"permission__codename": VIEW, "permission__content_type_id": case_ct}
    user_grants = CaseUserObjectPermission.objects.filter(user=user, **perm)
    group_grants = CaseGroupObjectPermission.objects.filter(group__user=user, **perm)
    text, number = Value("", output_field=CharField()), Value(None, output_field=IntegerField())

    def tagged(qs, tag: int, pk: str, other=number, path=text):
        tag_value = Value(tag, output_field=IntegerField())
        return qs.order_by().annotate(_tag=tag_value, _pk=F(pk), _other=other, _path=path).values_list(
            "_tag", "_pk", "_other", "_path"
        )

    arms = [
        tagged(Consumer.objects.filter(user=user), _CONSUMER, "pk"),
        tagged(user_grants, _GRANT, "content_object_id"),
        tagged(group_grants, _GRANT, "content_object_id"),
    ]
    for codename, tag in ((customer_permissions.ADMINISTER, _ADMINISTERED), (customer_permissions.PARTNER, _PARTNERED)):
        if codename in codenames:
            perm = {"permission__codename": codename, "permission__content_type_id": account_ct}
            for rows in (AccountUserObjectPermission.objects.filter(user=user, **perm),
                         AccountGroupObjectPermission.objects.filter(group__user=user, **perm)):
                arms.append(tagged(rows, tag, "content_object_id", path=F("content_object__path")))
    contacts = tagged(Contact.objects.filter(user=user), _CONTACT, "pk", other=F("account_id"))
    rows = list(contacts.union(*arms, all=True)[: SCOPE_ID_LIMIT + 1])
    if len(rows) > SCOPE_ID_LIMIT:
        setattr(user, _CUSTOMER_SIDE_MEMO, False)
        return None

    def of(tag: int, col: int = 1) -> frozenset:
        return frozenset(row[col] for row in rows if row[0] == tag)

    side = CustomerSide(
        user_id=user.pk, contacts=of(_CONTACT), contact_accounts=of(_CONTACT, 2), consumers=of(_CONSUMER),
        granted=of(_GRANT), administered_paths=tuple(sorted(of(_ADMINISTERED, 3))), partnered=of(_PARTNERED),
        partner_role=any(r in customer_permissions.PARTNER_ROLES for r in user_roles(user)),
    )
    setattr(user, _CUSTOMER_SIDE_MEMO, side)
    return side


def administers_active_account(user) -> bool:
    """`customers.selectors_portal.administered_account_list(user=user).exists()` (the portal's
    navigation), from the administered paths `customer_side` already resolved for the request:
    one query for a customer admin, none for anyone without an admin role."""
    if not any(r in customer_permissions.ADMIN_ROLES for r in user_roles(user)):
        return False
    side = customer_side(user)
    if side is None:
        return Account.objects.filter(customer_permissions.administered_account_q(user), active=True).exists()
    if not side.administered_paths:
        return False
    subtree = Q(pk__in=[])
    for path in side.administered_paths:
        subtree |= Q(path__startswith=path)
    return Account.objects.filter(subtree, active=True).exists()


def case_scope_q(user) -> Q:
    """The customer side's cases as a Q on the case table's own columns, with no join.

    The person's contacts, consumers and granted cases (one query) and the accounts they
    administer (with every account below) or act as partner for (two more, only for those roles)
    are resolved first (`case_scope`), so the case table is filtered by plain `opened_by_id = ...
    OR contact_id IN (...) OR consumer_id IN (...) OR id IN (...) OR account_id IN (...) OR
    partner_id IN (...)`: PostgreSQL answers that with a BitmapOr of the indexes each column leads
    (case_contact_state_updated, case_consumer_updated, case_account_state_updated, the opened_by and partner
    FK indexes, the primary key), whatever the table's size. ORing the same conditions across
    outer joins and subqueries (`case_scope_join_q`) planned a sequential scan of the whole table
    at a million cases. Same cases as `case_scope_join_q` (tests/cases/test_customer_scope.py pins
    it). A page in recency order is better read arm by arm: cases.selectors_customer.
    """
    return case_scope(user).q()


def case_scope_join_q(user) -> Q:
    """The same cases as `case_scope_q`, as one Q of joins and subqueries that needs no query to
    build: for checking one case (`is_customer_side`), where the primary key bounds the work.
    Never for a list: over the whole table it plans a sequential scan."""
    user_grants, group_grants = _granted_case_ids(user)
    q = (
        Q(contact__user=user)
        | Q(consumer__user=user)
        | Q(opened_by=user)
        | Q(pk__in=user_grants)
        | Q(pk__in=group_grants)
        | customer_permissions.administered_account_q(user, field="account")
        | customer_permissions.partnered_account_q(user, field="account")
    )
    if any(r in customer_permissions.PARTNER_ROLES for r in user_roles(user)):
        q |= Q(partner__in=Contact.objects.filter(user=user).values("account_id"))
    return q


def can_work_case(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.work_case"))


# The attribute a case instance carries once it was read through this user's customer scope
# (`remember_customer_side`): the page's later checks of the same instance read no row again.
_CUSTOMER_SIDE_OF = "_customer_side_of"


def remember_customer_side(user, case: Case) -> None:
    """Mark `case` as just read through `user`'s customer scope (`case_scope_join_q` or
    `case_scope_q`): a per-request memo on that instance only, so `is_customer_side` answers from
    it. Only a selector that filtered by the scope calls this."""
    setattr(case, _CUSTOMER_SIDE_OF, user.pk)


def is_customer_side(user, case: Case) -> bool:
    if not user or not user.is_authenticated or is_internal(user):
        return False
    if getattr(case, _CUSTOMER_SIDE_OF, None) == user.pk:
        return True
    return Case.objects.filter(case_scope_join_q(user), pk=case.pk).exists()


def actor_kind(user, case: Case) -> str | None:
    """'agent' or 'customer' for lifecycle transitions, None when the user may not act."""
    if can_work_case(user):
        return "agent"
    if is_customer_side(user, case):
        return "customer"
    return None


def person_may_write(person, case: Case) -> bool:
    """May this contact or consumer write to the case through a channel without a login (inbound
    mail)? Its own contact or consumer, a related party of it (authorized or listed: listed
    parties hear of the case and may answer it), or a person whose active login is on the case's
    customer side (a customer admin of its account, a partner on it)."""
    if person is None or not person.active:
        return False
    field = "contact" if isinstance(person, Contact) else "consumer"
    if getattr(case, f"{field}_id") == person.pk:
        return True
    if CaseRelatedParty.objects.filter(case=case, **{field: person}).exclude(party_type="contributor").exists():
        return True
    user = person.user
    return bool(user is not None and user.is_active and is_customer_side(user, case))


def require_can_work_case(user) -> None:
    if not can_work_case(user):
        raise PermissionDenied("Only agents work cases.")


def can_create_case(user) -> bool:
    if not user or not user.is_authenticated:
        return False
    return user.has_perm("cases.add_case") or not is_internal(user)


# --- access explanation --------------------------------------------------------------------------
class CasePolicy(access.AccessPolicy):
    view_permission = "cases.view_all_cases"

    def relation_reasons(self, obj, user):
        reasons = []
        if obj.contact_id and obj.contact.user_id == user.pk:
            reasons.append(access.Reason("relation", "Is the case's contact."))
        if obj.consumer_id and obj.consumer.user_id == user.pk:
            reasons.append(access.Reason("relation", "Is the case's consumer."))
        if obj.opened_by_id == user.pk and not is_internal(user):
            reasons.append(access.Reason("relation", "Opened the case."))
        if (
            obj.partner_id
            and any(r in customer_permissions.PARTNER_ROLES for r in user_roles(user))
            and obj.partner.contacts.filter(user=user).exists()
        ):
            reasons.append(access.Reason("relation", "Is a contact of the case's partner account."))
        return reasons

    def grant_reasons(self, obj, user):
        reasons = []
        user_grants, group_grants = _granted_case_ids(user)
        if Case.objects.filter(Q(pk__in=user_grants) | Q(pk__in=group_grants), pk=obj.pk).exists():
            reasons.append(access.Reason("grant", "Authorized related party of the case.", permission=f"cases.{VIEW}"))
        if obj.account_id:
            reasons += [
                r
                for r in customer_permissions.AccountPolicy().grant_reasons(obj.account, user)
                if r.permission.endswith((customer_permissions.ADMINISTER, customer_permissions.PARTNER))
            ]
        return reasons

    def relation_audience(self, obj):
        users = [u for u in (obj.contact and obj.contact.user, obj.consumer and obj.consumer.user) if u]
        return [access.AudienceEntry("relation", "The case's contact or consumer.", users=[u.username for u in users], count=len(users))]

    def grant_audience(self, obj):
        rows = CaseUserObjectPermission.objects.filter(content_object=obj, permission__codename=VIEW)
        entries = [
            access.AudienceEntry(
                "grant",
                "Authorized related parties (cases.view_case).",
                users=list(rows.values_list("user__username", flat=True)[: access.AUDIENCE_SAMPLE]),
                count=rows.count(),
                permission=f"cases.{VIEW}",
            )
        ]
        if obj.account_id:
            entries += [
                e
                for e in customer_permissions.AccountPolicy().grant_audience(obj.account)
                if not e.permission.endswith(customer_permissions.VIEW)
            ]
        return entries


class CaseTypePolicy(access.AccessPolicy):
    """Case types are reference data: internal roles read them all; everyone reads active ones."""

    view_permission = "cases.view_casetype"

    def relation_reasons(self, obj, user):
        if obj.active:
            return [access.Reason("relation", "Active case types are offered to every signed-in user.")]
        return []

    def relation_audience(self, obj):
        if not obj.active:
            return []
        return [access.AudienceEntry("relation", "Every signed-in user (the case type is active).", count=1)]


class _OnVisibleCasePolicy(access.AccessPolicy):
    """Rows that live on a case: internal roles see them all; others see those of the cases they
    see (for the case's own reasons), minus the rows hidden from them."""

    view_permission = "cases.view_all_cases"
    what = "row"

    def hidden_from(self, obj, user) -> bool:
        return False

    def hidden_from_customers(self, obj) -> bool:
        return False

    def relation_reasons(self, obj, user):
        if self.hidden_from(obj, user):
            return []
        case_reasons = [r for r in CasePolicy().explain(obj.case, user).reasons if r.kind != "role"]
        if not case_reasons:
            return []
        why = "; ".join(r.detail for r in case_reasons)
        return [access.Reason("relation", f"The {self.what} is on {obj.case.number}, which you see: {why}", via=obj.case.number)]

    def relation_audience(self, obj):
        if self.hidden_from_customers(obj):
            return []
        return [
            access.AudienceEntry(e.kind, f"Through {obj.case.number}: {e.detail}", users=e.users, count=e.count)
            for e in CasePolicy().audience(obj.case) if e.kind in ("relation", "grant")
        ]


class CaseAttachmentPolicy(_OnVisibleCasePolicy):
    what = "attachment"

    def hidden_from(self, obj, user) -> bool:
        return not obj.customer_visible and not can_work_case(user)

    def hidden_from_customers(self, obj) -> bool:
        return not obj.customer_visible


class CaseRelatedPartyPolicy(_OnVisibleCasePolicy):
    what = "related party"

    def hidden_from(self, obj, user) -> bool:
        return obj.party_type == "contributor" and not is_internal(user)

    def hidden_from_customers(self, obj) -> bool:
        return obj.party_type == "contributor"


class TaskTemplatePolicy(access.AccessPolicy):
    """Task templates are internal definitions: the roles that apply or define them read them."""

    view_permission = "cases.view_tasktemplate"


class TaskTemplateItemPolicy(access.AccessPolicy):
    view_permission = "cases.view_tasktemplateitem"


access.register(CaseType, CaseTypePolicy())
access.register(Case, CasePolicy())
access.register(CaseAttachment, CaseAttachmentPolicy())
access.register(CaseRelatedParty, CaseRelatedPartyPolicy())
access.register(TaskTemplate, TaskTemplatePolicy())
access.register(TaskTemplateItem, TaskTemplateItemPolicy())


# --- related parties, watch list, merge, task templates ------------------------------------------
def is_case_customer_admin(user, case: Case) -> bool:
    """A customer admin (or partner admin) of the case's account or of an account above it."""
    if not user or not user.is_authenticated or not case.account_id:
        return False
    return Case.objects.filter(customer_permissions.administered_account_q(user, field="account"), pk=case.pk).exists()


def can_manage_case_parties(user, case: Case) -> bool:
    return can_work_case(user) or is_case_customer_admin(user, case)


def require_can_manage_case_parties(user, case: Case) -> None:
    if not can_manage_case_parties(user, case):
        raise PermissionDenied("Only agents and the account's customer admin manage related parties.")


def can_manage_task_templates(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("cases.change_tasktemplate"))


def require_can_manage_task_templates(user) -> None:
    if not can_manage_task_templates(user):
        raise PermissionDenied("Only admins define task templates.")
