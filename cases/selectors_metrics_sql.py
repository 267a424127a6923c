"""Hand-written SQL of the dashboards (`cases.selectors_metrics`): PostgreSQL only, each function
answering None elsewhere, where its caller takes the portable path beside the call."""
from django.db import connection
from django.db.models import QuerySet


def grouping_sets_rows(qs: QuerySet, key: str, within: tuple[str, ...]) -> tuple[list[dict], list[dict]] | None:
    """One scan for two groupings: `qs` is `values(key, *within).annotate(...)` (no ordering); the
    database groups it by GROUPING SETS ((within...), (key)) instead of by all of them. Returns
    (rows by `within`, rows by `key`), each a dict of the values and annotations (the other
    grouping's columns None), or None when not on PostgreSQL or the statement is not as expected.

    The statement is the ORM's own (scope, filters and aggregates as written there) with its
    GROUP BY replaced: the manager dashboard by account needs the open backlog's totals by state
    and priority and its breakdown by account (thousands of keys), which otherwise take two
    scans of the open cases (about 220,000 at a million cases), or a (key, state, priority)
    grouping of tens of thousands of rows for Python to add up."""
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(qs.model._meta.db_table)
    key_sql, *within_sql = [f"{table}.{quote(qs.model._meta.get_field(name).column)}" for name in (key, *within)]
    # The ORM groups by the select list's positions (GROUP BY 1, 2, 3: the values come first) or
    # by the columns themselves; either way the clause ends the statement.
    head, _, group_by = sql.rpartition(" GROUP BY ")
    expected = ({", ".join(str(n) for n in range(1, len(within) + 2)), ", ".join([key_sql, *within_sql])})
    select_end = head.find(" FROM ")
    if not head.startswith("SELECT ") or group_by not in expected or select_end < 0 or " ORDER BY " in sql:
        return None
    # GROUPING(key) is 1 on the rows of the `within` set (the key folded), 0 on the key's rows,
    # so a key that is NULL (a case with no account) stays apart from the totals. Added last, so
    # the positions of the other columns do not move.
    sql = (
        f"{head[:select_end]}, GROUPING({key_sql}) AS grouping_set_key{head[select_end:]}"
        f" GROUP BY GROUPING SETS (({', '.join(within_sql)}), ({key_sql}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        rows = [dict(zip(names, values)) for values in cursor.fetchall()]
    by_within, by_key = [], []
    for row in rows:
        (by_within if row.pop("grouping_set_key") == 1 else by_key).append(row)
    return by_within, by_key
