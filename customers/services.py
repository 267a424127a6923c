"""Every write to accounts, contacts, consumers, relationships and locations, and the grants
that follow from them. Views, the API, the admin and commands all come through here."""
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from core.numbers import number_next
from core.services import model_apply
from customers import hooks, permissions
from customers.choices import AccountRelationshipType
from customers.models import Account, AccountRelationship, Consumer, Contact, ContactRelationship, Location
from users import services as user_services
from users.models import User
from users.permissions import is_internal
from users.roles import EXTERNAL_ROLES, user_roles

_ACCOUNT_FIELDS = (
    "name", "is_customer", "is_partner", "registration_code", "primary_contact", "website", "phone",
    "notes", "active", "street", "city", "state", "zip_code", "country",
)


def _normalise_account(data: dict) -> dict:
    data = {k: v for k, v in data.items() if k in _ACCOUNT_FIELDS}
    if "registration_code" in data:
        data["registration_code"] = (data["registration_code"] or "").strip() or None
    return data


@transaction.atomic
def account_create(*, actor: User | None, name: str, parent: Account | None = None, **fields) -> Account:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    account = Account(name=name, parent=parent, number=number_next("ACC"), path="/")
    model_apply(account, _normalise_account(fields))
    if account.primary_contact_id:
        raise ValidationError({"primary_contact": "A new account has no contacts yet; set it after adding one."})
    account.save()
    account.path = f"{parent.path if parent else '/'}{account.pk}/"
    account.save(update_fields=["path"])
    return account


@transaction.atomic
def account_update(*, actor: User | None, instance: Account, **fields) -> Account:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    account = Account.objects.select_for_update().get(pk=instance.pk)
    new_parent = fields.pop("parent", account.parent)
    model_apply(account, _normalise_account(fields))
    if account.primary_contact_id and account.primary_contact.account_id != account.pk:
        raise ValidationError({"primary_contact": "The primary contact must be a contact of this account."})
    account.save()
    if (new_parent.pk if new_parent else None) != account.parent_id:
        _account_move(account, new_parent)
    return account


def _account_move(account: Account, parent: Account | None) -> None:
    if parent is not None:
        parent = Account.objects.select_for_update().get(pk=parent.pk)
        if parent.pk == account.pk or parent.path.startswith(account.path):
            raise ValidationError(
                {"parent": f"{parent.number} is {account.number} itself or below it; that would make a cycle."}
            )
    old_path = account.path
    new_path = f"{parent.path if parent else '/'}{account.pk}/"
    Account.objects.filter(pk=account.pk).update(parent=parent)
    Account.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1))
    )
    account.refresh_from_db()


@transaction.atomic
def account_admin_grant(*, actor: User | None, account: Account, user: User) -> None:
    """Make `user` a customer admin of `account` (and so of its child accounts)."""
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    roles = user_roles(user)
    if not any(r in permissions.ADMIN_ROLES for r in roles):
        raise ValidationError({"user": f"{user.username} needs the customer_admin or partner_admin role first."})
    contact = Contact.objects.filter(user=user).select_related("account").first()
    if contact is None or not account.path.startswith(contact.account.path):
        raise ValidationError({"user": f"{user.username} is not a contact of {account.number} or of a parent account."})
    permissions.grant(user, permissions.ADMINISTER, account)


@transaction.atomic
def account_admin_revoke(*, actor: User | None, account: Account, user: User) -> None:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    permissions.revoke(user, permissions.ADMINISTER, account)


# --- contacts and consumers ----------------------------------------------------------------
_PERSON_FIELDS = ("first_name", "last_name", "email", "phone", "title", "time_zone", "active")


def _login_validate(user: User | None, *, owner, default_role: str) -> None:
    """A login given to a contact or consumer must be external and not used by anyone else."""
    if user is None:
        return
    if is_internal(user):
        raise ValidationError({"user": f"{user.username} is an internal user and cannot be a customer login."})
    other_contact = Contact.objects.filter(user=user).exclude(pk=getattr(owner, "pk", None) if isinstance(owner, Contact) else None)
    other_consumer = Consumer.objects.filter(user=user).exclude(pk=getattr(owner, "pk", None) if isinstance(owner, Consumer) else None)
    if other_contact.exists() or other_consumer.exists():
        raise ValidationError({"user": f"{user.username} is already the login of another customer record."})
    if not any(r in EXTERNAL_ROLES for r in user_roles(user)):
        user_services.user_set_roles(actor=None, user=user, roles=[default_role])


def _require_active_account(account: Account) -> None:
    if not account.active:
        raise ValidationError({"account": f"{account.number} is inactive; contacts cannot be added to it."})


@transaction.atomic
def contact_create(
    *, actor: User | None, account: Account, first_name: str, last_name: str, user: User | None = None, **fields
) -> Contact:
    account = Account.objects.select_for_update().get(pk=account.pk)  # not deactivated meanwhile
    if actor is not None:
        permissions.require_can_manage_contacts_of(actor, account)
    _require_active_account(account)
    contact = Contact(account=account, first_name=first_name, last_name=last_name, user=user)
    model_apply(contact, {k: v for k, v in fields.items() if k in _PERSON_FIELDS})
    _login_validate(user, owner=contact, default_role="customer")
    contact.save()
    _contact_grants_sync(contact, old_user=None)
    return contact


@transaction.atomic
def contact_update(*, actor: User | None, instance: Contact, **fields) -> Contact:
    contact = Contact.objects.select_for_update().select_related("account").get(pk=instance.pk)
    if actor is not None:
        permissions.require_can_manage_contacts_of(actor, contact.account)
    old_user = contact.user
    new_account = Account.objects.select_for_update().get(pk=fields.pop("account", contact.account).pk)
    if new_account.pk != contact.account_id:
        if actor is not None:
            permissions.require_can_manage_contacts_of(actor, new_account)
        _require_active_account(new_account)
        contact.account = new_account
    if "user" in fields:
        contact.user = fields.pop("user")
        if contact.user != old_user:
            _login_validate(contact.user, owner=contact, default_role="customer")
    model_apply(contact, {k: v for k, v in fields.items() if k in _PERSON_FIELDS})
    contact.save()
    _contact_grants_sync(contact, old_user=old_user)
    hooks.login_changed(contact, old_user, contact.user)
    return contact


def _contact_grants_sync(contact: Contact, *, old_user: User | None) -> None:
    """The grants a contact's login holds because of the contact: contact relationships and
    partnerships of their account. Moved to `contact.user` when the login changes."""
    targets = list(Account.objects.filter(contact_relationships__contact=contact))
    partnered = list(
        Account.objects.filter(
            relationships_in__from_account=contact.account,
            relationships_in__relationship_type=AccountRelationshipType.PARTNER,
        )
    )
    if old_user is not None and old_user != contact.user:
        for account in targets:
            permissions.revoke(old_user, permissions.VIEW, account)
        for account in partnered:
            permissions.revoke(old_user, permissions.PARTNER, account)
    if contact.user is not None:
        for account in targets:
            permissions.grant(contact.user, permissions.VIEW, account)
        for account in partnered:
            permissions.grant(contact.user, permissions.PARTNER, account)


@transaction.atomic
def consumer_create(
    *, actor: User | None, first_name: str, last_name: str, user: User | None = None, **fields
) -> Consumer:
    if actor is not None and not permissions.can_manage_consumers(actor):
        raise PermissionDenied("You cannot create consumers.")
    consumer = Consumer(first_name=first_name, last_name=last_name, user=user)
    model_apply(consumer, {k: v for k, v in fields.items() if k in (*_PERSON_FIELDS, *_ADDRESS)})
    _login_validate(user, owner=consumer, default_role="consumer")
    consumer.save()
    return consumer


_ADDRESS = ("street", "city", "state", "zip_code", "country")


@transaction.atomic
def consumer_update(*, actor: User | None, instance: Consumer, **fields) -> Consumer:
    consumer = Consumer.objects.select_for_update().get(pk=instance.pk)
    if actor is not None and not permissions.can_manage_consumers(actor):
        raise PermissionDenied("You cannot change consumers.")
    old_user = consumer.user
    if "user" in fields and fields["user"] != consumer.user:
        consumer.user = fields.pop("user")
        _login_validate(consumer.user, owner=consumer, default_role="consumer")
    model_apply(consumer, {k: v for k, v in fields.items() if k in (*_PERSON_FIELDS, *_ADDRESS)})
    consumer.save()
    hooks.login_changed(consumer, old_user, consumer.user)
    return consumer


# --- relationships -------------------------------------------------------------------------
def _root_id(account: Account) -> str:
    return account.path.strip("/").split("/")[0]


@transaction.atomic
def contact_relationship_create(
    *, actor: User | None, contact: Contact, account: Account, **fields
) -> ContactRelationship:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    if contact.account_id == account.pk:
        raise ValidationError({"account": f"{contact} already belongs to {account.number}."})
    if settings.CUSTOMERS_CONTACT_RELATIONSHIP_WITHIN_HIERARCHY and _root_id(account) != _root_id(contact.account):
        raise ValidationError(
            {
                "account": f"{account.number} is outside the account hierarchy of {contact.account.number}; "
                "contact relationships stay inside it (CUSTOMERS_CONTACT_RELATIONSHIP_WITHIN_HIERARCHY)."
            }
        )
    relationship = ContactRelationship(contact=contact, account=account)
    model_apply(relationship, {k: v for k, v in fields.items() if k == "relationship_type"})
    relationship.save()
    if contact.user is not None:
        permissions.grant(contact.user, permissions.VIEW, account)
    return relationship


@transaction.atomic
def contact_relationship_delete(*, actor: User | None, relationship: ContactRelationship) -> None:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    contact, account = relationship.contact, relationship.account
    relationship.delete()
    if contact.user is not None:
        permissions.revoke(contact.user, permissions.VIEW, account)


def _partner_users(account: Account):
    return User.objects.filter(contact__account=account, is_active=True)


@transaction.atomic
def account_relationship_create(
    *, actor: User | None, from_account: Account, to_account: Account, relationship_type: str = "partner"
) -> AccountRelationship:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    errors = {}
    if from_account.pk == to_account.pk:
        errors["to_account"] = "An account cannot be related to itself."
    if relationship_type == AccountRelationshipType.PARTNER and not from_account.is_partner:
        errors["from_account"] = f"{from_account.number} is not flagged as a partner."
    if not to_account.is_customer:
        errors["to_account"] = f"{to_account.number} is not flagged as a customer."
    if errors:
        raise ValidationError(errors)
    relationship = AccountRelationship(
        from_account=from_account, to_account=to_account, relationship_type=relationship_type
    )
    relationship.full_clean()
    relationship.save()
    if relationship_type == AccountRelationshipType.PARTNER:
        for user in _partner_users(from_account):
            permissions.grant(user, permissions.PARTNER, to_account)
    return relationship


@transaction.atomic
def account_relationship_delete(*, actor: User | None, relationship: AccountRelationship) -> None:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    from_account, to_account, kind = relationship.from_account, relationship.to_account, relationship.relationship_type
    relationship.delete()
    still_partner = AccountRelationship.objects.filter(
        from_account=from_account, to_account=to_account, relationship_type=AccountRelationshipType.PARTNER
    ).exists()
    if kind == AccountRelationshipType.PARTNER and not still_partner:
        for user in _partner_users(from_account):
            permissions.revoke(user, permissions.PARTNER, to_account)


# --- locations -----------------------------------------------------------------------------
_LOCATION_FIELDS = ("name", "account", "consumer", "latitude", "longitude", *_ADDRESS)


def _location_check(actor: User | None, location: Location) -> None:
    if actor is not None and not actor.has_perm("customers.change_location"):
        raise PermissionDenied("You cannot change locations.")
    if bool(location.account_id) == bool(location.consumer_id):
        raise ValidationError({"account": "A location belongs to exactly one account or one consumer."})


@transaction.atomic
def location_create(*, actor: User | None, name: str, **fields) -> Location:
    location = Location(name=name)
    model_apply(location, {k: v for k, v in fields.items() if k in _LOCATION_FIELDS})
    _location_check(actor, location)
    location.save()
    return location


@transaction.atomic
def location_update(*, actor: User | None, instance: Location, **fields) -> Location:
    location = Location.objects.select_for_update().get(pk=instance.pk)
    model_apply(location, {k: v for k, v in fields.items() if k in _LOCATION_FIELDS})
    _location_check(actor, location)
    location.save()
    return location


# --- explicit grants (the admin's grant inline) ----------------------------------------------
GRANTABLE = {
    permissions.VIEW: "contact relationship access",
    permissions.ADMINISTER: "customer admin",
    permissions.PARTNER: "partner access",
}


@transaction.atomic
def account_grant(*, actor: User | None, account: Account, user: User, codename: str) -> None:
    """Grant one of the account permissions directly. Customer admin keeps its own rules."""
    if codename not in GRANTABLE:
        raise ValidationError({"permission": f"Grant one of: {', '.join(GRANTABLE)}."})
    if codename == permissions.ADMINISTER:
        account_admin_grant(actor=actor, account=account, user=user)
        return
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    if is_internal(user):
        raise ValidationError({"user": f"{user.username} is internal; internal roles already see every account."})
    permissions.grant(user, codename, account)


@transaction.atomic
def account_grant_revoke(*, actor: User | None, account: Account, user: User, codename: str) -> None:
    if actor is not None:
        permissions.require_can_manage_accounts(actor)
    permissions.revoke(user, codename, account)
