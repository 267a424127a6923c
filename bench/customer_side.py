"""The customer side of the bench database (`bench_seed --customer-side`) and its reads
(`bench_customer_side`): bench/README.md, "The customer side".

Seeding, after `bench_seed` has written the cases (additive and idempotent: a second run only
adds logins to contacts that have none):
- every bench contact gets a login (role customer; bulk-inserted users and role memberships, as
  `users.services.user_create` would write them, with unusable passwords); the seed spreads the
  cases evenly over the contacts, so each has cases / contacts of them (167 at 100,000 cases);
- the first bench account becomes the root of a three-level hierarchy (two children, each with
  two children) and its first contact its customer admin (through the customers services);
- a partner account "Bench partner" with a contact who is a partner (a login), related to the
  five accounts of that hierarchy (through the customers services);
- a consumer with a login, who is the consumer of 200 cases spread over the table.

Measuring: for each persona (a contact with the median number of cases, the customer admin, the
partner, the consumer), the portal home, "My cases", "My cases" with the open filter and the
customer API list (first page), interleaved, median and p95 ms and the query count of one extra
request."""
import statistics
import time
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from bench.seed import ACCOUNT_PREFIX
from cases.models import Case
from cases.permissions import case_scope_q
from customers import services as customer_services
from customers.models import Account, Consumer, Contact
from users import services as user_services
from users.models import User

ADMIN_USERNAME = "bench_customer_admin"
PARTNER_USERNAME = "bench_partner"
CONSUMER_USERNAME = "bench_consumer"
CONSUMER_CASES = 200


def seed_customer_side(progress: Callable[[str], None] = lambda message: None) -> dict:
    logins = _contact_logins(progress)
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        with transaction.atomic():
            _hierarchy_admin_partner_consumer(progress)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE cases_case, customers_account, customers_contact, customers_consumer, users_user")
    return {"logins_added": logins}


def _contact_logins(progress) -> int:
    contacts = list(
        Contact.objects.filter(account__name__startswith=ACCOUNT_PREFIX, user__isnull=True).order_by("id")
    )
    if not contacts:
        return 0
    customer = Group.objects.get(name="customer")
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"bench_contact_{c.pk}", email=c.email, first_name=c.first_name, last_name=c.last_name,
                  password="!") for c in contacts],
            batch_size=1_000,
        )
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=customer.pk) for u in users], batch_size=1_000
        )
        for contact, user in zip(contacts, users, strict=True):
            contact.user_id = user.pk
        Contact.objects.bulk_update(contacts, ["user"], batch_size=1_000)
    progress(f"{len(users)} contact logins")
    return len(users)


def _hierarchy_admin_partner_consumer(progress) -> None:
    accounts = list(Account.objects.filter(name__startswith=ACCOUNT_PREFIX).order_by("id")[:7])
    root, children, grandchildren = accounts[0], accounts[1:3], accounts[3:7]
    for parent, below in ((root, children), (children[0], grandchildren[:2]), (children[1], grandchildren[2:])):
        for account in below:
            customer_services.account_update(actor=None, instance=account, parent=parent)
    admin_contact = Contact.objects.filter(account=root).order_by("id").first()
    admin = admin_contact.user
    user_services.user_set_roles(actor=None, user=admin, roles=["customer_admin"])
    User.objects.filter(pk=admin.pk).update(username=ADMIN_USERNAME)
    admin.refresh_from_db()
    customer_services.account_admin_grant(actor=None, account=root, user=admin)
    partner_account = customer_services.account_create(actor=None, name="Bench partner", is_partner=True,
                                                       is_customer=False)
    partner = user_services.user_create(actor=None, username=PARTNER_USERNAME, roles=["partner"],
                                        email="partner@bench.example")
    customer_services.contact_create(actor=None, account=partner_account, first_name="Bench", last_name="Partner",
                                     user=partner, email="partner@bench.example")
    for account in accounts[:7]:
        customer_services.account_relationship_create(actor=None, from_account=partner_account, to_account=account)
    consumer_user = user_services.user_create(actor=None, username=CONSUMER_USERNAME, roles=["consumer"],
                                              email="consumer@bench.example")
    consumer = customer_services.consumer_create(actor=None, first_name="Bench", last_name="Consumer",
                                                 user=consumer_user, email="consumer@bench.example")
    total = Case.objects.count()
    step = max(1, total // CONSUMER_CASES)
    ids = list(Case.objects.order_by("id").values_list("id", flat=True)[::step][:CONSUMER_CASES]) if total else []
    Case.objects.filter(pk__in=ids).update(consumer=consumer)
    progress(f"hierarchy of {len(accounts)} accounts under {root.number} with admin {ADMIN_USERNAME}; "
             f"partner {PARTNER_USERNAME}; consumer {CONSUMER_USERNAME} with {len(ids)} cases")


# --- measuring -----------------------------------------------------------------------------------
PAGES = {
    "portal_home": "/portal/",
    "my_cases": "/portal/cases/",
    "my_cases_open": "/portal/cases/?status=open",
    "api_list": "/api/v1/cases/",
}


def personas() -> dict[str, User]:
    median_contact = (
        Contact.objects.filter(account__name__startswith=ACCOUNT_PREFIX, user__isnull=False)
        .annotate(n=Count("cases")).order_by("n", "id")
    )
    count = median_contact.count()
    contact = median_contact[count // 2] if count else None
    found = {
        "contact": contact.user if contact else None,
        "customer_admin": User.objects.filter(username=ADMIN_USERNAME).first(),
        "partner": User.objects.filter(username=PARTNER_USERNAME).first(),
        "consumer": User.objects.filter(username=CONSUMER_USERNAME).first(),
    }
    missing = [name for name, user in found.items() if user is None]
    if missing:
        raise RuntimeError(f"no bench {', '.join(missing)}: run bench_seed --customer-side first")
    return found


def run(*, iterations: int = 30, progress: Callable[[str], None] = lambda message: None) -> dict:
    try:
        setup_test_environment(debug=False)
    except RuntimeError:
        pass
    people = personas()
    clients = {}
    for name, user in people.items():
        clients[name] = Client()
        clients[name].force_login(user)
    plan = [(who, page) for who in people for page in PAGES]

    def call(who, page):
        response = clients[who].get(PAGES[page])
        if response.status_code != 200:
            raise RuntimeError(f"{who} GET {PAGES[page]} answered {response.status_code}")

    for who, page in plan:
        call(who, page)
    timings = {key: [] for key in plan}
    for _ in range(iterations):
        for key in plan:
            started = time.perf_counter()
            call(*key)
            timings[key].append((time.perf_counter() - started) * 1000)
    rows = []
    for who, page in plan:
        with CaptureQueriesContext(connection) as queries:
            call(who, page)
        ordered = sorted(timings[(who, page)])
        rows.append({
            "persona": who, "page": page, "median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(0.95 * len(ordered)) - 1)], 1), "queries": len(queries),
            "scope_cases": Case.objects.filter(case_scope_q(people[who])).count(),
        })
        progress(f"{who} {page}: {rows[-1]['median_ms']} ms")
    return {"cases": Case.objects.count(), "consumers": Consumer.objects.count(), "rows": rows}


def table(result: dict) -> str:
    lines = [f"{result['cases']:,} cases", "| persona | page | cases in scope | median ms | p95 ms | queries |",
             "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['persona']} | {r['page']} | {r['scope_cases']:,} | {r['median_ms']} | {r['p95_ms']} | "
                     f"{r['queries']} |")
    return "\n".join(lines)
