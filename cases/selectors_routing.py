"""Routing reads: which rule applies to a case, which agents may take it and in which order, the
managers' ranking ("who should take this case"), and the scoped lists of rules and offers.

Eligibility (reference 3.2 AWA): an agent is offered work only if they are an active member of
the group, their presence is *available*, they have free capacity for the case's channel and,
when the rule uses skills, every mandatory skill at its minimum level. Free capacity = the
agent's capacity for the channel (`AgentChannelCapacity`; none set = 0) minus their active cases
of that channel (new, open, awaiting info: resolved cases wait on the customer, closed and
cancelled are done) minus their open offers of that channel (an offer reserves a slot).

Order (documented in docs/architecture.md): optional-skill score first when the rule uses
skills (how many of its optional skills the agent has at or above the level), then the strategy
(round robin: the agent whose last assignment or offer is oldest, never-assigned first; most
capacity: most free slots, then round robin), then the user id, so the order is total and
deterministic."""
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from cases import permissions_routing
from cases.choices import StateCategory
from cases.models import AgentRoutingState, AssignmentRule, Case, CaseOffer, RoutingSkillRequirement
from cases.models.routing import RULE_CONDITIONS, OfferState, RoutingStrategy
from core.refcache import Reference
from users.choices import Presence
from users.models import AgentChannelCapacity, AgentPresence, AgentSkill, User

# Cases that use an agent's capacity.
LOAD_CATEGORIES = (StateCategory.NEW, StateCategory.OPEN, StateCategory.AWAITING)
_NEVER = datetime.datetime.min.replace(tzinfo=datetime.UTC)


# --- scoped lists --------------------------------------------------------------------------------
def assignment_rule_list_for_user(*, user) -> QuerySet[AssignmentRule]:
    if not permissions_routing.can_supervise_routing(user):
        return AssignmentRule.objects.none()
    requirements = Prefetch("skill_requirements", queryset=RoutingSkillRequirement.objects.select_related("skill"))
    return AssignmentRule.objects.select_related(
        "assignment_group", "assigned_to", "case_type", "product", "account", "service_definition"
    ).prefetch_related(requirements)


def case_offer_list_for_user(*, user) -> QuerySet[CaseOffer]:
    """Managers and admins see every offer; an agent sees the offers made to them."""
    qs = CaseOffer.objects.select_related("case", "agent", "assignment_group")
    if not user or not user.is_authenticated:
        return qs.none()
    if permissions_routing.can_supervise_routing(user):
        return qs
    return qs.filter(agent=user)


# --- rules ---------------------------------------------------------------------------------------
_FK_CONDITIONS = ("case_type", "product", "account", "service_definition")


def _attr(name: str) -> str:
    return f"{name}_id" if name in _FK_CONDITIONS else name


def case_condition_values(case: Case) -> dict:
    return {name: getattr(case, _attr(name)) for name in RULE_CONDITIONS}


def rule_matches(rule: AssignmentRule, values: dict) -> bool:
    """Every condition the rule gives holds for the case's values (blank = any). The one test of
    a rule, used by live routing and by the replay alike."""
    for name in RULE_CONDITIONS:
        wanted = getattr(rule, _attr(name))
        if wanted in (None, ""):
            continue
        if values.get(name) != wanted:
            return False
    return True


def rule_for_case(case: Case, *, group_id: int | None = None) -> AssignmentRule | None:
    """The first active rule, in order, whose conditions hold; with `group_id`, only that group's
    rules (a case already in a group keeps it: rules only distribute its work). Rules are few:
    they are read in order and tested here, by the same function the replay uses."""
    values = case_condition_values(case)
    rules = ACTIVE_RULES.get()
    if group_id is not None:
        rules = [r for r in rules if r.assignment_group_id == group_id]
    return next((r for r in rules if rule_matches(r, values)), None)


def rule_requirements(rule: AssignmentRule) -> list[RoutingSkillRequirement]:
    """The skills routing applies for the rule: its requirements when it uses skills, else none."""
    if not rule.use_skills:
        return []
    cached = getattr(rule, "_prefetched_objects_cache", {}).get("skill_requirements")
    return list(cached) if cached is not None else list(rule.skill_requirements.select_related("skill"))


def _load_active_rules() -> list[AssignmentRule]:
    requirements = Prefetch("skill_requirements", queryset=RoutingSkillRequirement.objects.select_related("skill"))
    return list(
        AssignmentRule.objects.filter(active=True).select_related("assignment_group")
        .prefetch_related(requirements).order_by("order", "id")
    )


# The active rules in order, with their group and skills, cached per process (core.refcache):
# routing reads them for every new or re-routed case.
ACTIVE_RULES = Reference(
    "cases.assignment_rules", _load_active_rules,
    models=("cases.AssignmentRule", "cases.RoutingSkillRequirement", "users.AssignmentGroup", "users.Skill"),
)


def active_rules() -> list[AssignmentRule]:
    return list(ACTIVE_RULES.get())


# --- candidates and their order -------------------------------------------------------------------
@dataclass
class Candidate:
    """An agent as routing weighs them. `mandatory_ok` and `optional_score` come from the rule's
    skills (computed in SQL for live routing, from the levels by `with_skills` in the replay)."""

    user_id: int
    username: str
    capacity: int
    load: int = 0
    open_offers: int = 0
    last_assigned_at: datetime.datetime | None = None
    mandatory_ok: bool = True
    optional_score: int = 0

    @property
    def free(self) -> int:
        return max(self.capacity - self.load - self.open_offers, 0)

    def with_skills(self, levels: dict[int, int], requirements: Iterable[RoutingSkillRequirement]) -> "Candidate":
        self.mandatory_ok = skills_check(levels, requirements)[0]
        self.optional_score = optional_score(levels, requirements)
        return self


def skills_check(levels: dict[int, int], requirements: Iterable[RoutingSkillRequirement]) -> tuple[bool, list, list]:
    """(all mandatory met, requirements met, mandatory requirements missing)."""
    met, missing = [], []
    for req in requirements:
        if levels.get(req.skill_id, 0) >= req.min_level:
            met.append(req)
        elif req.mandatory:
            missing.append(req)
    return not missing, met, missing


def optional_score(levels: dict[int, int], requirements: Iterable[RoutingSkillRequirement]) -> int:
    return sum(1 for r in requirements if not r.mandatory and levels.get(r.skill_id, 0) >= r.min_level)


def order_candidates(candidates: Iterable[Candidate], *, strategy: str) -> list[Candidate]:
    """Eligible candidates (free > 0, mandatory skills met) best first: optional-skill score,
    then the strategy, then the user id. Pure: live routing and the replay share it."""
    eligible = [c for c in candidates if c.free > 0 and c.mandatory_ok]

    def key(c: Candidate):
        idle = (c.last_assigned_at is not None, c.last_assigned_at or _NEVER)
        by_strategy = ((-c.free, *idle) if strategy == RoutingStrategy.MOST_CAPACITY else idle)
        return (-c.optional_score, *by_strategy, c.user_id)

    return sorted(eligible, key=key)


def _open_offers(channel: str) -> Coalesce:
    rows = (
        CaseOffer.objects.filter(agent=OuterRef("pk"), state=OfferState.OFFERED, case__channel=channel)
        .order_by().values("agent").annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def eligible_candidates(
    *, group_id: int, channel: str, rule: AssignmentRule | None = None, exclude_case_id: int | None = None,
) -> list[Candidate]:
    """Available active members of the group with a capacity for the channel who have the
    rule's mandatory skills (when it uses skills), with their open offers of the channel, last
    assignment and optional-skill score (one statement), then their active cases of the channel,
    each counted up to their own capacity (one more): two statements whatever the group's size
    or history. Members who declined `exclude_case_id` are left out.

    Hand-written SQL (portable: PostgreSQL and SQLite) because this is routing's hot path: the
    ORM spent ~10 ms building these statements, against ~2 ms to run them (bench/README)."""
    skills = rule is not None and rule.use_skills
    req, agent_skill = _table(RoutingSkillRequirement), _table(AgentSkill)
    met = "s.user_id = u.id AND s.skill_id = r.skill_id AND s.level >= r.min_level"
    skill_sql = (
        f"(SELECT COUNT(*) FROM {req} r WHERE r.rule_id = %s AND NOT r.mandatory "
        f"AND EXISTS (SELECT 1 FROM {agent_skill} s WHERE {met}))"
        if skills else "0"
    )
    mandatory_sql = (
        f"AND NOT EXISTS (SELECT 1 FROM {req} r WHERE r.rule_id = %s AND r.mandatory "
        f"AND NOT EXISTS (SELECT 1 FROM {agent_skill} s WHERE {met}))"
        if skills else ""
    )
    sql = f"""
        SELECT u.id, u.username, cap.max_items, rs.last_assigned_at,
               (SELECT COUNT(*) FROM {_table(CaseOffer)} o JOIN {_table(Case)} c ON c.id = o.case_id
                 WHERE o.agent_id = u.id AND o.state = %s AND c.channel = %s),
               {skill_sql}
          FROM {_table(User)} u
          JOIN {_table(User.assignment_groups.through)} m ON m.user_id = u.id AND m.assignmentgroup_id = %s
          JOIN {_table(AgentPresence)} p ON p.user_id = u.id AND p.status = %s
          JOIN {_table(AgentChannelCapacity)} cap ON cap.user_id = u.id AND cap.channel = %s AND cap.max_items > 0
          LEFT JOIN {_table(AgentRoutingState)} rs ON rs.user_id = u.id
         WHERE u.is_active
           AND u.id NOT IN (SELECT d.agent_id FROM {_table(CaseOffer)} d WHERE d.case_id = %s AND d.state IN (%s, %s))
           {mandatory_sql}
         ORDER BY u.id"""
    params = [
        OfferState.OFFERED, channel, *([rule.pk] if skills else []), group_id, Presence.AVAILABLE, channel,
        exclude_case_id or 0, OfferState.REJECTED, OfferState.TIMED_OUT, *([rule.pk] if skills else []),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return []
    loads = _loads(channel, [(row[0], row[2]) for row in rows])
    return [
        Candidate(
            user_id=row[0], username=row[1], capacity=row[2], load=loads[row[0]], open_offers=row[4],
            last_assigned_at=_as_datetime(row[3]), optional_score=row[5],
        )
        for row in rows
    ]


def _as_datetime(value):
    """SQLite hands back timestamps as text from a raw cursor; PostgreSQL as aware datetimes."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    parsed = datetime.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _loads(channel: str, agents: list[tuple[int, int]]) -> dict[int, int]:
    """{user id: active cases of the channel assigned to them, counted up to their capacity}:
    one statement, a UNION ALL of one part per distinct capacity (usually one or two; a part per
    agent would cost PostgreSQL more to plan than to run). Each count stops at the capacity, a
    constant LIMIT, so PostgreSQL walks the assignee index and stops: an agent with 10,000 open
    cases costs what one with a full inbox does."""
    by_capacity: dict[int, list[int]] = {}
    for user_id, capacity in agents:
        by_capacity.setdefault(capacity, []).append(user_id)
    categories = ", ".join(["%s"] * len(LOAD_CATEGORIES))
    parts, params = [], []
    for capacity, ids in sorted(by_capacity.items()):
        parts.append(
            f"SELECT u.id, (SELECT COUNT(*) FROM (SELECT 1 FROM {_table(Case)} c WHERE c.assigned_to_id = u.id "
            f"AND c.channel = %s AND c.state_category IN ({categories}) LIMIT %s) b) "
            f"FROM {_table(User)} u WHERE u.id IN ({', '.join(['%s'] * len(ids))})"
        )
        params += [channel, *LOAD_CATEGORIES, capacity, *ids]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return dict(cursor.fetchall())


def agent_channel_loads(*, user_id: int, capacities: dict[str, int]) -> dict[str, int]:
    """{channel: the agent's active cases of that channel}, each counted up to one more than the
    channel's capacity (enough to say "full" or "over"), in one statement whatever their backlog:
    the inbox's capacity counters, with the load routing uses."""
    if not capacities:
        return {}
    categories = ", ".join(["%s"] * len(LOAD_CATEGORIES))
    parts, params = [], []
    for channel, capacity in capacities.items():
        parts.append(
            f"(SELECT COUNT(*) FROM (SELECT 1 FROM {_table(Case)} c WHERE c.assigned_to_id = %s AND c.channel = %s "
            f"AND c.state_category IN ({categories}) LIMIT %s) b)"
        )
        params += [user_id, channel, *LOAD_CATEGORIES, capacity + 1]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return dict(zip(capacities, cursor.fetchone()))


def agents_who_declined(case: Case) -> QuerySet:
    """Agents who rejected this case or let its offer time out: never offered it again (a
    subquery, so the eligibility query excludes them without a round trip of its own)."""
    return CaseOffer.objects.filter(case=case, state__in=(OfferState.REJECTED, OfferState.TIMED_OUT)).values("agent_id")


def open_offer_id() -> Subquery:
    """Annotation for a case queryset: the id of the case's open offer, if any."""
    rows = CaseOffer.objects.filter(case=OuterRef("pk"), state=OfferState.OFFERED).values("pk")[:1]
    return Subquery(rows, output_field=IntegerField())


# --- the managers' ranking -----------------------------------------------------------------------
@dataclass
class RankedAgent:
    rank: int
    user_id: int
    username: str
    name: str
    presence: str
    available: bool
    open_cases: int
    capacity: int
    free_capacity: int
    matching_skills: list[str]
    mandatory_skills_met: bool
    missing_skills: list[str]
    eligible: bool
    reasons: list[str]


def agent_ranking(*, case: Case, group_id: int, rule: AssignmentRule | None) -> list[RankedAgent]:
    """Every active member of the group, ranked by availability, then matching skills (mandatory
    ones met first, then how many of the rule's skills they have), then fewest open cases; equal
    criteria share a rank (1, 1, 3). Also whether routing would offer them this case now, and if
    not, why. A constant number of queries whatever the group's size."""
    requirements = rule_requirements(rule) if rule is not None else []
    channel = case.channel
    members = list(
        User.objects.filter(assignment_groups=group_id, is_active=True)
        .annotate(
            presence_status=F("presence__status"),
            capacity=Subquery(
                AgentChannelCapacity.objects.filter(user=OuterRef("pk"), channel=channel).values("max_items")[:1],
                output_field=IntegerField(),
            ),
            offers=_open_offers(channel),
        )
        .values("pk", "username", "first_name", "last_name", "presence_status", "capacity", "offers")
    )
    ids = [m["pk"] for m in members]
    totals: dict[int, int] = {}
    of_channel: dict[int, int] = {}
    for user_id, ch, n in (
        Case.objects.filter(assigned_to_id__in=ids, state_category__in=LOAD_CATEGORIES)
        .order_by().values("assigned_to_id", "channel").annotate(n=Count("pk")).values_list("assigned_to_id", "channel", "n")
    ):
        totals[user_id] = totals.get(user_id, 0) + n
        if ch == channel:
            of_channel[user_id] = n
    levels: dict[int, dict[int, int]] = {}
    if requirements:
        for user_id, skill_id, level in AgentSkill.objects.filter(
            user_id__in=ids, skill_id__in=[r.skill_id for r in requirements]
        ).values_list("user_id", "skill_id", "level"):
            levels.setdefault(user_id, {})[skill_id] = level
    declined = {row["agent_id"] for row in agents_who_declined(case)} if case.pk else set()

    entries = []
    for m in members:
        presence = m["presence_status"] or Presence.OFFLINE
        capacity = m["capacity"] or 0
        free = max(capacity - of_channel.get(m["pk"], 0) - m["offers"], 0)
        mandatory_ok, met, missing = skills_check(levels.get(m["pk"], {}), requirements)
        reasons = []
        if presence != Presence.AVAILABLE:
            reasons.append(f"presence is {presence}")
        if capacity == 0:
            reasons.append(f"no capacity set for {channel}")
        elif free == 0:
            reasons.append(f"at capacity for {channel}")
        if missing:
            reasons.append("lacks " + ", ".join(f"{r.skill.name} ≥ {r.min_level}" for r in missing))
        if m["pk"] in declined:
            reasons.append("rejected this case or let its offer time out")
        entries.append(
            RankedAgent(
                rank=0, user_id=m["pk"], username=m["username"],
                name=f"{m['first_name']} {m['last_name']}".strip() or m["username"], presence=presence,
                available=presence == Presence.AVAILABLE, open_cases=totals.get(m["pk"], 0), capacity=capacity,
                free_capacity=free, matching_skills=[r.skill.name for r in met], mandatory_skills_met=mandatory_ok,
                missing_skills=[r.skill.name for r in missing], eligible=not reasons, reasons=reasons,
            )
        )

    def criteria(e: RankedAgent):
        return (not e.available, not e.mandatory_skills_met, -len(e.matching_skills), e.open_cases)

    entries.sort(key=lambda e: (criteria(e), e.username))
    previous = None
    for position, entry in enumerate(entries, start=1):
        entry.rank = position if criteria(entry) != previous else entries[position - 2].rank
        previous = criteria(entry)
    return entries
