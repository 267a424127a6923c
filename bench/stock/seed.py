"""`python -m bench.stock seed`: create the stock floor's database if missing, migrate it, and copy
the product database's rows into it (bench/README.md, "The stock floor").

Rows go with `COPY (SELECT ...) TO STDOUT` on a connection to the product database straight into
`COPY ... FROM STDIN` on a connection to the floor's (psycopg 3), ids kept, in one transaction
(the floor's foreign keys are deferred until commit). Users keep their usernames and password
hashes, so the same logins work; agents (the product's internal roles) become `is_staff`. Only
the grants that count are copied: `administer_account` of customer/partner admins,
`act_as_partner` of partners, `view_case` of related parties (group grants flattened to users)."""
import os
import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from bench.stock.dburl import stock_database_url

INTERNAL_ROLES = ("agent", "manager", "admin", "case_task_agent", "major_issue_manager")
ADMIN_ROLES = ("customer_admin", "partner_admin")
PARTNER_ROLES = ("partner", "partner_admin")
BLOCK = 1 << 20


def _pg_url(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url


def _roles(names) -> str:
    return ", ".join(f"'{name}'" for name in names)  # constants above, never input


def _has_role(user_column: str, roles) -> str:
    return (f"EXISTS (SELECT 1 FROM users_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
            f"WHERE ug.user_id = {user_column} AND g.name IN ({_roles(roles)}))")


def _grants(table: str, codename: str) -> str:
    """(user_id, object id) of one object permission, granted to the user or to one of their groups."""
    return (
        f"SELECT u.user_id, u.content_object_id FROM {table}userobjectpermission u "
        f"JOIN auth_permission p ON p.id = u.permission_id WHERE p.codename = '{codename}' "
        f"UNION SELECT ug.user_id, g.content_object_id FROM {table}groupobjectpermission g "
        f"JOIN auth_permission p ON p.id = g.permission_id JOIN users_user_groups ug ON ug.group_id = g.group_id "
        f"WHERE p.codename = '{codename}'"
    )


def _account_grants() -> str:
    admin = f"SELECT user_id, content_object_id FROM ({_grants('customers_account', 'administer_account')}) a"
    partner = f"SELECT user_id, content_object_id FROM ({_grants('customers_account', 'act_as_partner')}) p"
    return (
        f"SELECT row_number() OVER (), user_id, content_object_id, kind FROM ("
        f"SELECT user_id, content_object_id, 'admin' AS kind FROM ({admin}) x WHERE {_has_role('x.user_id', ADMIN_ROLES)} "
        f"UNION ALL SELECT user_id, content_object_id, 'partner' FROM ({partner}) y "
        f"WHERE {_has_role('y.user_id', PARTNER_ROLES)}) grants"
    )


def plan() -> list[tuple[str, list[str], str]]:
    """(floor table, its columns, the product's SELECT giving them in that order), parents first."""
    from django.contrib.auth.models import Group, User

    from bench.stock.floor import models

    def same(model, source: str, **override) -> tuple[str, list[str], str]:
        columns = [f.column for f in model._meta.concrete_fields]
        exprs = [override.get(c, f'"{c}"') for c in columns]
        return model._meta.db_table, columns, f"SELECT {', '.join(exprs)} FROM {source}"

    return [
        same(User, "users_user u", is_staff=f"(u.is_staff OR {_has_role('u.id', INTERNAL_ROLES)})"),
        same(Group, "auth_group"),  # the roles by name: the floor asks only whether one is a partner
        same(User.groups.through, "users_user_groups"),
        same(models.AssignmentGroup, "users_assignmentgroup"),
        same(models.LifecycleState, "cases_lifecyclestate"),
        same(models.Account, "customers_account"),
        same(models.Contact, "customers_contact"),
        same(models.Consumer, "customers_consumer"),
        (models.AccountGrant._meta.db_table, ["id", "user_id", "account_id", "kind"], _account_grants()),
        same(models.Case, "cases_case"),
        same(models.CaseEvent, "cases_caseevent"),
        (models.CaseGrant._meta.db_table, ["id", "user_id", "case_id"],
         f"SELECT row_number() OVER (), user_id, content_object_id FROM ({_grants('cases_case', 'view_case')}) g"),
    ]


def create_database(url: str, progress: Callable[[str], None]) -> None:
    name = psycopg.conninfo.conninfo_to_dict(_pg_url(url))["dbname"]
    server = psycopg.conninfo.make_conninfo(_pg_url(url), dbname="postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            progress(f"created database {name}")


def drop_database(url: str) -> None:
    """For tests: drop the floor's database (it must be the floor's: its name ends in `_stock`)."""
    name = psycopg.conninfo.conninfo_to_dict(_pg_url(url))["dbname"]
    if not name.endswith("_stock"):
        raise ValueError(f"refusing to drop {name}: not a stock floor database")
    server = psycopg.conninfo.make_conninfo(_pg_url(url), dbname="postgres")
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def copy_rows(product_url: str, floor_url: str, progress: Callable[[str], None]) -> dict[str, int]:
    steps = plan()
    counts = {}
    with psycopg.connect(_pg_url(product_url)) as src, psycopg.connect(_pg_url(floor_url)) as dst:
        with dst.transaction():
            tables = [table for table, _, _ in steps] + ["authtoken_token", "django_session", "auth_group_permissions"]
            dst.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
            for table, columns, select in steps:
                started = time.perf_counter()
                target = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
                with src.cursor().copy(f"COPY ({select}) TO STDOUT") as out, dst.cursor().copy(target) as into:
                    for block in out:
                        into.write(block)
                counts[table] = dst.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
                elapsed = time.perf_counter() - started
                progress(f"{table}: {counts[table]:,} rows in {elapsed:.1f} s ({counts[table] / max(elapsed, 1e-6):,.0f} rows/s)")
                dst.execute(sql.SQL(
                    "SELECT setval(pg_get_serial_sequence({t}, 'id'), COALESCE((SELECT max(id) FROM {i}), 0) + 1, false)"
                ).format(t=sql.Literal(table), i=sql.Identifier(table)))
            dst.execute("SELECT setval('floor_case_number', COALESCE((SELECT max(substr(number, 3)::bigint) "
                        "FROM floor_case WHERE number ~ '^CS[0-9]+$'), 0) + 1, false)")
    with psycopg.connect(_pg_url(floor_url), autocommit=True) as dst:
        started = time.perf_counter()
        dst.execute("ANALYZE")
        progress(f"ANALYZE in {time.perf_counter() - started:.1f} s")
    return counts


def seed(product_url: str | None = None, floor_url: str | None = None,
         progress: Callable[[str], None] = print) -> dict[str, int]:
    """Create, migrate and fill the floor's database from the product's (DATABASE_URL)."""
    import django
    from django.core.management import call_command

    product_url = product_url or os.environ["DATABASE_URL"]
    floor_url = floor_url or stock_database_url()
    create_database(floor_url, progress)
    django.setup()
    call_command("migrate", verbosity=0)
    progress("floor migrated")
    return copy_rows(product_url, floor_url, progress)
