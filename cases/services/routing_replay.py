"""Routing replay: run today's active rules over the cases of a past period with a strategy, as a
simulation that writes nothing, and compare the per-agent load spread with what happened.

How the simulation works (deterministic: same data, same answer):
- cases created in [start, end) (`created_at` is indexed; cases opened through `case_create`
  have `opened_at` = `created_at`) are taken one by one in order of `opened_at`, then id;
- each is treated as unassigned and new: the first matching active rule (the same conditions as
  live routing) gives its group and either its fixed agent or the best eligible member by the
  strategy asked for (default: each rule's own), with the live ordering code
  (`selectors_routing.order_candidates`);
- load accumulates: a simulated assignment uses one slot of the agent's capacity for the case's
  channel from the case's `opened_at` until it was actually resolved (or closed, or cancelled);
  still-active cases keep their slot. A case with no member free is counted as `queued`;
- what is not known for the past is taken from today: group membership, capacities, skills.
  Presence is not recorded over time, so every member counts as available.
The actual side counts each case's real assignee. Both sides are reported over the same agents:
the members of the groups the rules sent cases to, plus everyone who really had one."""
import datetime
import heapq
import statistics
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import permissions_routing, selectors_routing
from cases.models import Case
from cases.models.routing import RULE_CONDITIONS, RoutingStrategy
from users.models import AgentChannelCapacity, AgentSkill, AssignmentGroup, User

__all__ = ["routing_replay", "REPLAY_MAX_DAYS", "REPLAY_MAX_CASES"]
REPLAY_MAX_DAYS = 31
REPLAY_MAX_CASES = 100_000
_FOREVER = datetime.datetime.max.replace(tzinfo=datetime.UTC)
_COLUMNS = (
    "pk", "opened_at", "assigned_to_id", "resolved_at", "closed_at", "case_type_id", "product_id", "account_id",
    "priority", "channel", "service_definition_id",
)


def _window(start, end) -> tuple[datetime.datetime, datetime.datetime]:
    end = end or timezone.now()
    start = start or end - datetime.timedelta(days=7)
    if start >= end:
        raise ValidationError({"start": "The start must be before the end."})
    if end - start > datetime.timedelta(days=REPLAY_MAX_DAYS):
        raise ValidationError({"end": f"Replay at most {REPLAY_MAX_DAYS} days at once."})
    return start, end


def _spread(counts: list[int]) -> dict:
    if not counts:
        return {"max": 0, "min": 0, "mean": 0.0, "std_dev": 0.0}
    return {
        "max": max(counts), "min": min(counts), "mean": round(statistics.fmean(counts), 3),
        "std_dev": round(statistics.pstdev(counts), 3),
    }


def routing_replay(
    *, actor=None, start: datetime.datetime | None = None, end: datetime.datetime | None = None,
    strategy: str | None = None,
) -> dict:
    """Simulate the active rules over the period (default: the last 7 days) with `strategy`
    (round_robin, most_capacity, or None for each rule's own) and compare with what happened."""
    if actor is not None:
        permissions_routing.require_can_supervise_routing(actor)
    if strategy not in (None, "", *RoutingStrategy.values):
        raise ValidationError({"strategy": f"Choose one of {', '.join(RoutingStrategy.values)}."})
    start, end = _window(start, end)
    rows = list(
        Case.objects.filter(created_at__gte=start, created_at__lt=end)
        .order_by("opened_at", "pk").values(*_COLUMNS)[: REPLAY_MAX_CASES + 1]
    )
    if len(rows) > REPLAY_MAX_CASES:
        raise ValidationError({"start": f"More than {REPLAY_MAX_CASES} cases in the period; replay a shorter one."})

    rules = selectors_routing.active_rules()
    group_ids = {r.assignment_group_id for r in rules}
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, user_id in (
        AssignmentGroup.members.through.objects.filter(assignmentgroup_id__in=group_ids, user__is_active=True)
        .order_by("user_id").values_list("assignmentgroup_id", "user_id")
    ):
        members[group_id].append(user_id)
    member_ids = {u for ids in members.values() for u in ids}
    capacity = {
        (u, ch): n for u, ch, n in AgentChannelCapacity.objects.filter(user_id__in=member_ids).values_list("user_id", "channel", "max_items")
    }
    skill_ids = {req.skill_id for r in rules if r.use_skills for req in r.skill_requirements.all()}
    levels: dict[int, dict[int, int]] = defaultdict(dict)
    for u, skill, level in AgentSkill.objects.filter(user_id__in=member_ids, skill_id__in=skill_ids).values_list(
        "user_id", "skill_id", "level"
    ):
        levels[u][skill] = level

    chosen = RoutingStrategy(strategy).value if strategy else None
    simulated: dict[int, int] = defaultdict(int)
    last_assigned: dict[int, datetime.datetime] = {}
    releases: dict[tuple[int, str], list[datetime.datetime]] = defaultdict(list)  # min-heaps of slot ends
    queued = no_rule = 0
    used_groups: set[int] = set()
    for row in rows:
        values = {name: row[f"{name}_id" if f"{name}_id" in row else name] for name in RULE_CONDITIONS}
        rule = next((r for r in rules if selectors_routing.rule_matches(r, values)), None)
        if rule is None:
            no_rule += 1
            continue
        used_groups.add(rule.assignment_group_id)
        at, channel = row["opened_at"], row["channel"]
        if rule.assigned_to_id:
            agent = rule.assigned_to_id
        else:
            requirements = selectors_routing.rule_requirements(rule)
            candidates = []
            for user_id in members[rule.assignment_group_id]:
                heap = releases[(user_id, channel)]
                while heap and heap[0] <= at:
                    heapq.heappop(heap)
                candidates.append(
                    selectors_routing.Candidate(
                        user_id=user_id, username="", capacity=capacity.get((user_id, channel), 0), load=len(heap),
                        last_assigned_at=last_assigned.get(user_id),
                    ).with_skills(levels.get(user_id, {}), requirements)
                )
            ordered = selectors_routing.order_candidates(candidates, strategy=chosen or rule.strategy)
            if not ordered:
                queued += 1
                continue
            agent = ordered[0].user_id
        simulated[agent] += 1
        last_assigned[agent] = at
        ends = [t for t in (row["resolved_at"], row["closed_at"]) if t is not None]
        heapq.heappush(releases[(agent, channel)], min(ends) if ends else _FOREVER)

    actual: dict[int, int] = defaultdict(int)
    for row in rows:
        if row["assigned_to_id"]:
            actual[row["assigned_to_id"]] += 1
    agent_ids = {u for g in used_groups for u in members[g]} | set(simulated) | set(actual)
    names = dict(User.objects.filter(pk__in=agent_ids).values_list("pk", "username"))
    agents = sorted(agent_ids, key=lambda u: (names.get(u, ""), u))
    return {
        "start": start,
        "end": end,
        "strategy": chosen or "per_rule",
        "cases": len(rows),
        "agents": [
            {"user_id": u, "username": names.get(u, ""), "simulated": simulated.get(u, 0), "actual": actual.get(u, 0)}
            for u in agents
        ],
        "simulated": {
            "assigned": sum(simulated.values()), "queued": queued, "no_rule": no_rule,
            **_spread([simulated.get(u, 0) for u in agents]),
        },
        "actual": {
            "assigned": sum(actual.values()), "unassigned": len(rows) - sum(actual.values()),
            **_spread([actual.get(u, 0) for u in agents]),
        },
    }
