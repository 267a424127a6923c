"""Human record numbers: PREFIX + 7 digits, unique and gap-tolerant under concurrent creation.

PostgreSQL: one SEQUENCE per prefix (nextval never blocks and never repeats, even across
rolled-back transactions). The known prefixes' sequences are created by a migration; a new
prefix gets its sequence on first use, safely when several processes race to create it.
Elsewhere: an UPDATE ... RETURNING on a counter row, which SQLite
serialises. The unique constraint on each `number` column is the backstop."""
import re

from django.db import IntegrityError, ProgrammingError, connection, models, transaction
from django.db.models.expressions import RawSQL

from core.models import NumberCounter

_PREFIX = re.compile(r"^[A-Z]{2,10}$")
WIDTH = 7


def number_next(prefix: str) -> str:
    if not _PREFIX.match(prefix):
        raise ValueError(f"bad number prefix {prefix!r}")
    return f"{prefix}{_next_value(prefix):0{WIDTH}d}"


def number_for_insert(prefix: str) -> str | RawSQL:
    """The number for a row about to be inserted into a `core.models.NumberField`. On PostgreSQL,
    for a prefix whose sequence a migration made, an expression the INSERT evaluates (nextval in
    the row's own statement: one round trip fewer); the INSERT returns the number. Elsewhere, the
    number itself, as `number_next` makes it."""
    if not _PREFIX.match(prefix):
        raise ValueError(f"bad number prefix {prefix!r}")
    if connection.vendor != "postgresql" or prefix not in KNOWN_PREFIXES:
        return number_next(prefix)
    # nextval in FROM: evaluated once, then padded to WIDTH digits (never truncated past them).
    return RawSQL(
        f"(SELECT %s || lpad(v::text, greatest({WIDTH}, length(v::text)), '0') FROM nextval(%s::regclass) AS v)",
        [prefix, sequence_name(prefix)], output_field=models.CharField(),
    )


def _next_value(prefix: str) -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _pg_next_value(cursor, sequence_name(prefix))
        NumberCounter.objects.get_or_create(prefix=prefix)
        table = NumberCounter._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE prefix = %s RETURNING last_value",
            [prefix],
        )
        return cursor.fetchone()[0]


KNOWN_PREFIXES = ("ACC", "CNTR", "CS", "CSTASK", "CSL", "IMS", "PRJ")


def sequence_name(prefix: str) -> str:
    return f"number_seq_{prefix.lower()}"


def _pg_next_value(cursor, seq: str) -> int:
    # Looked up and advanced in one statement: no row (and no error that would abort the
    # surrounding transaction) when the sequence does not exist yet.
    query = (
        "SELECT nextval(c.oid) FROM pg_class c "
        "WHERE c.relkind = 'S' AND c.relname = %s AND pg_table_is_visible(c.oid)"
    )
    for _ in range(2):
        cursor.execute(query, [seq])
        row = cursor.fetchone()
        if row is not None:
            return row[0]
        try:
            with transaction.atomic():  # a savepoint: losing the race must not abort the caller
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {seq}")
        except (IntegrityError, ProgrammingError):
            pass  # another process created it at the same moment
    raise RuntimeError(f"could not create the number sequence {seq}")
