"""Human record numbers: PREFIX + 7 digits, unique and gap-tolerant under concurrent creation.

PostgreSQL: one SEQUENCE per prefix (nextval never blocks and never repeats, even across
rolled-back transactions). Elsewhere: an UPDATE ... RETURNING on a counter row, which SQLite
serialises. The unique constraint on each `number` column is the backstop."""
import re

from django.db import connection

from core.models import NumberCounter

_PREFIX = re.compile(r"^[A-Z]{2,10}$")
WIDTH = 7


def number_next(prefix: str) -> str:
    if not _PREFIX.match(prefix):
        raise ValueError(f"bad number prefix {prefix!r}")
    return f"{prefix}{_next_value(prefix):0{WIDTH}d}"


def _next_value(prefix: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            seq = f"number_seq_{prefix.lower()}"
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {seq}")
            cursor.execute(f"SELECT nextval('{seq}')")
            return cursor.fetchone()[0]
        NumberCounter.objects.get_or_create(prefix=prefix)
        table = NumberCounter._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE prefix = %s RETURNING last_value",
            [prefix],
        )
        return cursor.fetchone()[0]
