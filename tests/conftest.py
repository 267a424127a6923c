"""Personas and the shared world they live in. Built through services, so grants, roles and
derived fields are real."""
from dataclasses import dataclass, field

import pytest
from django.test import Client
from rest_framework.test import APIClient

from customers import services as customer_services
from customers.models import Account, Contact
from tests.factories import UserFactory, user_with_roles
from users import services as user_services
from users.models import AssignmentGroup, User


@dataclass
class World:
    account: Account           # Acme: the customer under test
    child_account: Account     # Acme Europe, below Acme
    other_account: Account     # Globex: someone else
    partner_account: Account   # Partner Co, partner of Acme
    group: AssignmentGroup     # Tier 1
    users: dict[str, User | None] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)

    def user(self, persona: str) -> User | None:
        return self.users[persona]


def _contact(account, user, first, last):
    return customer_services.contact_create(
        actor=None, account=account, first_name=first, last_name=last, user=user, email=f"{user.username}@example.com"
    )


def ensure_reference_data() -> None:
    """Role groups and shipped lifecycles come from data migrations; a transactional test's flush
    removes them for the tests after it, so put them back when they are missing."""
    from django.contrib.auth.models import Group

    from cases.lifecycles import LIFECYCLES, lifecycle_install
    from cases.models import Lifecycle
    from users.roles import ROLES, sync_role_permissions

    if Group.objects.filter(name__in=ROLES).count() != len(ROLES):
        sync_role_permissions()
    if Lifecycle.objects.filter(code__in=LIFECYCLES).count() != len(LIFECYCLES):
        for code in LIFECYCLES:
            lifecycle_install(code)


def _build_world() -> World:
    ensure_reference_data()
    create = customer_services.account_create
    acme = create(actor=None, name="Acme")
    acme_eu = create(actor=None, name="Acme Europe", parent=acme)
    globex = create(actor=None, name="Globex")
    partner_co = create(actor=None, name="Partner Co", is_partner=True, is_customer=False)

    admin = user_with_roles("admin", username="admin_ada")
    manager = user_with_roles("manager", username="manager_max")
    agent = user_with_roles("agent", username="agent_alice")
    group = user_services.assignment_group_create(actor=None, name="Tier 1", manager=manager, members=[agent, manager])

    customer = user_with_roles("customer", username="customer_dana")
    customer_admin = user_with_roles("customer_admin", username="custadmin_carl")
    other_customer = user_with_roles("customer", username="customer_erin")
    partner = user_with_roles("partner", username="partner_pat")
    contacts = {
        "customer": _contact(acme, customer, "Dana", "Diaz"),
        "customer_admin": _contact(acme, customer_admin, "Carl", "Cruz"),
        "other_customer": _contact(globex, other_customer, "Erin", "Eng"),
        "partner": _contact(partner_co, partner, "Pat", "Park"),
    }
    customer_services.account_admin_grant(actor=None, account=acme, user=customer_admin)
    customer_services.account_relationship_create(actor=None, from_account=partner_co, to_account=acme)

    users = {
        "anonymous": None,
        "other_customer": other_customer,
        "customer": customer,
        "customer_admin": customer_admin,
        "partner": partner,
        "agent": agent,
        "manager": manager,
        "admin": admin,
    }
    return World(acme, acme_eu, globex, partner_co, group, users, contacts)


USERNAMES = {
    "other_customer": "customer_erin",
    "customer": "customer_dana",
    "customer_admin": "custadmin_carl",
    "partner": "partner_pat",
    "agent": "agent_alice",
    "manager": "manager_max",
    "admin": "admin_ada",
}
ACCOUNTS = ("Acme", "Acme Europe", "Globex", "Partner Co")


def _load_world() -> World | None:
    """The world as the session built it, in four queries; None once a transactional test's
    flush has removed it."""
    by_name = {a.name: a for a in Account.objects.filter(name__in=ACCOUNTS)}
    by_username = {u.username: u for u in User.objects.filter(username__in=USERNAMES.values())}
    group = AssignmentGroup.objects.filter(name="Tier 1").first()
    if len(by_name) != len(ACCOUNTS) or len(by_username) != len(USERNAMES) or group is None:
        return None
    users = {"anonymous": None, **{persona: by_username[name] for persona, name in USERNAMES.items()}}
    by_user = {c.user_id: c for c in Contact.objects.filter(user__in=[users[p] for p in EXTERNAL_PERSONAS])}
    contacts = {persona: by_user[users[persona].pk] for persona in EXTERNAL_PERSONAS}
    return World(by_name["Acme"], by_name["Acme Europe"], by_name["Globex"], by_name["Partner Co"], group, users, contacts)


EXTERNAL_PERSONAS = ("customer", "customer_admin", "other_customer", "partner")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the world once per test database (each xdist worker has its own), committed. Each
    test runs in a transaction that is rolled back, so every test sees it exactly as built. A
    transactional test's flush removes it; the `world` fixture then builds it again."""
    with django_db_blocker.unblock():
        ensure_reference_data()
        _load_world() or _build_world()  # --reuse-db keeps the last session's world


@pytest.fixture
def no_world(db) -> None:
    """An empty database for tests of whole-database commands (seed_demo): the session's world is
    removed inside the test's transaction, so it is back for the next test."""
    Contact.objects.filter(account__name__in=ACCOUNTS).delete()
    Account.objects.filter(name__in=ACCOUNTS).exclude(parent=None).delete()
    Account.objects.filter(name__in=ACCOUNTS).delete()
    AssignmentGroup.objects.filter(name="Tier 1").delete()
    User.objects.filter(username__in=USERNAMES.values()).delete()


@pytest.fixture
def world(db) -> World:
    ensure_reference_data()
    return _load_world() or _build_world()


@pytest.fixture
def api_as(world):
    """api_as("customer") -> an APIClient authenticated as that persona (anonymous: none)."""

    def make(persona: str) -> APIClient:
        client = APIClient()
        user = world.users[persona]
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def client_as(world):
    """client_as("admin") -> a Django test Client logged in as that persona (anonymous: none)."""

    def make(persona: str) -> Client:
        client = Client()
        user = world.users[persona]
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def plain_user(db) -> User:
    return UserFactory()


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """Each test reads lifecycles, SLA definitions, rules and templates from its own database state:
    a value cached by an earlier test (whose rows were rolled back) must not leak into it."""
    from core.refcache import reference_clear_all

    reference_clear_all()
    yield
    reference_clear_all()
