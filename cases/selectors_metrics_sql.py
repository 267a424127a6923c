"""Hand-written SQL of the dashboards (`cases.selectors_metrics`): PostgreSQL only, each function
answering None elsewhere, where its caller takes the portable path beside the call."""
from django.db import connection
from django.db.models import QuerySet


def grouping_sets_rows(
    qs: QuerySet, key: str, within: tuple[str, ...], summed: tuple[str, ...],
) -> tuple[list[dict], list[dict]] | None:
    """Two groupings from one scan. `qs` is the ORM's `values(key, *within).annotate(...)` (no
    ordering; its scope, filters and aggregates as written there), grouped by all of them: the
    database runs it as usual (a parallel hash aggregate) and regroups its rows two ways,
    GROUPING SETS ((within...), (key)), adding up the `summed` annotations. Returns (rows by
    `within`, rows by `key`), or None when not on PostgreSQL.

    The manager dashboard by account needs the open backlog by state and its breakdown by account
    (thousands of keys): otherwise two scans of the open cases (about 220,000 at a million
    cases), or tens of thousands of (account, state) rows for Python to add up. One GROUPING SETS
    aggregate straight over the cases cannot run in parallel and evaluates every aggregate twice
    per case; regrouping the grouped rows costs next to nothing."""
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.query.sql_with_params()
    quote = connection.ops.quote_name
    keys = [f"grouped.{quote(k)}" for k in (key, *within)]
    sums = [f"COALESCE(SUM(grouped.{quote(s)}), 0)::bigint AS {quote(s)}" for s in summed]
    # GROUPING(key) is 1 on the rows of the `within` set (the key folded), 0 on the key's rows,
    # so a key that is NULL (a case with no account) stays apart from the other set's rows.
    regrouped = (
        f"SELECT {', '.join(keys)}, {', '.join(sums)}, GROUPING({keys[0]}) AS grouping_set_key "
        f"FROM ({sql}) grouped GROUP BY GROUPING SETS (({', '.join(keys[1:])}), ({keys[0]}))"
    )
    with connection.cursor() as cursor:
        cursor.execute(regrouped, params)
        names = [description.name for description in cursor.description]
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
    by_within, by_key = [], []
    for row in rows:
        (by_within if row.pop("grouping_set_key") == 1 else by_key).append(row)
    return by_within, by_key
