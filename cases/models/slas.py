"""Service levels (reference 3.4): SLA definitions as data, and the task SLAs they attach to cases.

A `TaskSla` keeps its clock in a few columns, so that reading it and scanning for due notices
needs no arithmetic over its history:
- `counted_before`: business time counted in the finished counted intervals;
- `counting_since`: when the current counted interval began (null while paused or stopped);
- `breach_time`: the planned end (moves out with every pause), `next_check_at`: when the next
  notice threshold (50, 75, 100 %) is due, indexed for the beat scan.
Its `SlaInterval` rows (counted / paused, with why each began and ended) make the clock
explainable and let a schedule change recompute it.

Transition bodies touch only the instance; the calendar arithmetic they need is passed in
(pure functions of catalog.business_hours)."""
import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition

from catalog.business_hours import BusinessCalendar, business_add, business_between
from catalog.models import Contract, Product, Schedule
from core.models import TimeStampedModel
from customers.models import Account

from cases.models.cases import Case

THRESHOLDS = (50, 75, 100)
ZERO = datetime.timedelta(0)


class SlaTarget(models.TextChoices):
    RESPONSE = "response", "Response"
    RESOLUTION = "resolution", "Resolution"


class SlaStage(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


ACTIVE_STAGES = (SlaStage.IN_PROGRESS, SlaStage.PAUSED)


class WhenToCancel(models.TextChoices):
    START_NOT_MET = "start_not_met", "When the start condition no longer matches"
    CANCEL_MATCHES = "cancel_matches", "When the cancel condition matches"
    NEVER = "never", "Never"


class WhenToResume(models.TextChoices):
    PAUSE_NOT_MET = "pause_not_met", "When the pause condition no longer matches"
    RESUME_MATCHES = "resume_matches", "When the resume condition matches"


class ScheduleSource(models.TextChoices):
    DEFINITION = "definition", "The definition's schedule"
    ENTITLEMENT = "entitlement", "The case entitlement's business hours (else the definition's)"


class RetroactiveStart(models.TextChoices):
    NONE = "", "No: count from when the SLA attaches"
    OPENED_AT = "opened_at", "Opened at"
    CREATED_AT = "created_at", "Created at"
    ASSIGNED_AT = "assigned_at", "Assigned at"


class IntervalKind(models.TextChoices):
    COUNTED = "counted", "Counted"
    PAUSED = "paused", "Paused"


def _validate_condition(value) -> None:
    from cases.sla_conditions import condition_clean  # the language lives beside the models

    condition_clean(value)


def _validate_reset_condition(value) -> None:
    from cases.sla_conditions import condition_clean

    condition_clean(value, allow_changes=True)


class SlaDefinition(TimeStampedModel):
    """What an SLA measures and when it starts, pauses, resumes, stops, is cancelled or reset.
    Conditions are data in the small language of `cases.sla_conditions` (docs/architecture.md)."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    target = models.CharField(max_length=16, choices=SlaTarget.choices, default=SlaTarget.RESOLUTION)
    duration = models.DurationField(
        validators=[MinValueValidator(datetime.timedelta(minutes=1))],
        help_text="Business time allowed, counted on the schedule (e.g. '8:00:00', '2 days, 0:00:00').",
    )
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="Business hours the clock counts in; empty means 24x7.",
    )
    schedule_source = models.CharField(max_length=16, choices=ScheduleSource.choices, default=ScheduleSource.DEFINITION)
    start_condition = models.JSONField(default=list, validators=[_validate_condition])
    pause_condition = models.JSONField(default=list, blank=True, validators=[_validate_condition])
    resume_condition = models.JSONField(default=list, blank=True, validators=[_validate_condition])
    stop_condition = models.JSONField(default=list, blank=True, validators=[_validate_condition])
    cancel_condition = models.JSONField(default=list, blank=True, validators=[_validate_condition])
    reset_condition = models.JSONField(default=list, blank=True, validators=[_validate_reset_condition])
    when_to_resume = models.CharField(max_length=16, choices=WhenToResume.choices, default=WhenToResume.PAUSE_NOT_MET)
    when_to_cancel = models.CharField(max_length=16, choices=WhenToCancel.choices, default=WhenToCancel.START_NOT_MET)
    retroactive_start = models.CharField(max_length=16, choices=RetroactiveStart.choices, blank=True, default="")
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name"]
        verbose_name = "SLA definition"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not self.start_condition:
            raise ValidationError({"start_condition": "An SLA needs a start condition."})

    def applies_to(self, case: Case) -> bool:
        """The optional scope: a contract, an account and/or a product the case must have."""
        return (
            (self.contract_id is None or self.contract_id == case.contract_id)
            and (self.account_id is None or self.account_id == case.account_id)
            and (self.product_id is None or self.product_id == case.product_id)
        )


class TaskSla(FSMModelMixin, TimeStampedModel):
    """One SLA running (or run) on one case."""

    definition = models.ForeignKey(SlaDefinition, on_delete=models.PROTECT, related_name="task_slas")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="slas", db_index=False)  # see indexes
    target = models.CharField(max_length=16, choices=SlaTarget.choices, editable=False)
    duration = models.DurationField(editable=False, help_text="The definition's duration when it attached.")
    # No single-column index on schedule or created_at: the recompute reads the running SLAs of a
    # schedule through tasksla_active_schedule, nothing reads them by creation time, and every new
    # case writes two of these rows (docs/case-indexes.md).
    schedule = models.ForeignKey(
        Schedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False,
        help_text="The business hours it counts in (empty: 24x7).", db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    stage = FSMField(max_length=16, choices=SlaStage.choices, default=SlaStage.IN_PROGRESS, protected=True)
    has_breached = models.BooleanField(default=False)
    start_time = models.DateTimeField()
    stop_time = models.DateTimeField(null=True, blank=True)
    breach_time = models.DateTimeField(null=True, blank=True, help_text="Planned end; moves out with each pause.")
    original_breach_time = models.DateTimeField(null=True, blank=True)
    counted_before = models.DurationField(default=ZERO, help_text="Business time of the finished counted intervals.")
    counting_since = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_duration = models.DurationField(default=ZERO, help_text="Wall time spent paused.")
    business_pause_duration = models.DurationField(default=ZERO, help_text="Business time spent paused.")
    notified_pct = models.PositiveSmallIntegerField(default=0, help_text="Highest notice threshold sent (0, 50, 75, 100).")
    next_check_at = models.DateTimeField(null=True, blank=True, help_text="When the next notice threshold is due.")
    watched = models.JSONField(default=dict, blank=True, help_text="Values the reset condition's 'changes' compare to.")

    class Meta:
        ordering = ["start_time", "id"]
        verbose_name = "task SLA"
        constraints = [
            models.UniqueConstraint(
                fields=["case", "definition"], condition=models.Q(stage__in=ACTIVE_STAGES), name="tasksla_one_active",
            ),
        ]
        indexes = [
            # The beat scan: running SLAs whose next threshold is due, oldest first.
            models.Index(
                fields=["next_check_at"], name="tasksla_due",
                condition=models.Q(stage=SlaStage.IN_PROGRESS, next_check_at__isnull=False),
            ),
            # Recompute after a schedule change: the running SLAs counting on it.
            models.Index(fields=["schedule"], name="tasksla_active_schedule", condition=models.Q(stage__in=ACTIVE_STAGES)),
            models.Index(fields=["case", "stage"], name="tasksla_case_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.definition} on case {self.case_id}"

    @property
    def is_active(self) -> bool:
        return self.stage in ACTIVE_STAGES

    # --- the clock (pure) --------------------------------------------------------------------
    def business_elapsed(self, calendar: BusinessCalendar | None, now: datetime.datetime) -> datetime.timedelta:
        running = business_between(calendar, self.counting_since, now) if self.counting_since else ZERO
        return self.counted_before + running

    def threshold_at(self, calendar: BusinessCalendar | None, pct: int) -> datetime.datetime | None:
        """When `pct` % of the duration will have been counted, if the clock keeps running."""
        if self.counting_since is None:
            return None
        left = self.duration * pct / 100 - self.counted_before
        return self.counting_since if left <= ZERO else business_add(calendar, self.counting_since, left)

    def _plan(self, calendar: BusinessCalendar | None) -> None:
        """Breach time and the next due threshold, from the counting columns."""
        self.breach_time = self.threshold_at(calendar, 100)
        upcoming = [p for p in THRESHOLDS if p > self.notified_pct]
        self.next_check_at = self.threshold_at(calendar, upcoming[0]) if upcoming else None

    def begin(self, *, calendar: BusinessCalendar | None, at: datetime.datetime) -> None:
        """Start counting at `at` (creation; the stage is already in progress)."""
        self.start_time = self.counting_since = at
        self._plan(calendar)
        self.original_breach_time = self.breach_time

    def replan(self, calendar: BusinessCalendar | None, *, counted_before: datetime.timedelta,
               business_pause: datetime.timedelta) -> None:
        """After a schedule change: the counted time re-measured on the new calendar."""
        self.counted_before, self.business_pause_duration = counted_before, business_pause
        if self.stage == SlaStage.IN_PROGRESS:
            self._plan(calendar)

    @transition(field=stage, source=SlaStage.IN_PROGRESS, target=SlaStage.PAUSED)
    def pause(self, *, calendar: BusinessCalendar | None, at: datetime.datetime) -> None:
        self.counted_before = self.business_elapsed(calendar, at)
        self.counting_since, self.paused_at, self.next_check_at = None, at, None

    @transition(field=stage, source=SlaStage.PAUSED, target=SlaStage.IN_PROGRESS)
    def resume(self, *, calendar: BusinessCalendar | None, at: datetime.datetime) -> None:
        if self.paused_at is not None:
            self.pause_duration += at - self.paused_at
            self.business_pause_duration += business_between(calendar, self.paused_at, at)
        self.paused_at, self.counting_since = None, at
        self._plan(calendar)

    def _finish(self, calendar: BusinessCalendar | None, at: datetime.datetime) -> None:
        if self.paused_at is not None:
            self.pause_duration += at - self.paused_at
            self.business_pause_duration += business_between(calendar, self.paused_at, at)
        self.counted_before = self.business_elapsed(calendar, at)
        self.counting_since = self.paused_at = self.next_check_at = None
        self.stop_time = at

    @transition(field=stage, source=list(ACTIVE_STAGES), target=SlaStage.COMPLETED)
    def complete(self, *, calendar: BusinessCalendar | None, at: datetime.datetime) -> None:
        self._finish(calendar, at)
        if self.counted_before >= self.duration:
            self.has_breached = True

    @transition(field=stage, source=list(ACTIVE_STAGES), target=SlaStage.CANCELLED)
    def cancel(self, *, calendar: BusinessCalendar | None, at: datetime.datetime) -> None:
        self._finish(calendar, at)


class SlaInterval(models.Model):
    """One stretch of a task SLA's life: counted or paused, and why it began and ended."""

    # Not indexed on its own: slainterval_sla_time leads with it (docs/case-indexes.md).
    task_sla = models.ForeignKey(TaskSla, on_delete=models.CASCADE, related_name="intervals", db_index=False)
    kind = models.CharField(max_length=8, choices=IntervalKind.choices)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    begin_reason = models.CharField(max_length=255)
    end_reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["task_sla", "started_at"], name="slainterval_sla_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.started_at:%Y-%m-%d %H:%M}"
