"""Portal self-registration (reference 6) and the account users a customer admin manages.

- `registration_submit`: anyone with the account's registration code asks to become a contact. A
  wrong code is "Invalid registration code". The answer never says whether the address already
  has a login: the request is then not recorded and the address is mailed a reminder instead.
- `registration_approve` / `registration_reject`: any customer admin of the account (or of an
  account above it) decides; one decision suffices. Approval creates the login (role customer)
  and the contact, or gives a login to the account's contact with that address, and mails a
  temporary password that must be changed at the first sign-in.
- `contact_login_create`, `contact_login_set_active`, `contact_admin_set`: a customer admin's
  management of their accounts' users.
Every service checks its actor itself (default deny) and mails through the notifications outbox,
in the same transaction, so a message is retried like any other and never lost.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.exceptions import Conflict
from customers import permissions
from customers import services as customer_services
from customers.choices import RegistrationState
from customers.models import Account, AccountUserObjectPermission, Contact, RegistrationRequest
from customers.selectors_portal import account_admin_users, branding_active
from notifications import services as notification_services
from users import services as user_services
from users.models import User
from users.roles import user_roles

# Portal pages named in mails (portal/urls_account.py); literal paths, since customers sits below
# the portal and must not resolve its URL names.
PORTAL_LOGIN_PATH = "/portal/login/"
PORTAL_RESET_PATH = "/portal/password/reset/"
PORTAL_REGISTRATIONS_PATH = "/portal/account/registrations/"
INVALID_CODE = "Invalid registration code"
ADMIN_ROLE_FOR = {"customer": "customer_admin", "partner": "partner_admin"}
PLAIN_ROLE_FOR = {admin: plain for plain, admin in ADMIN_ROLE_FOR.items()}


# --- mail ------------------------------------------------------------------------------------
def _mail(*, event: str, template: str, context: dict, to_address: str, recipient: User | None = None,
          dedupe_key: str | None = None, related=None) -> None:
    """Render customers/mail/<template>_subject.txt and .txt and put the message in the outbox."""
    context = {
        "portal_name": branding_active().name,
        "login_url": f"{settings.SITE_URL}{PORTAL_LOGIN_PATH}",
        "reset_url": f"{settings.SITE_URL}{PORTAL_RESET_PATH}",
        "registrations_url": f"{settings.SITE_URL}{PORTAL_REGISTRATIONS_PATH}",
        **context,
    }
    subject = notification_services.render_text_file(f"customers/mail/{template}_subject.txt", context, one_line=True)
    body = notification_services.render_text_file(f"customers/mail/{template}.txt", context)
    notification_services.notification_enqueue(
        event=event, subject=subject, body=body, recipient=recipient, to_address=to_address,
        dedupe_key=dedupe_key, related=related,
    )


def _normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def login_exists_for(email: str) -> bool:
    return User.objects.filter(email__iexact=email).exists() or User.objects.filter(username__iexact=email).exists()


# --- registration ----------------------------------------------------------------------------
def _account_for_code(code: str) -> Account | None:
    code = (code or "").strip()
    if not code:
        return None
    return Account.objects.filter(registration_code=code, active=True, is_customer=True).first()


@transaction.atomic
def registration_submit(
    *, first_name: str, last_name: str, email: str, registration_code: str
) -> RegistrationRequest | None:
    """Record a registration request and tell the account's customer admins. Returns None when
    nothing was recorded (the address has a login, or a request of it is already pending), which
    the caller must not reveal: the visitor sees the same answer either way."""
    account = _account_for_code(registration_code)
    if account is None:
        raise ValidationError({"registration_code": INVALID_CODE})
    email = _normalise_email(email)
    request = RegistrationRequest(account=account, first_name=first_name.strip(), last_name=last_name.strip(), email=email)
    request.full_clean(exclude=["state", "decided_by", "contact"])
    if login_exists_for(email):
        _mail(event="account.registration_exists", template="registration_exists",
              context={"first_name": request.first_name}, to_address=email)
        return None
    if RegistrationRequest.objects.filter(account=account, email=email, state=RegistrationState.PENDING).exists():
        return None
    request.save()
    _mail(event="account.registration_received", template="registration_received",
          context={"request": _request_context(request)}, to_address=email,
          dedupe_key=f"registration:{request.pk}:received", related=request)
    for admin in account_admin_users(account=account):
        _mail(event="account.registration_pending", template="registration_pending",
              context={"request": _request_context(request), "admin_name": admin.get_full_name() or admin.username},
              recipient=admin, to_address=admin.email, dedupe_key=f"registration:{request.pk}:pending:u{admin.pk}",
              related=request)
    return request


def _request_context(request: RegistrationRequest) -> dict:
    return {
        "first_name": request.first_name, "last_name": request.last_name, "email": request.email,
        "account": request.account.name, "created_at": request.created_at,
    }


def _lock_pending(registration: RegistrationRequest, actor: User | None) -> RegistrationRequest:
    locked = RegistrationRequest.objects.select_for_update(of=("self",)).select_related("account").get(pk=registration.pk)
    if actor is not None:
        permissions.require_can_manage_contacts_of(actor, locked.account)
    if locked.state != RegistrationState.PENDING:
        who = f" by {locked.decided_by.get_full_name() or locked.decided_by.username}" if locked.decided_by else ""
        raise Conflict(f"This request was already {locked.get_state_display().lower()}{who}.")
    return locked


@transaction.atomic
def registration_approve(*, actor: User | None, registration: RegistrationRequest) -> Contact:
    request = _lock_pending(registration, actor)
    contact, password = _login_provision(
        account=request.account, first_name=request.first_name, last_name=request.last_name, email=request.email,
        role="customer",
    )
    request.approve(by=actor, at=timezone.now(), contact=contact)
    request.save()
    _mail(event="account.registration_approved", template="registration_approved",
          context={"first_name": contact.first_name, "account": request.account.name,
                   "username": contact.user.username, "password": password},
          recipient=contact.user, to_address=request.email, dedupe_key=f"registration:{request.pk}:approved",
          related=request)
    return contact


@transaction.atomic
def registration_reject(*, actor: User | None, registration: RegistrationRequest, reason: str = "") -> RegistrationRequest:
    request = _lock_pending(registration, actor)
    request.reject(by=actor, at=timezone.now(), reason=(reason or "").strip())
    request.save()
    _mail(event="account.registration_rejected", template="registration_rejected",
          context={"first_name": request.first_name, "account": request.account.name, "reason": request.reason},
          to_address=request.email, dedupe_key=f"registration:{request.pk}:rejected", related=request)
    return request


def _login_provision(*, account: Account, first_name: str, last_name: str, email: str, role: str) -> tuple[Contact, str]:
    """A new login (unusable password, then a temporary one that must be changed) for a contact of
    `account`: the account's contact with that address if it has no login yet, else a new one."""
    email = _normalise_email(email)
    if login_exists_for(email):
        raise ValidationError({"email": f"A login with the address {email} already exists; they can reset its password."})
    user = user_services.user_create(
        actor=None, username=email, email=email, first_name=first_name, last_name=last_name, roles=[role]
    )
    password = user_services.user_password_temporary_set(actor=None, user=user)
    existing = (
        Contact.objects.select_for_update()
        .filter(account=account, email__iexact=email, user__isnull=True)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        contact = customer_services.contact_update(actor=None, instance=existing, user=user, active=True)
    else:
        contact = customer_services.contact_create(
            actor=None, account=account, first_name=first_name, last_name=last_name, email=email, user=user
        )
    return contact, password


# --- the account's users, managed by a customer admin ----------------------------------------
@transaction.atomic
def contact_login_create(
    *, actor: User | None, account: Account, first_name: str, last_name: str, email: str, customer_admin: bool = False
) -> Contact:
    """A customer admin adds a person to one of their accounts, with a login and a mailed
    temporary password; optionally as a customer admin too."""
    if actor is not None:
        permissions.require_can_manage_contacts_of(actor, account)
    contact, password = _login_provision(
        account=account, first_name=first_name, last_name=last_name, email=email, role="customer"
    )
    if customer_admin:
        contact = contact_admin_set(actor=actor, contact=contact, admin=True)
    inviter = (actor.get_full_name() or actor.username) if actor is not None else ""
    _mail(event="account.login_created", template="login_created",
          context={"first_name": contact.first_name, "account": account.name, "inviter": inviter,
                   "username": contact.user.username, "password": password},
          recipient=contact.user, to_address=contact.email, dedupe_key=f"contact:{contact.pk}:login:{contact.user_id}",
          related=contact)
    return contact


def _lock_contact(actor: User | None, contact: Contact) -> Contact:
    locked = Contact.objects.select_for_update(of=("self",)).select_related("account", "user").get(pk=contact.pk)
    if actor is not None:
        permissions.require_can_manage_contacts_of(actor, locked.account)
    if locked.user is None:
        raise ValidationError({"user": f"{locked} has no login."})
    return locked


@transaction.atomic
def contact_login_set_active(*, actor: User | None, contact: Contact, active: bool) -> Contact:
    """Switch a contact's login off (they can no longer sign in) or back on."""
    contact = _lock_contact(actor, contact)
    if not active and actor is not None and contact.user_id == actor.pk:
        raise ValidationError({"user": "You cannot deactivate your own login."})
    user_services.user_update(actor=None, instance=contact.user, is_active=active)
    contact.user.refresh_from_db()
    return contact


@transaction.atomic
def contact_admin_set(*, actor: User | None, contact: Contact, admin: bool) -> Contact:
    """Make a contact a customer admin of their account (the role and the grant), or take it
    away. Nobody removes their own rights, so an account always keeps the admin who acted."""
    contact = _lock_contact(actor, contact)
    user = contact.user
    roles = user_roles(user)
    if admin:
        if not any(r in ADMIN_ROLE_FOR or r in PLAIN_ROLE_FOR for r in roles):
            raise ValidationError({"user": f"{user.username} is not a customer or partner contact."})
        new_roles = [ADMIN_ROLE_FOR.get(r, r) for r in roles]
        user_services.user_set_roles(actor=None, user=user, roles=new_roles)
        user.refresh_from_db()
        customer_services.account_admin_grant(actor=None, account=contact.account, user=user)
    else:
        if actor is not None and user.pk == actor.pk:
            raise ValidationError({"user": "You cannot remove your own customer admin rights; ask another customer admin."})
        user_services.user_set_roles(actor=None, user=user, roles=[PLAIN_ROLE_FOR.get(r, r) for r in roles])
        for row in AccountUserObjectPermission.objects.filter(
            user=user, permission__codename=permissions.ADMINISTER
        ).select_related("content_object"):
            customer_services.account_admin_revoke(actor=None, account=row.content_object, user=user)
        user.refresh_from_db()
    return contact

