"""Who the load test's people are on a seeded bench database (`bench_seed --customer-side`), and
which cases each of them opens and comments on: read once from the product's database (plain
SQL, read-only), the same for the product and the stock floor (whose database is a copy).

Customers: the bench customer admin, partner and consumer (with 10 customers or more), then bench
contacts drawn with the seed among those with a case they can still comment on (new, open or
awaiting info). Their case pages: cases of their own (the contact's, the consumer's; the customer
admin's: its own account's; the partner's: the accounts it is related to). The consumer and the partner open no cases
(a consumer may open 10 a day); everybody else does, through the API.
Agents: the bench agents (`bench_agent_<group>_<n>`, 4 per group), each over its group's active
cases; more agents than logins reuse the logins (one session each).
Cases the load test itself opened ("Load test" subjects) are never picked, so a second run picks
the same cases, and so does the floor, whose copy may predate them."""
import random
from dataclasses import dataclass, field

import psycopg

ACTIVE = ("new", "open", "awaiting")
CREATED_PREFIX = "Load test"
PAGES_PER_PERSON, COMMENTABLE_PER_PERSON = 20, 10


@dataclass
class Persona:
    username: str
    role: str  # "customer" or "agent"
    cases: list[str] = field(default_factory=list)  # numbers whose page they open
    commentable: list[str] = field(default_factory=list)  # numbers they comment on (active cases)
    group_id: int | None = None  # an agent's group (lists, creations)
    creates: bool = True

    def as_dict(self) -> dict:
        return {"username": self.username, "role": self.role, "cases": len(self.cases),
                "commentable": len(self.commentable), "group_id": self.group_id, "creates": self.creates}


class NotSeeded(RuntimeError):
    pass


def pick(database_url: str, *, customers: int, agents: int, seed: int) -> tuple[list[Persona], list[int]]:
    """The customers, then the agents; and the contact ids agents open cases for."""
    rng = random.Random(seed)
    with psycopg.connect(database_url, autocommit=True) as conn:
        people = _customers(conn, customers, rng) + _agents(conn, agents, rng)
        contacts = [row[0] for row in conn.execute(
            "SELECT c.id FROM customers_contact c JOIN users_user u ON u.id = c.user_id "
            "WHERE u.username LIKE 'bench\\_contact\\_%%' ORDER BY c.id LIMIT 500")]
    if agents and not contacts:
        raise NotSeeded("no bench contact with a login: run bench_seed --customer-side")
    return people, contacts


def _customers(conn, count: int, rng: random.Random) -> list[Persona]:
    people: list[Persona] = []
    if count >= 10:
        people += _special_customers(conn, rng)
    candidates = [row for row in conn.execute(
        "SELECT u.username, c.id FROM customers_contact c JOIN users_user u ON u.id = c.user_id "
        "WHERE u.username LIKE 'bench\\_contact\\_%%' AND u.is_active ORDER BY c.id")]
    rng.shuffle(candidates)
    while len(people) < count and candidates:
        batch, candidates = candidates[:4 * count], candidates[4 * count:]
        rows = _case_rows(conn, "contact_id = ANY(%s)", [[contact_id for _, contact_id in batch]])
        by_contact: dict[int, list] = {}
        for owner, number, category in rows:
            by_contact.setdefault(owner, []).append((number, category))
        for username, contact_id in batch:
            persona = _persona(username, by_contact.get(contact_id, []), rng)
            if persona.commentable and len(people) < count:
                people.append(persona)
    if len(people) < count:
        raise NotSeeded(f"only {len(people)} bench customers with an active case, {count} asked for: "
                        "seed more cases (bench_seed --customer-side)")
    return people[:count]


def _special_customers(conn, rng: random.Random) -> list[Persona]:
    found = {username: user_id for username, user_id in conn.execute(
        "SELECT username, id FROM users_user WHERE username IN ('bench_customer_admin', 'bench_partner', 'bench_consumer')")}
    if len(found) < 3:
        raise NotSeeded("no bench customer admin, partner or consumer: run bench_seed --customer-side")
    admin_rows = _case_rows(conn, "account_id IN (SELECT account_id FROM customers_contact WHERE user_id = %s)",
                            [found["bench_customer_admin"]], limit=2_000)
    partner_rows = _case_rows(
        conn, "account_id IN (SELECT r.to_account_id FROM customers_accountrelationship r "
              "JOIN customers_contact c ON c.account_id = r.from_account_id WHERE c.user_id = %s)",
        [found["bench_partner"]], limit=2_000)
    consumer_rows = _case_rows(conn, "consumer_id IN (SELECT id FROM customers_consumer WHERE user_id = %s)",
                               [found["bench_consumer"]])
    return [
        _persona("bench_customer_admin", [r[1:] for r in admin_rows], rng),
        _persona("bench_partner", [r[1:] for r in partner_rows], rng, creates=False),
        # A consumer may add 25 comments a day to one case: spread them over up to 50 cases.
        _persona("bench_consumer", [r[1:] for r in consumer_rows], rng, creates=False, commentable=50),
    ]


def _agents(conn, count: int, rng: random.Random) -> list[Persona]:
    if not count:
        return []
    logins = list(conn.execute(
        "SELECT u.username, m.assignmentgroup_id FROM users_user u "
        "JOIN users_assignmentgroup_members m ON m.user_id = u.id "
        "WHERE u.username LIKE 'bench\\_agent\\_%%' AND u.is_active ORDER BY u.username, m.assignmentgroup_id"))
    seen, unique = set(), []
    for username, group_id in logins:
        if username not in seen:
            seen.add(username)
            unique.append((username, group_id))
    if not unique:
        raise NotSeeded("no bench agents: run bench_seed")
    numbers: dict[int, list[str]] = {}
    for group_id in sorted({group_id for _, group_id in unique}):
        numbers[group_id] = [row[1] for row in _case_rows(
            conn, "assignment_group_id = %s AND state_category = ANY(%s)", [group_id, list(ACTIVE)], limit=200)]
    people = []
    for n in range(count):
        username, group_id = unique[n % len(unique)]
        active = numbers[group_id]
        if not active:
            raise NotSeeded(f"the group of {username} has no active case")
        chosen = rng.sample(active, min(PAGES_PER_PERSON, len(active)))
        people.append(Persona(username, "agent", cases=chosen, commentable=chosen, group_id=group_id))
    return people


def _case_rows(conn, where: str, params: list, *, limit: int | None = None) -> list[tuple]:
    owner = where.split(" ", 1)[0]  # the first column named: whose case it is
    sql = (f"SELECT {owner}, number, state_category FROM cases_case WHERE {where} "
           f"AND short_description NOT LIKE '{CREATED_PREFIX}%%' ORDER BY id")
    if limit:
        sql += f" LIMIT {int(limit)}"
    return list(conn.execute(sql, params))


def _persona(username: str, rows: list[tuple], rng: random.Random, *, creates: bool = True,
             commentable: int = COMMENTABLE_PER_PERSON) -> Persona:
    numbers = [number for number, _ in rows]
    active = [number for number, category in rows if category in ACTIVE]
    return Persona(username, "customer", cases=rng.sample(numbers, min(PAGES_PER_PERSON, len(numbers))),
                   commentable=rng.sample(active, min(commentable, len(active))), creates=creates)
