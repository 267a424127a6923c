"""Who sees which customer data, and the only code that makes or removes account grants.

Scope of an external user (customer, partner, consumer) over accounts, all from indexed id
subqueries over guardian's direct-FK table (never `get_objects_for_user` on a list path):
- the account they are a contact of;
- accounts they hold a contact-relationship grant on (`customers.view_account`);
- accounts they administer (`customers.administer_account`, with the customer_admin or
  partner_admin role) and every account below them in the hierarchy;
- accounts they act as partner for (`customers.act_as_partner`, with a partner role).
A grant without the role it needs gives nothing, so removing a role takes effect at once.
Internal roles see every account through the `customers.view_account` model permission.
"""
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from guardian.shortcuts import assign_perm, remove_perm

from core import access
from customers.models import (
    Account,
    AccountGroupObjectPermission,
    AccountRelationship,
    AccountUserObjectPermission,
    Consumer,
    Contact,
    ContactRelationship,
    Location,
)
from users.roles import user_roles

VIEW = "view_account"
ADMINISTER = "administer_account"
PARTNER = "act_as_partner"
ADMIN_ROLES = ("customer_admin", "partner_admin")
PARTNER_ROLES = ("partner", "partner_admin")


# --- grants (called only from customers.services) -----------------------------------------
def grant(user, codename: str, account: Account) -> None:
    assign_perm(f"customers.{codename}", user, account)


def revoke(user, codename: str, account: Account) -> None:
    remove_perm(f"customers.{codename}", user, account)


# --- scope ----------------------------------------------------------------------------------
def _grant_rows(user, codenames):
    perm = {"permission__codename__in": codenames, "permission__content_type__app_label": "customers"}
    user_rows = AccountUserObjectPermission.objects.filter(user=user, **perm)
    group_rows = AccountGroupObjectPermission.objects.filter(group__user=user, **perm)
    return user_rows, group_rows


def _effective_codenames(user) -> list[str]:
    roles = user_roles(user)
    codenames = [VIEW]
    if any(r in ADMIN_ROLES for r in roles):
        codenames.append(ADMINISTER)
    if any(r in PARTNER_ROLES for r in roles):
        codenames.append(PARTNER)
    return codenames


def _granted_ids_q(user, codenames, field: str = "pk") -> Q:
    """`field IN (the user's grants UNION their groups' grants)`: one IN over one subquery, which
    PostgreSQL turns into a join on the account's primary key. Two INs ORed (one per kind of
    grant) can only be checked row by row: a scan of every account (25 ms at 15,000 accounts, on
    every customer admin's and partner's request)."""
    user_rows, group_rows = _grant_rows(user, codenames)
    granted = user_rows.order_by().values("content_object_id").union(group_rows.order_by().values("content_object_id"))
    return Q(**{f"{field}__in": granted})


def _administered_paths(user, codenames: list[str] | None = None) -> list[str]:
    if ADMINISTER not in (codenames if codenames is not None else _effective_codenames(user)):
        return []
    return list(Account.objects.filter(_granted_ids_q(user, [ADMINISTER])).values_list("path", flat=True))


def _subtree_q(paths: list[str], field: str = "path") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def account_scope_q(user, field: str = "") -> Q:
    """A Q over Account (or over a model with an account FK when `field` is e.g. 'account')."""
    prefix = f"{field}__" if field else ""
    codenames = _effective_codenames(user)
    own = Q(**{f"{prefix}pk__in": Contact.objects.filter(user=user).values("account_id")})
    granted = _granted_ids_q(user, codenames, field=f"{prefix}pk")
    return own | granted | _subtree_q(_administered_paths(user, codenames), field=f"{prefix}path")


def administered_account_q(user, field: str = "") -> Q:
    """Accounts whose users this person manages as a customer admin (with descendants)."""
    prefix = f"{field}__" if field else ""
    return _subtree_q(_administered_paths(user), field=f"{prefix}path")


def partnered_account_q(user, field: str = "") -> Q:
    prefix = f"{field}__" if field else ""
    if PARTNER not in _effective_codenames(user):
        return Q(pk__in=[])
    return _granted_ids_q(user, [PARTNER], field=f"{prefix}pk")


# --- action rights --------------------------------------------------------------------------
def can_manage_accounts(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("customers.change_account"))


def require_can_manage_accounts(user) -> None:
    if not can_manage_accounts(user):
        raise PermissionDenied("Only admins create and change accounts and their grants.")


def can_manage_contacts_of(user, account: Account) -> bool:
    if not user or not user.is_authenticated:
        return False
    if user.has_perm("customers.change_contact"):
        return True
    return Account.objects.filter(administered_account_q(user), pk=account.pk).exists()


def require_can_manage_contacts_of(user, account: Account) -> None:
    if not can_manage_contacts_of(user, account):
        raise PermissionDenied(f"You cannot manage the contacts of {account}.")


def can_manage_consumers(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("customers.change_consumer"))


# --- access explanation ---------------------------------------------------------------------
def _grant_reasons_for_account(account: Account, user) -> list[access.Reason]:
    codenames = _effective_codenames(user)
    user_rows, group_rows = _grant_rows(user, [VIEW, ADMINISTER, PARTNER])
    ancestor_ids = account.ancestor_ids()
    reasons = []
    rows = [(row, "") for row in user_rows.select_related("permission", "content_object")]
    rows += [(row, row.group.name) for row in group_rows.select_related("permission", "content_object", "group")]
    for row, group_name in rows:
        code, target = row.permission.codename, row.content_object
        via_group = f" through group {group_name}" if group_name else ""
        covers = target.pk == account.pk or (code == ADMINISTER and target.pk in ancestor_ids)
        if not covers:
            continue
        if code not in codenames:
            continue  # a grant whose role the user no longer holds gives nothing
        label = {
            VIEW: "Contact relationship to",
            ADMINISTER: "Customer admin of",
            PARTNER: "Partner for",
        }[code]
        where = "" if target.pk == account.pk else f" (a parent of {account.number})"
        reasons.append(
            access.Reason(
                "grant",
                f"{label} {target.number}{where}{via_group}.",
                permission=f"customers.{code}",
                via=target.number,
            )
        )
    return reasons


class AccountPolicy(access.AccessPolicy):
    view_permission = "customers.view_account"

    def relation_reasons(self, obj, user):
        contact = Contact.objects.filter(user=user, account=obj).first()
        return [access.Reason("relation", f"Is {contact}, a contact of this account.")] if contact else []

    def grant_reasons(self, obj, user):
        return _grant_reasons_for_account(obj, user)

    def relation_audience(self, obj):
        contacts = Contact.objects.filter(account=obj, user__isnull=False, user__is_active=True)
        return [
            access.AudienceEntry(
                "relation",
                "Contacts of the account who can sign in.",
                users=list(contacts.values_list("user__username", flat=True)[: access.AUDIENCE_SAMPLE]),
                count=contacts.count(),
            )
        ]

    def grant_audience(self, obj):
        entries = []
        for code, label, holders in (
            (VIEW, "Contact relationships to the account", [obj.pk]),
            (ADMINISTER, "Customer admins of the account or a parent", [*obj.ancestor_ids(), obj.pk]),
            (PARTNER, "Partners acting for the account", [obj.pk]),
        ):
            rows = AccountUserObjectPermission.objects.filter(
                permission__codename=code, content_object_id__in=holders, user__is_active=True
            )
            entries.append(
                access.AudienceEntry(
                    "grant",
                    f"{label} (customers.{code}).",
                    users=list(rows.values_list("user__username", flat=True).distinct()[: access.AUDIENCE_SAMPLE]),
                    count=rows.values("user_id").distinct().count(),
                    permission=f"customers.{code}",
                )
            )
        return entries


class ContactPolicy(access.AccessPolicy):
    view_permission = "customers.view_contact"

    def relation_reasons(self, obj, user):
        return [access.Reason("relation", "This is the user's own contact record.")] if obj.user_id == user.pk else []

    def grant_reasons(self, obj, user):
        reasons = [r for r in _grant_reasons_for_account(obj.account, user) if r.permission.endswith((ADMINISTER, PARTNER))]
        return reasons

    def relation_audience(self, obj):
        if obj.user_id:
            return [access.AudienceEntry("relation", "The contact themself.", users=[obj.user.username], count=1)]
        return []

    def grant_audience(self, obj):
        return [e for e in AccountPolicy().grant_audience(obj.account) if not e.permission.endswith(VIEW)]


class ConsumerPolicy(access.AccessPolicy):
    view_permission = "customers.view_consumer"

    def relation_reasons(self, obj, user):
        return [access.Reason("relation", "This is the user's own consumer record.")] if obj.user_id == user.pk else []

    def relation_audience(self, obj):
        if obj.user_id:
            return [access.AudienceEntry("relation", "The consumer themself.", users=[obj.user.username], count=1)]
        return []


class LocationPolicy(access.AccessPolicy):
    view_permission = "customers.view_location"

    def relation_reasons(self, obj, user):
        if obj.consumer_id:
            return ConsumerPolicy().relation_reasons(obj.consumer, user)
        return AccountPolicy().relation_reasons(obj.account, user)

    def grant_reasons(self, obj, user):
        return _grant_reasons_for_account(obj.account, user) if obj.account_id else []

    def relation_audience(self, obj):
        if obj.consumer_id:
            return ConsumerPolicy().relation_audience(obj.consumer)
        return AccountPolicy().relation_audience(obj.account)

    def grant_audience(self, obj):
        return AccountPolicy().grant_audience(obj.account) if obj.account_id else []


access.register(Account, AccountPolicy())
access.register(Contact, ContactPolicy())
access.register(Consumer, ConsumerPolicy())
access.register(Location, LocationPolicy())

access.register(ContactRelationship, access.RolePolicy("customers.view_contactrelationship"))
access.register(AccountRelationship, access.RolePolicy("customers.view_accountrelationship"))
