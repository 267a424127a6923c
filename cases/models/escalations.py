"""Escalations (reference 3.3), their templates, time worked on cases and the entitlement usage
ledger (reference 3.5).

- `Escalation`: a case escalation or an account escalation, requested → escalated | declined →
  closed (django-fsm; transitions touch only the instance). At most one open escalation per case
  and per account (database constraints).
- `EscalationTemplate`: approval rules (skip approval, an approval group, the case assignment
  group's manager); no approvers means the escalation is approved at once.
- `CaseTimeEntry`: minutes an agent worked on a case; charged to an Hours entitlement.
- `EntitlementUsage`: one row per consumption of entitlement units (a closed case, a time entry),
  with what was charged and what could not be (overage). The unique constraints make consumption
  happen once: a case re-closed after a reopen is not charged again.
"""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition  # includes FSMModelMixin

from cases.models.cases import Case
from catalog.models import Entitlement
from core.models import TimeStampedModel
from customers.models import Account
from users.models import AssignmentGroup, User


class EscalationState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ESCALATED = "escalated", "Escalated"
    DECLINED = "declined", "Declined"
    CLOSED = "closed", "Closed"


OPEN_ESCALATION_STATES = (EscalationState.REQUESTED, EscalationState.ESCALATED)


class EscalationSource(models.TextChoices):
    CASE = "case", "Case"
    ACCOUNT = "account", "Account"


class EscalationRequestSource(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    INTERNAL = "internal", "Internal"


class EscalationReason(models.TextChoices):
    INACTIVITY = "inactivity", "Inactivity"
    LACK_OF_PROGRESS = "lack_of_progress", "Lack of progress"
    CUSTOMER_DEADLINE = "customer_deadline", "Customer imposed deadline"


class EscalationSeverity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"


class EscalationTrend(models.TextChoices):
    IMPROVING = "improving", "Improving"
    SAME = "same", "Same"
    DECLINING = "declining", "Declining"


class EscalationTemplate(TimeStampedModel):
    name = models.CharField(max_length=100, unique=True)
    applies_to = models.CharField(max_length=8, choices=EscalationSource.choices, default=EscalationSource.CASE)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    is_default = models.BooleanField(
        default=False, help_text="Used when a request names no template (one default per kind)."
    )
    skip_approval = models.BooleanField(default=False, help_text="Escalate at once, without approval.")
    approval_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Its members approve or decline.",
    )
    add_case_group_manager = models.BooleanField(
        default=False, help_text="Case escalations: the manager of the case's assignment group approves too."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["applies_to"], condition=models.Q(is_default=True), name="escalationtemplate_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Escalation(ConcurrentTransitionMixin, TimeStampedModel):
    number = models.CharField(max_length=16, unique=True, editable=False)
    source = models.CharField(max_length=8, choices=EscalationSource.choices, editable=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations")
    # The escalated account, or the case's account (consumer cases have none): scoping and the
    # "account escalated" rule of auto-close.
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations")
    state = FSMField(max_length=16, choices=EscalationState.choices, default=EscalationState.REQUESTED, protected=True)
    request_source = models.CharField(
        max_length=8, choices=EscalationRequestSource.choices, default=EscalationRequestSource.INTERNAL,
        editable=False,
    )
    reason = models.CharField(max_length=20, choices=EscalationReason.choices)
    severity = models.CharField(max_length=8, choices=EscalationSeverity.choices, default=EscalationSeverity.MEDIUM)
    trend = models.CharField(max_length=10, choices=EscalationTrend.choices, default=EscalationTrend.SAME)
    justification = models.TextField(blank=True)
    template = models.ForeignKey(
        EscalationTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    watch_list = models.ManyToManyField(User, blank=True, related_name="watched_escalations")
    approvers = models.ManyToManyField(
        User, blank=True, related_name="escalations_to_approve", editable=False,
        help_text="Who may approve or decline, fixed when the escalation was requested.",
    )
    # Account escalations are worked like a record of their own.
    assignment_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_escalations"
    )
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    requested_at = models.DateTimeField(editable=False)
    approved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    declined_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    declined_at = models.DateTimeField(null=True, blank=True, editable=False)
    decline_reason = models.TextField(blank=True, editable=False)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
        help_text="De-escalated by.",
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    close_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source="case", case__isnull=False)
                | models.Q(source="account", case__isnull=True, account__isnull=False),
                name="escalation_source_matches",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(source="case", state__in=["requested", "escalated"]),
                name="escalation_one_open_per_case",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(source="account", state__in=["requested", "escalated"]),
                name="escalation_one_open_per_account",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-requested_at"], name="escalation_state_requested"),
            models.Index(fields=["account", "state"], name="escalation_account_state"),
            models.Index(fields=["case", "-requested_at"], name="escalation_case_requested"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_ESCALATION_STATES

    @transition(field=state, source=EscalationState.REQUESTED, target=EscalationState.ESCALATED)
    def approve(self, *, by, at) -> None:
        self.approved_by, self.approved_at = by, at

    @transition(field=state, source=EscalationState.REQUESTED, target=EscalationState.DECLINED)
    def decline(self, *, by, at, reason: str) -> None:
        self.declined_by, self.declined_at, self.decline_reason = by, at, reason

    @transition(
        field=state,
        source=[EscalationState.REQUESTED, EscalationState.ESCALATED, EscalationState.DECLINED],
        target=EscalationState.CLOSED,
    )
    def close(self, *, by, at, reason: str) -> None:
        self.closed_by, self.closed_at, self.close_reason = by, at, reason


class CaseTimeEntry(TimeStampedModel):
    """Time an agent worked on a case (reference 3.5: Hours entitlements are charged from it)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="time_entries")
    agent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", editable=False)
    minutes = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(24 * 60)])
    note = models.TextField(blank=True)
    worked_on = models.DateField()
    entitlement = models.ForeignKey(
        Entitlement, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        help_text="The Hours entitlement this time was charged to.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "case time entries"
        indexes = [
            models.Index(fields=["case", "-created_at"], name="casetime_case_created"),
            models.Index(fields=["entitlement"], name="casetime_entitlement"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min on case {self.case_id}"


class UsageKind(models.TextChoices):
    CASE_CLOSED = "case_closed", "Case closed"
    TIME_WORKED = "time_worked", "Time worked"


class EntitlementUsage(models.Model):
    """Units taken from an entitlement. `charged` came off its remaining units; `overage` could
    not (the entitlement had run out): remaining units never go below zero, overage is flagged."""

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="entitlement_usages")
    time_entry = models.OneToOneField(
        CaseTimeEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="usage"
    )
    kind = models.CharField(max_length=12, choices=UsageKind.choices)
    units = models.DecimalField(max_digits=10, decimal_places=2)
    charged = models.DecimalField(max_digits=10, decimal_places=2)
    overage = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(kind="case_closed"), name="entitlementusage_case_closed_once"
            ),
            models.CheckConstraint(
                condition=models.Q(charged__gte=0, overage__gte=0), name="entitlementusage_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["entitlement", "-created_at"], name="entitlementusage_ent_created")]

    def __str__(self) -> str:
        return f"{self.units} {self.get_kind_display().lower()} on entitlement {self.entitlement_id}"

    @property
    def is_over(self) -> bool:
        return self.overage > 0
