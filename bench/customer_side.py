"""The customer side of the bench database (`bench_seed --customer-side`) and its reads
(`bench_customer_side`): bench/README.md, "The customer side".

Seeding, after `bench_seed` has written the cases (additive and idempotent: a second run only
adds logins to contacts that have none):
- every bench contact gets a login (role customer; bulk-inserted users and role memberships, as
  `users.services.user_create` would write them); the seed gives contacts from 1 to 500 cases
  each, skewed (bench/seed.py, `contact_quotas`);
- `HIERARCHIES`: customer admins (`bench_customer_admin`, `bench_customer_admin_2`, ...), each the
  first contact of the root of a three-level account hierarchy holding a share of all cases
  (5,000 of 1,000,000 for `bench_customer_admin`, at least 7 accounts), through the customers
  services;
- `PARTNERS`: partner accounts with a contact who is a partner (a login, `bench_partner`, ...),
  related to several accounts holding a share of the cases (4,000 of 1,000,000 for `bench_partner`);
- consumers with logins: `bench_consumer` with 200 cases spread over the table and
  `OTHER_CONSUMERS` more (`bench_consumer_2`, ...) with 1 to 20 each;
- every bench login's password is `bench-password` (bench/seed.py, `set_bench_passwords`).

Measuring: for each persona (`bench_personas`: the contact with the median number of cases, the
contact with the most, the customer admin, the partner, the consumer), the portal home, "My
cases", "My cases" with the open filter and the customer API list (first page), interleaved,
median and p95 ms and the query count of one extra request."""
import math
import random
import statistics
import time
from collections.abc import Callable

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.db.models import CharField, Count, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from bench.seed import ACCOUNT_PREFIX, bench_password_hash, set_bench_passwords
from cases.models import Case
from cases.permissions import case_scope_q
from customers import services as customer_services
from customers.models import Account, Consumer, Contact
from users import services as user_services
from users.models import User

ADMIN_USERNAME = "bench_customer_admin"
PARTNER_USERNAME = "bench_partner"
CONSUMER_USERNAME = "bench_consumer"
CONTACT_PREFIX = "bench_contact_"
CONSUMER_CASES = 200
# (username, share of all cases under it): hierarchies of accounts with a customer admin each,
# and partners related to several accounts; at 1,000,000 cases 5,000 / 2,000 / 1,000 and 4,000 / 1,000.
HIERARCHIES = [(ADMIN_USERNAME, 0.005), ("bench_customer_admin_2", 0.002), ("bench_customer_admin_3", 0.001)]
PARTNERS = [(PARTNER_USERNAME, 0.004), ("bench_partner_2", 0.001)]
MIN_ACCOUNTS, MAX_ACCOUNTS = 7, 150  # per hierarchy or partner
OTHER_CONSUMERS = 20


def seed_customer_side(progress: Callable[[str], None] = lambda message: None, *, seed_value: int = 42) -> dict:
    logins = _contact_logins(progress)
    if not User.objects.filter(username=ADMIN_USERNAME).exists():
        with transaction.atomic():
            _hierarchies_partners_consumers(random.Random(seed_value), progress)
    passwords = set_bench_passwords()
    progress(f"{passwords} bench logins given the bench password")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE cases_case, customers_account, customers_contact, customers_consumer, users_user")
    return {"logins_added": logins}


def _contact_logins(progress) -> int:
    contacts = list(
        Contact.objects.filter(account__name__startswith=ACCOUNT_PREFIX, user__isnull=True)
        .order_by("id").values_list("id", "email", "first_name", "last_name")
    )
    if not contacts:
        return 0
    customer = Group.objects.get(name="customer")
    password = bench_password_hash()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [User(username=f"{CONTACT_PREFIX}{pk}", email=email, first_name=first, last_name=last, password=password)
             for pk, email, first, last in contacts],
            batch_size=1_000,
        )
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=customer.pk) for u in users], batch_size=1_000
        )
        login = User.objects.filter(username=Concat(Value(CONTACT_PREFIX), Cast(OuterRef("pk"), CharField())))
        Contact.objects.filter(account__name__startswith=ACCOUNT_PREFIX, user__isnull=True).update(
            user_id=Subquery(login.values("pk")[:1])
        )
    progress(f"{len(users)} contact logins")
    return len(users)


def _hierarchies_partners_consumers(rng, progress) -> None:
    total = Case.objects.count()
    cases_of = dict(
        Case.objects.filter(account__name__startswith=ACCOUNT_PREFIX).values_list("account_id").annotate(n=Count("id"))
    )
    free = list(Account.objects.filter(name__startswith=ACCOUNT_PREFIX).order_by("id"))
    for username, share in HIERARCHIES:
        accounts = _take(free, cases_of, total * share)
        _hierarchy(username, accounts)
        progress(f"{username}: hierarchy of {len(accounts)} accounts under {accounts[0].number}, "
                 f"{sum(cases_of.get(a.pk, 0) for a in accounts):,} cases")
    free.reverse()  # partners relate to accounts from the other end of the table
    for number, (username, share) in enumerate(PARTNERS, start=1):
        accounts = _take(free, cases_of, total * share)
        _partner(username, f"Bench partner{'' if number == 1 else f' {number}'}", accounts)
        progress(f"{username}: partner of {len(accounts)} accounts, "
                 f"{sum(cases_of.get(a.pk, 0) for a in accounts):,} cases")
    _consumers(rng, progress)


def _take(free: list[Account], cases_of: dict[int, int], target: float) -> list[Account]:
    """The next accounts of `free` (removed from it) until they hold `target` cases."""
    taken, held = [], 0
    while free and len(taken) < MAX_ACCOUNTS and (held < target or len(taken) < MIN_ACCOUNTS):
        account = free.pop(0)
        taken.append(account)
        held += cases_of.get(account.pk, 0)
    return taken


def _hierarchy(username: str, accounts: list[Account]) -> None:
    """Three levels: the first account the root, about sqrt(n) children, the rest grandchildren
    round-robin under the children; the root's first contact becomes its customer admin."""
    root, rest = accounts[0], accounts[1:]
    width = max(2, round(math.sqrt(len(rest))))
    children, grandchildren = rest[:width], rest[width:]
    for child in children:
        customer_services.account_update(actor=None, instance=child, parent=root)
    for i, grandchild in enumerate(grandchildren):
        customer_services.account_update(actor=None, instance=grandchild, parent=children[i % len(children)])
    admin = Contact.objects.filter(account=root).order_by("id").first().user
    user_services.user_set_roles(actor=None, user=admin, roles=["customer_admin"])
    User.objects.filter(pk=admin.pk).update(username=username)
    admin.refresh_from_db()
    customer_services.account_admin_grant(actor=None, account=root, user=admin)


def _partner(username: str, name: str, accounts: list[Account]) -> None:
    partner_account = customer_services.account_create(actor=None, name=name, is_partner=True, is_customer=False)
    email = f"{username}@bench.example"
    partner = user_services.user_create(actor=None, username=username, roles=["partner"], email=email)
    customer_services.contact_create(actor=None, account=partner_account, first_name="Bench", last_name="Partner",
                                     user=partner, email=email)
    for account in accounts:
        customer_services.account_relationship_create(actor=None, from_account=partner_account, to_account=account)


def _consumers(rng, progress) -> None:
    ids = list(Case.objects.filter(consumer__isnull=True).order_by("id").values_list("id", flat=True))
    step = max(1, len(ids) // CONSUMER_CASES)
    spread = ids[::step][:CONSUMER_CASES]
    taken = set(spread)
    counts = [rng.randint(1, 20) for _ in range(OTHER_CONSUMERS)]
    pool = rng.sample([i for i in ids if i not in taken], min(len(ids) - len(taken), sum(counts)))
    plan = [(CONSUMER_USERNAME, spread)]
    for n, count in enumerate(counts, start=2):
        plan.append((f"{CONSUMER_USERNAME}_{n}", pool[:count]))
        pool = pool[count:]
    for username, case_ids in plan:
        user = user_services.user_create(actor=None, username=username, roles=["consumer"],
                                         email=f"{username}@bench.example")
        consumer = customer_services.consumer_create(actor=None, first_name="Bench", last_name=f"Consumer {username}",
                                                     user=user, email=f"{username}@bench.example")
        Case.objects.filter(pk__in=case_ids, consumer__isnull=True).update(consumer=consumer)
    progress(f"{len(plan)} consumers with logins; {CONSUMER_USERNAME} has {len(spread)} cases")


def bench_personas() -> dict[str, str]:
    """The usernames the customer-side benchmarks act as: `median_contact` (the contact with the
    median number of cases), `biggest_contact` (the most), `customer_admin`, `partner`, `consumer`.
    Every one signs in with bench/seed.py's BENCH_PASSWORD."""
    held = sorted(
        (n, username) for username, n in
        Case.objects.filter(contact__user__username__startswith=CONTACT_PREFIX)
        .values_list("contact__user__username").annotate(n=Count("id"))
    )
    if not held:
        raise RuntimeError("no bench contact with a login and cases: run bench_seed --customer-side first")
    biggest = max(held, key=lambda row: (row[0], -int(row[1][len(CONTACT_PREFIX):])))
    return {
        "median_contact": held[len(held) // 2][1], "biggest_contact": biggest[1],
        "customer_admin": ADMIN_USERNAME, "partner": PARTNER_USERNAME, "consumer": CONSUMER_USERNAME,
    }


# --- measuring -----------------------------------------------------------------------------------
PAGES = {
    "portal_home": "/portal/",
    "my_cases": "/portal/cases/",
    "my_cases_open": "/portal/cases/?status=open",
    "api_list": "/api/v1/cases/",
}


def personas() -> dict[str, User]:
    """`bench_personas` as users, keyed contact (the median one), biggest_contact, customer_admin,
    partner, consumer."""
    names = bench_personas()
    names["contact"] = names.pop("median_contact")
    users = {u.username: u for u in User.objects.filter(username__in=names.values())}
    missing = [key for key, username in names.items() if username not in users]
    if missing:
        raise RuntimeError(f"no bench {', '.join(missing)}: run bench_seed --customer-side first")
    order = ["contact", "biggest_contact", "customer_admin", "partner", "consumer"]
    return {key: users[names[key]] for key in order}


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
