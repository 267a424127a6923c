"""The customer side's lists read arm by arm: a page in recency order and a capped count whose
cost is bounded by the reader's own cases, not by the size of the case table (issue 15).

`cases.permissions.case_scope_q` ORs the ways into a customer's cases (opened by them, their
contacts, consumers, granted cases, administered or partnered accounts, cases naming their
account as partner). For a page in recency order PostgreSQL then either walks the whole
`case_updated` index backwards filtering every row by the scope (what it picks when it expects
matches spread evenly: 37,000 rows for 20 of a 500-case contact's open cases at a million cases,
and the whole active index when the reader has no open case) or reads every case of the scope and
sorts them (5,000 heap pages for a customer admin). Here each way in is its own arm, read in its
index's order and cut at the page's end:

- one arm per contact, consumer, account and partner account (`unnest(ids)` and a LATERAL
  subquery each: the covering `case_contact_state_updated` and `case_account_state_updated`
  ((contact | account), -updated_at) INCLUDE (id, state_category), answered from the index
  alone, `case_consumer_updated` and the partner FK index), one for the cases the reader opened,
  one for granted ids;
- the arms' top rows merged, duplicates dropped, the page cut; the page's rows then read by
  primary key, in one statement with the arms.

The count is `COUNT(*)` over the distinct ids of the arms, each arm cut at the cap: the same
indexes, at most arms x (cap + 1) index entries. SQLite (and a scope holding a subquery, past
`SCOPE_ID_LIMIT` ids) read through `case_scope_q` the plain way: same rows, same order."""
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import IntegerField, Q, QuerySet, Value
from django.db.models.expressions import RawSQL

from cases.models import Case
from cases.permissions import CaseScope, case_scope

ORDER = ("-updated_at", "-id")
_TABLE = Case._meta.db_table


def reader_scope(user) -> CaseScope | None:
    """The reader's scope, resolved once per request; None for a reader who sees every case."""
    if user.has_perm("cases.view_all_cases"):
        return None
    return case_scope(user)


def customer_case_page(
    scope: CaseScope | None, *, filter_q: Q | None = None, limit: int, offset: int = 0, columns=(),
    count_cap: int | None = None,
) -> list[Case]:
    """Cases `offset` to `offset + limit` of the scope (and `filter_q`, on the case's own
    columns) in recency order (-updated_at, -id), with only `columns` loaded. With `count_cap`,
    each row also carries `capped_count`: `customer_case_count`'s statement as a scalar subquery
    of the page's (one round trip; an empty page has no row to carry it)."""
    plain = _plain(scope, filter_q)
    if plain is not None:
        qs = plain.order_by(*ORDER)
        if count_cap is not None:
            qs = qs.annotate(capped_count=_plain_count(plain, count_cap))
        qs = qs[offset: offset + limit]
        return list(qs.only(*columns) if columns else qs)
    where, params = _where(filter_q)
    if where is None:
        return []
    sql, sql_params = _page_sql(scope, where, params, limit=limit, offset=offset)
    qs = Case.objects.filter(pk__in=RawSQL(sql, sql_params)).order_by(*ORDER)
    if count_cap is not None:
        qs = qs.annotate(capped_count=RawSQL(*_count_sql(scope, where, params, cap=count_cap)))
    return list(qs.only(*columns) if columns else qs)


def _plain_count(qs: QuerySet, cap: int):
    try:
        sql, params = qs.order_by().values("pk")[: cap + 1].query.sql_with_params()
    except EmptyResultSet:  # a filter that matches nothing by construction
        return Value(0, output_field=IntegerField())
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) capped", params)


def customer_case_count(scope: CaseScope | None, *, filter_q: Q | None = None, cap: int) -> tuple[int, bool]:
    """(count up to `cap`, whether more match): the scope's cases (and `filter_q`), counted arm by
    arm on the arms' indexes and never past cap + 1."""
    plain = _plain(scope, filter_q)
    if plain is not None:
        counted = plain.order_by()[: cap + 1].count()
        return min(counted, cap), counted > cap
    where, params = _where(filter_q)
    if where is None:
        return 0, False
    sql, sql_params = _count_sql(scope, where, params, cap=cap)
    with connection.cursor() as cursor:
        cursor.execute(sql, sql_params)
        counted = cursor.fetchone()[0]
    return min(counted, cap), counted > cap


# --- the portable path ---------------------------------------------------------------------------
def _plain(scope: CaseScope | None, filter_q: Q | None) -> QuerySet[Case] | None:
    """The queryset for the plain path, or None when the per-arm statements apply."""
    if scope is not None and connection.vendor == "postgresql" and scope.lists_only and _plain_filter(filter_q):
        return None
    qs = Case.objects.all() if scope is None else Case.objects.filter(scope.q())
    return qs.filter(filter_q) if filter_q else qs


def _plain_filter(filter_q: Q | None) -> bool:
    """The filter reads only the case's own columns (no join): it can go into every arm."""
    return not filter_q or len(Case.objects.filter(filter_q).query.alias_map) <= 1


# --- PostgreSQL: arm by arm ----------------------------------------------------------------------
def _where(filter_q: Q | None) -> tuple[str | None, list]:
    """The filter as SQL on the case table ("" for none; None when it matches nothing)."""
    if not filter_q:
        return "", []
    query = Case.objects.filter(filter_q).query
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        return None, []
    return sql, list(params)


def _arms(scope: CaseScope, where: str, where_params: list, *, columns: str, limit: int | None, ordered: bool):
    """The statements of the scope's arms, each its own index's walk (ordered and cut at `limit`
    when `ordered`), selecting `columns` of the case table."""
    cond = f" AND ({where})" if where else ""
    order = f' ORDER BY "{_TABLE}"."updated_at" DESC, "{_TABLE}"."id" DESC' if ordered else ""
    cut = " LIMIT %s" if limit is not None else ""
    cut_params = [limit] if limit is not None else []
    arms, params = [], []

    def single(condition: str, value) -> None:
        arms.append(f'(SELECT {columns} FROM "{_TABLE}" WHERE {condition}{cond}{order}{cut})')
        params.extend([value, *where_params, *cut_params])

    def per_id(column: str, ids: list[int]) -> None:
        if not ids:
            return
        if not ordered:  # counting: one index scan of the whole list
            single(f'"{_TABLE}"."{column}" = ANY(%s::bigint[])', ids)
            return
        inner = f'SELECT {columns} FROM "{_TABLE}" WHERE "{_TABLE}"."{column}" = arm.v{cond}{order}{cut}'
        arms.append(f"(SELECT t.* FROM unnest(%s::bigint[]) AS arm(v) CROSS JOIN LATERAL ({inner}) t)")
        params.extend([ids, *where_params, *cut_params])

    single(f'"{_TABLE}"."opened_by_id" = %s', scope.user_id)
    per_id("contact_id", scope.contacts)
    per_id("consumer_id", scope.consumers)
    per_id("account_id", scope.accounts)
    per_id("partner_id", scope.partners)
    if scope.granted:
        single(f'"{_TABLE}"."id" = ANY(%s::bigint[])', scope.granted)
    return arms, params


def _page_sql(scope: CaseScope, where: str, where_params: list, *, limit: int, offset: int) -> tuple[str, list]:
    columns = f'"{_TABLE}"."id", "{_TABLE}"."updated_at"'
    arms, params = _arms(scope, where, where_params, columns=columns, limit=limit + offset, ordered=True)
    sql = (
        f"SELECT merged.id FROM ({' UNION ALL '.join(arms)}) merged GROUP BY merged.id, merged.updated_at "
        "ORDER BY merged.updated_at DESC, merged.id DESC LIMIT %s OFFSET %s"
    )
    return sql, [*params, limit, offset]


def _count_sql(scope: CaseScope, where: str, where_params: list, *, cap: int) -> tuple[str, list]:
    arms, params = _arms(scope, where, where_params, columns=f'"{_TABLE}"."id"', limit=cap + 1, ordered=False)
    sql = f"SELECT COUNT(*) FROM (SELECT merged.id FROM ({' UNION ALL '.join(arms)}) merged GROUP BY merged.id LIMIT %s) c"
    return sql, [*params, cap + 1]
