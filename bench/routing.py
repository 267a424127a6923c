"""Routing one case, measured in-process against the bench database (bench/README.md, "Routing").

Everything runs inside one transaction that is rolled back at the end, so the bench database is
left exactly as it was: the routing set-up (a rule with skills for "Bench Tier 1", presence,
capacity and skills for its four seeded agents, six fresh agents added to it) and every routed
case (each in its own savepoint, rolled back after its measurement).

Figures (median and p95 ms over `iterations` cases, queries from one extra untimed run):
- `route_in_group`: `case_route` on a seeded new, unassigned case of Bench Tier 1: the group's
  rule, eligible agents (presence, capacity against their active cases, skills, who declined),
  order, the offer, the agent's round-robin time and the timeline entry;
- `route_new`: the same case with no group: the rule also sets the group through `case_update`;
- `timeout_scan`: `case_offers_expire_due` with `iterations` due offers: ms per offer timed out
  and offered to the next agent; plus the plan of the scan's query on the due-offers index.
The seeded agents carry thousands of active cases each, so they are full: the bounded count of
their load stops at their capacity, which is what keeps the eligibility query flat."""
import datetime
import math
import os
import statistics
import time
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.seed import bench_group
from cases.models import Case, CaseOffer
from cases.models.routing import OfferState
from cases.services import routing as routing_services
from cases.services import slas as sla_services
from users import services as user_services
from users.models import Skill, User

TARGET_MS = 20.0
WARMUP = 5
FREE_AGENTS = 6
CHANNELS = ("web", "email", "phone", "chat")


class _Rollback(Exception):
    pass


def run(*, iterations: int = 100, progress: Callable[[str], None] = lambda message: None) -> dict:
    result: dict = {}
    try:
        with transaction.atomic():
            group = bench_group()
            rule = _setup(group)
            distinct = _case_ids(group, iterations + WARMUP + 2)
            if not distinct:
                raise RuntimeError(f"No new unassigned case in {group}: run bench_seed first.")
            # The seed writes cases without their SLAs; a case opened through case_create has them
            # already. Attach them first (rolled back with the rest), so `route_new` times routing
            # and the group change, not the first attachment of the case's SLAs.
            for case in Case.objects.filter(pk__in=distinct):
                sla_services.sla_evaluate_case(case)
            # Every routing is rolled back, so a small data set may route the same cases again.
            ids = [distinct[i % len(distinct)] for i in range(iterations + WARMUP + 2)]
            result["meta"] = _meta(iterations, group)
            progress(f"{result['meta']['cases']:,} cases on {result['meta']['database']}; routing x{iterations}")
            result["route_in_group"] = _measure(ids, iterations, lambda pk: None)
            result["route_new"] = _measure(
                ids, iterations, lambda pk: Case.objects.filter(pk=pk).update(assignment_group=None)
            )
            progress("routing done; timeout scan")
            result["timeout_scan"] = _timeout_scan(distinct[:iterations])
            result["rule"] = {"strategy": rule.strategy, "skills": rule.skill_requirements.count(), "members": group.members.count()}
            raise _Rollback
    except _Rollback:
        pass
    result["target"] = {"route_median_ms": TARGET_MS, "met": {
        name: result[name]["median_ms"] < TARGET_MS for name in ("route_in_group", "route_new")
    }}
    return result


def _setup(group):
    """The routing set-up, through the services: a rule with a mandatory and an optional skill,
    the seeded members available (full at capacity 8), six fresh agents (capacity 50) with the skills."""
    mandatory = Skill.objects.filter(name="Bench routing").first() or user_services.skill_create(
        actor=None, name="Bench routing"
    )
    optional = Skill.objects.filter(name="Bench routing extra").first() or user_services.skill_create(
        actor=None, name="Bench routing extra"
    )
    stamp = int(time.time())
    fresh = [
        user_services.user_create(actor=None, username=f"bench_router_{stamp}_{n}", roles=["agent"])
        for n in range(FREE_AGENTS)
    ]
    members = [*group.members.all(), *fresh]
    user_services.assignment_group_update(actor=None, instance=group, members=members)
    for n, agent in enumerate(members):
        user_services.agent_presence_set(actor=None, user=agent, status="available")
        for channel in CHANNELS:  # the seeded members are full at 8; the fresh ones take the offers
            user_services.agent_capacity_set(actor=None, user=agent, channel=channel, max_items=50 if agent in fresh else 8)
        user_services.agent_skill_set(actor=None, user=agent, skill=mandatory, level=3)
        if n % 2:
            user_services.agent_skill_set(actor=None, user=agent, skill=optional, level=2)
    return routing_services.assignment_rule_create(
        actor=None, name="Bench routing", order=0, assignment_group=group, use_skills=True,
        skill_requirements=[
            {"skill": mandatory, "min_level": 2, "mandatory": True},
            {"skill": optional, "min_level": 1, "mandatory": False},
        ],
    )


def _case_ids(group, n: int) -> list[int]:
    return list(
        Case.objects.filter(assignment_group=group, state="new", assigned_to__isnull=True)
        .order_by("-id").values_list("pk", flat=True)[:n]
    )


def _route(pk: int, prepare: Callable[[int], object]) -> tuple[float, str]:
    sid = transaction.savepoint()
    try:
        prepare(pk)
        started = time.perf_counter()
        outcome = routing_services.case_route(case=Case(pk=pk)).outcome
        return (time.perf_counter() - started) * 1000, outcome
    finally:
        transaction.savepoint_rollback(sid)


def _measure(ids: list[int], iterations: int, prepare) -> dict:
    for pk in ids[:WARMUP]:
        _route(pk, prepare)
    timed = [_route(pk, prepare) for pk in ids[WARMUP:WARMUP + iterations]]
    outcomes = {o for _, o in timed}
    if outcomes != {"offered"}:
        raise RuntimeError(f"Expected every case to be offered, got {outcomes}.")
    sid = transaction.savepoint()
    prepare(ids[-1])
    with CaptureQueriesContext(connection) as queries:
        routing_services.case_route(case=Case(pk=ids[-1]))
    transaction.savepoint_rollback(sid)
    return {**_summary([ms for ms, _ in timed]), "queries": len(queries), "sql": [q["sql"] for q in queries.captured_queries]}


def _timeout_scan(ids: list[int]) -> dict:
    sid = transaction.savepoint()
    for pk in ids:
        routing_services.case_route(case=Case(pk=pk))
    offers = CaseOffer.objects.filter(case_id__in=ids, state=OfferState.OFFERED)
    due = timezone.now() - datetime.timedelta(seconds=1)
    count = offers.update(expires_at=due)
    started = time.perf_counter()
    done = routing_services.case_offers_expire_due()
    elapsed = (time.perf_counter() - started) * 1000
    plan = (CaseOffer.objects.filter(state=OfferState.OFFERED, expires_at__lte=timezone.now()).order_by("expires_at", "id").values("pk")[:100]).explain()
    transaction.savepoint_rollback(sid)
    return {
        "offers": count, "timed_out": done, "ms_per_offer": round(elapsed / max(done, 1), 2),
        "total_ms": round(elapsed, 1), "scan_plan": plan,
    }


def _summary(ms: list[float]) -> dict:
    ordered = sorted(ms)
    p95 = ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 2), "p95_ms": round(p95, 2)}


def _meta(iterations: int, group) -> dict:
    from bench.run import _meta as run_meta

    meta = run_meta(iterations, 0)
    meta.pop("creations", None)
    active = Case.objects.filter(
        Q(assigned_to__in=group.members.all()), state_category__in=("new", "open", "awaiting")
    ).count()
    meta["group_members_active_cases"] = active
    meta["offers"] = CaseOffer.objects.count()
    meta["users"] = User.objects.count()
    meta["load_average"] = [round(x, 2) for x in os.getloadavg()]  # a shared machine: say how busy it was
    return meta


def table(result: dict) -> str:
    meta = result["meta"]
    lines = [
        f"{meta['date']}  {meta['database']}  {meta['cases']:,} cases  ({meta['machine']}, load {meta['load_average']})",
        f"group: {result['rule']['members']} members ({meta['group_members_active_cases']:,} active cases on them); "
        f"rule: {result['rule']['strategy']}, {result['rule']['skills']} skills",
        f"{'figure':<30}{'median ms':>10}{'p95 ms':>10}{'queries':>9}",
    ]
    for name, label in (("route_in_group", "route (case in its group)"), ("route_new", "route (rule sets the group)")):
        row = result[name]
        lines.append(f"{label:<30}{row['median_ms']:>10.2f}{row['p95_ms']:>10.2f}{row['queries']:>9}")
    scan = result["timeout_scan"]
    lines.append(f"{'timeout scan':<30}{scan['ms_per_offer']:>10.2f} ms per offer ({scan['timed_out']} timed out and re-offered)")
    lines.append(f"target: route median < {TARGET_MS} ms: " + ", ".join(
        f"{k} {'met' if v else 'MISSED'}" for k, v in result["target"]["met"].items()
    ))
    return "\n".join(lines)
