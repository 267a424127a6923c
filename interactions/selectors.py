"""Every read of interactions, already scoped: internal readers see all of them, everyone else none
(so an interaction is a 404 to a customer in every interface). The inbox reads are bounded: a
constant number of queries, each through an index, whatever the number of rows."""
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from cases import hooks as case_hooks
from cases import selectors as case_selectors
from cases import selectors_routing
from cases.models import Case, CaseOffer
from cases.models.routing import OfferState
from core.choices import Channel
from interactions import permissions
from interactions.choices import CASE_CHANNEL, MESSAGE_KINDS, WAITING_STATES, WORKING_STATES
from interactions.models import Interaction, InteractionEntry, InteractionRelatedRecord
from users.models import AgentChannelCapacity, AgentPresence

INBOX_LIMIT = 25  # rows per inbox section; the counts above them say how many more wait
COUNT_CAP = 1000
# What a row of the inbox or the list shows: hydrating only these keeps a page of rows cheap.
ROW_FIELDS = (
    "id", "number", "type", "state", "short_description", "caller_name", "caller_address", "opened_at", "queued_at",
    "accepted_at", "account", "account__name", "contact", "contact__first_name", "contact__last_name", "consumer",
    "consumer__first_name", "consumer__last_name", "assignment_group", "assignment_group__name", "assigned_to",
    "assigned_to__username", "assigned_to__first_name", "assigned_to__last_name",
)


OFFER_FIELDS = (
    "id", "state", "expires_at", "offered_at", "agent", "agent__username", "assignment_group",
    "assignment_group__name", "case", "case__number", "case__short_description", "case__priority", "case__channel",
    "case__state", "case__account", "case__account__name", "case__contact", "case__contact__first_name",
    "case__contact__last_name", "case__consumer", "case__consumer__first_name", "case__consumer__last_name",
)


def interaction_list_for_user(*, user) -> QuerySet[Interaction]:
    if not permissions.can_view_interactions(user):
        return Interaction.objects.none()
    return Interaction.objects.all()


def interaction_rows_for_user(*, user) -> QuerySet[Interaction]:
    """With the related names a record shows, in the same query."""
    return interaction_list_for_user(user=user).select_related(
        "account", "contact", "consumer", "assigned_to", "assignment_group"
    )


def interaction_list_rows_for_user(*, user) -> QuerySet[Interaction]:
    """For list pages: only the columns a row shows."""
    return interaction_rows_for_user(user=user).only(*ROW_FIELDS)


def interaction_get_for_user(*, user, key: str) -> Interaction:
    """By number (IMS0000001) or id; Interaction.DoesNotExist outside the user's scope."""
    qs = interaction_rows_for_user(user=user).select_related("parent", "opened_by", "accepted_by", "closed_by")
    key = str(key)
    if key.isascii() and key.isdigit():
        return qs.get(pk=int(key))
    return qs.get(number=key.upper())


def interaction_entries_for_user(*, user, interaction: Interaction) -> QuerySet[InteractionEntry]:
    if not permissions.can_view_interactions(user):
        return InteractionEntry.objects.none()
    return interaction.entries.select_related("author").order_by("created_at", "id")


def interaction_transcript(interaction: Interaction) -> QuerySet[InteractionEntry]:
    """The conversation only (no work notes), oldest first: what a case created from it copies."""
    return interaction.entries.filter(kind__in=MESSAGE_KINDS).select_related("author").order_by("created_at", "id")


def interaction_cases_for_user(*, user, interaction: Interaction) -> QuerySet[InteractionRelatedRecord]:
    """The linked cases the user may see (all of them, for an internal reader)."""
    visible = case_selectors.case_list_for_user(user=user).values("pk")
    return (
        interaction.related_records.filter(case_id__in=visible)
        .select_related("case", "case__assigned_to", "created_by")
        .order_by("created_at", "id")
    )


def case_interaction_list_for_user(*, user, case: Case) -> QuerySet[Interaction]:
    """The interactions linked to a case, for a caller who already fetched the case through the
    case selector (out of scope: 404 there): every one for an internal reader, none for anyone
    else (interactions are internal records). One statement: the links as a subquery."""
    linked = InteractionRelatedRecord.objects.filter(case=case).values("interaction_id")
    return interaction_list_for_user(user=user).filter(pk__in=linked)


def case_interactions_for_user(*, user, case: Case, limit: int = 50) -> list[InteractionRelatedRecord]:
    """The case's links (`limit` + 1 of them: the caller tells whether there are more). None, and
    no query, when the record page's read of the case found none (cases.hooks' presence)."""
    if not permissions.can_view_interactions(user) or not case_hooks.case_panel_has_rows(case, "interactions"):
        return []
    rows = (
        InteractionRelatedRecord.objects.filter(case=case)
        .select_related("interaction", "interaction__assigned_to", "interaction__contact", "interaction__consumer")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    return list(rows)


def case_panel_context(*, user, case: Case) -> dict:
    """The case record page's "Interactions" panel (cases.hooks): two queries at most."""
    rows = case_interactions_for_user(user=user, case=case)
    return {"links": rows[:50], "more": len(rows) > 50, "can_view": permissions.can_view_interactions(user)}


def case_by_key_for_user(*, user, key: str) -> Case | None:
    """A case the user may see, by number or id (None: not found or not theirs)."""
    qs = case_selectors.case_list_for_user(user=user)
    key = (key or "").strip()
    if not key:
        return None
    if key.isascii() and key.isdigit():
        return qs.filter(pk=int(key)).first()
    return qs.filter(number=key.upper()).first()


# --- the inbox -----------------------------------------------------------------------------------
def inbox_waiting_for_user(*, user) -> QuerySet[Interaction]:
    """New and on-hold interactions in the user's groups' queues and in no queue, oldest first."""
    if not permissions.can_work_interactions(user):
        return Interaction.objects.none()
    groups = permissions.user_group_ids(user)
    return (
        Interaction.objects.filter(state__in=WAITING_STATES)
        .filter(Q(assignment_group_id__in=groups) | Q(assignment_group__isnull=True))
        .select_related("account", "contact", "consumer", "assignment_group", "assigned_to")
        .only(*ROW_FIELDS)
        .order_by("queued_at", "id")
    )


def inbox_mine_for_user(*, user) -> QuerySet[Interaction]:
    """The user's interactions in progress or in wrap up, oldest accepted first."""
    return (
        Interaction.objects.filter(assigned_to=user, state__in=WORKING_STATES)
        .select_related("account", "contact", "consumer", "assignment_group", "assigned_to")
        .only(*ROW_FIELDS)
        .order_by("accepted_at", "id")
    )


def inbox_offers_for_user(*, user) -> QuerySet[CaseOffer]:
    """The user's own open case offers (routing), soonest to expire first."""
    return (
        selectors_routing.case_offer_list_for_user(user=user)
        .filter(agent=user, state=OfferState.OFFERED)
        .select_related("case__account", "case__contact", "case__consumer")
        .only(*OFFER_FIELDS)
        .order_by("expires_at", "id")
    )


@dataclass
class CapacityCounter:
    channel: str
    label: str
    capacity: int
    cases: int  # active cases of the channel assigned to the agent (counted up to capacity + 1)
    offers: int
    interactions: int

    @property
    def used(self) -> int:
        return self.cases + self.offers + self.interactions

    @property
    def level(self) -> str:
        if self.used > self.capacity:
            return "bad"
        return "warn" if self.used == self.capacity else "ok"


def inbox_capacity_counters(*, user, offers: list[CaseOffer], mine: list[Interaction]) -> list[CapacityCounter]:
    """Per channel the agent has a capacity for: open items against it. Cases as routing counts
    them (one bounded statement), plus the offers and interactions the inbox already loaded."""
    capacities = dict(
        AgentChannelCapacity.objects.filter(user=user).order_by("channel").values_list("channel", "max_items")
    )
    loads = selectors_routing.agent_channel_loads(user_id=user.pk, capacities=capacities)
    labels = dict(Channel.choices)
    counters = []
    for channel, capacity in capacities.items():
        counters.append(
            CapacityCounter(
                channel=channel,
                label=labels.get(channel, channel),
                capacity=capacity,
                cases=loads.get(channel, 0),
                offers=sum(1 for offer in offers if offer.case.channel == channel),
                interactions=sum(1 for item in mine if CASE_CHANNEL.get(item.type) == channel),
            )
        )
    return counters


def agent_presence_status(*, user) -> str:
    row = AgentPresence.objects.filter(user=user).values_list("status", flat=True).first()
    return row or "offline"


def capped_count(queryset: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """A bounded count: (min(count, cap), whether there are more)."""
    counted = queryset.order_by()[: cap + 1].count()
    return min(counted, cap), counted > cap
