"""Routing and assignment (reference 3.2): assignment rules as data, the skills a rule asks for,
offers of a case to one agent's inbox, and each agent's last-assignment time for round robin.

Data shape of skills: a rule lists its skills (`RoutingSkillRequirement`: skill, minimum level,
mandatory or not). A mandatory skill filters agents (they need it at or above the level); the
optional ones are scored (how many of them the agent has at or above the level). A rule for a
case type is how a case type asks for skills, so there is one place to look."""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.choices import Priority
from cases.models.case_types import CaseType
from cases.models.cases import Case
from catalog.models import Product, ServiceDefinition
from core.choices import Channel
from core.models import TimeStampedModel
from customers.models import Account
from users.models import AssignmentGroup, Skill, User


class RoutingStrategy(models.TextChoices):
    ROUND_ROBIN = "round_robin", "Round robin (the agent idle longest)"
    MOST_CAPACITY = "most_capacity", "Most free capacity"


class OfferState(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    TIMED_OUT = "timed_out", "Timed out"
    CANCELLED = "cancelled", "Cancelled"


# The conditions of a rule: case field -> rule field. Blank on the rule means "any".
RULE_CONDITIONS = ("case_type", "product", "account", "priority", "channel", "service_definition")


class AssignmentRule(TimeStampedModel):
    """Ordered, data-driven assignment: the first active rule whose conditions all hold for an
    unassigned case gives it a group, and either a fixed agent or an offer to the group's best
    eligible agent by the rule's strategy."""

    name = models.CharField(max_length=100)
    order = models.PositiveIntegerField(default=100, help_text="Lower runs first.")
    active = models.BooleanField(default=True)
    # Conditions (blank = any).
    case_type = models.ForeignKey(CaseType, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, null=True, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    service_definition = models.ForeignKey(
        ServiceDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Outcome.
    assignment_group = models.ForeignKey(AssignmentGroup, on_delete=models.PROTECT, related_name="assignment_rules")
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Assign straight to this member of the group (no offer).",
    )
    strategy = models.CharField(max_length=16, choices=RoutingStrategy.choices, default=RoutingStrategy.ROUND_ROBIN)
    use_skills = models.BooleanField(
        default=False, help_text="Apply the rule's skills: mandatory ones filter agents, optional ones rank them."
    )

    class Meta:
        ordering = ["order", "id"]
        permissions = [("supervise_routing", "See routing rules and all offers, rank agents, replay routing")]
        indexes = [models.Index(fields=["active", "order", "id"], name="assignmentrule_active_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"

    def conditions_text(self) -> str:
        parts = []
        for name in RULE_CONDITIONS:
            value = getattr(self, name)
            if value not in (None, ""):
                display = getattr(self, f"get_{name}_display", None)
                parts.append(f"{name.replace('_', ' ')} = {display() if display else value}")
        return ", ".join(parts) or "any case"


class RoutingSkillRequirement(models.Model):
    rule = models.ForeignKey(AssignmentRule, on_delete=models.CASCADE, related_name="skill_requirements")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    min_level = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(5)], help_text="1 (novice) to 5 (expert)"
    )
    mandatory = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "skill"], name="routingskill_unique_rule_skill"),
            models.CheckConstraint(condition=Q(min_level__gte=1, min_level__lte=5), name="routingskill_level_1_5"),
        ]

    def __str__(self) -> str:
        kind = "mandatory" if self.mandatory else "optional"
        return f"{self.skill} ≥ {self.min_level} ({kind})"


class CaseOffer(ConcurrentTransitionMixin, models.Model):
    """A routed case offered to one agent's inbox until they accept, reject (with a reason) or the
    offer times out; a manual assignment cancels it. At most one open offer per case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="case_offers")
    assignment_group = models.ForeignKey(AssignmentGroup, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(AssignmentRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="offers")
    state = FSMField(max_length=16, choices=OfferState.choices, default=OfferState.OFFERED, protected=True)
    reason = models.TextField(blank=True)
    offered_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-offered_at", "-id"]
        indexes = [
            models.Index(fields=["state", "expires_at"], name="caseoffer_state_expires"),  # the timeout scan
            models.Index(fields=["agent", "state", "-offered_at"], name="caseoffer_agent_state"),  # an inbox
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(state=OfferState.OFFERED), name="caseoffer_one_open_per_case"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.agent_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state == OfferState.OFFERED

    @transition(field=state, source=OfferState.OFFERED, target=OfferState.ACCEPTED)
    def accept(self, *, at) -> None:
        self.responded_at = at

    @transition(field=state, source=OfferState.OFFERED, target=OfferState.REJECTED)
    def reject(self, *, at, reason: str) -> None:
        self.responded_at, self.reason = at, reason

    @transition(field=state, source=OfferState.OFFERED, target=OfferState.TIMED_OUT)
    def time_out(self, *, at) -> None:
        self.responded_at, self.reason = at, "No answer before the offer expired."

    @transition(field=state, source=OfferState.OFFERED, target=OfferState.CANCELLED)
    def cancel(self, *, at, reason: str) -> None:
        self.responded_at, self.reason = at, reason


class AgentRoutingState(models.Model):
    """When an agent last got work (an assignment, or an offer, which reserves them): round robin
    offers the next case to the agent whose time is oldest. Kept by cases.services.routing."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="routing_state")
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.last_assigned_at}"
