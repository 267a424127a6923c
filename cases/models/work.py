"""Work on a case beyond the case itself: case tasks (CSTASK, reference 5.4) with the "blocked by"
record they put on their case (reference 2.3), and case lines (CSL, reference 5.3).

State machines are django-fsm transitions that touch only the instance; the services in
`cases.services.work` lock, check the actor, transition, save and write the case timeline."""
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition  # includes FSMModelMixin

from cases.choices import Priority
from cases.models.cases import Case
from catalog.models import Asset, InstallBaseItem, Product, ServiceDefinition, SoldProduct
from core.models import TimeStampedModel
from customers.models import Account, Consumer, Contact
from users.models import AssignmentGroup, User


class TaskState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class LineState(models.TextChoices):
    DRAFT = "draft", "Draft"
    NEW = "new", "New"
    WORK_IN_PROGRESS = "work_in_progress", "Work in progress"
    AWAITING_INFO = "awaiting_info", "Awaiting info"
    RESOLVED_ACCEPTED = "resolved_accepted", "Resolved - Accepted"
    RESOLVED_DENIED = "resolved_denied", "Resolved - Denied"
    CANCELLED = "cancelled", "Cancelled"


LINE_TERMINAL = (LineState.RESOLVED_ACCEPTED, LineState.RESOLVED_DENIED, LineState.CANCELLED)
LINE_WORKING = (LineState.WORK_IN_PROGRESS, LineState.AWAITING_INFO)


class LinePriority(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MODERATE = 3, "3 - Moderate"
    LOW = 4, "4 - Low"
    PLANNING = 5, "5 - Planning"


class LineRequestReason(models.TextChoices):
    NONE = "none", "None"
    INCREASE_DEMAND = "increase_demand", "Increase demand"
    CHANGE_IN_CONTRACT = "change_in_contract", "Change in contract"
    INITIAL_INPUT_INCORRECT = "initial_input_incorrect", "Initial input incorrect"


class LineResolutionCode(models.TextChoices):
    CHANGE_APPROVED = "change_approved", "Change approved"
    ADDED_REPLACEMENT_PRODUCT = "added_replacement_product", "Added replacement product"


class CaseTask(ConcurrentTransitionMixin, TimeStampedModel):
    number = models.CharField(max_length=16, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    # Derived from the parent case by the service, never entered.
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    consumer = models.ForeignKey(
        Consumer, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    short_description = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    service_definition = models.ForeignKey(
        ServiceDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.LOW)
    state = FSMField(max_length=16, choices=TaskState.choices, default=TaskState.OPEN, protected=True)
    assignment_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="case_tasks"
    )
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_case_tasks"
    )
    visible_to_customer = models.BooleanField(default=False)
    opened_at = models.DateTimeField(editable=False)
    opened_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    close_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["case", "state"], name="casetask_case_state"),
            models.Index(fields=["assigned_to", "state", "-updated_at"], name="casetask_assignee_state"),
            models.Index(fields=["assignment_group", "state", "-updated_at"], name="casetask_group_state"),
            models.Index(fields=["state", "-updated_at"], name="casetask_state_updated"),  # all open tasks
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.short_description}"

    @transition(field=state, source=TaskState.OPEN, target=TaskState.CLOSED)
    def close(self, *, at, by, notes: str) -> None:
        self.closed_at, self.closed_by, self.close_notes = at, by, notes

    @transition(field=state, source=TaskState.OPEN, target=TaskState.CANCELLED)
    def cancel(self, *, at, by, notes: str = "") -> None:
        self.closed_at, self.closed_by = at, by
        if notes:
            self.close_notes = notes


class BlockerReason(models.TextChoices):
    """Reference 2.3's reasons for a "blocked by" entry."""

    CUSTOMER_INFO = "customer_info", "Need information from the customer"
    TASK = "task", "Need task resolution"
    PROBLEM_WORKAROUND = "problem_workaround", "Need PRB workaround"
    OTHER = "other", "Other"


class CaseBlocker(models.Model):
    """A "blocked by" entry on a case (reference 2.3): open while its task is open, or (reason
    customer_info, no task) while the case waits for the customer's answer."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="blockers")
    task = models.ForeignKey(CaseTask, null=True, blank=True, on_delete=models.CASCADE, related_name="blocks")
    reason = models.CharField(max_length=20, choices=BlockerReason.choices, default=BlockerReason.TASK)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        # The dashboards' blocked backlog reads the open blockers through the partial unique index
        # below (every open blocker is in it: a NULL task is indexed too).
        indexes = [models.Index(fields=["case", "resolved_at"], name="caseblocker_case_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=models.Q(resolved_at__isnull=True), name="caseblocker_one_open_per_task"
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(resolved_at__isnull=True, reason="customer_info"),
                name="caseblocker_one_open_customer_info",
            ),
        ]

    def __str__(self) -> str:
        if self.task_id is None:
            return f"{self.case_id} blocked: {self.get_reason_display()}"
        return f"{self.case_id} blocked by task {self.task_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class CaseLine(ConcurrentTransitionMixin, TimeStampedModel):
    number = models.CharField(max_length=16, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="lines")
    parent_line = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sold_product = models.ForeignKey(SoldProduct, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    install_base_item = models.ForeignKey(
        InstallBaseItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    short_description = models.CharField(max_length=160)
    priority = models.PositiveSmallIntegerField(choices=LinePriority.choices, default=LinePriority.LOW)
    state = FSMField(max_length=20, choices=LineState.choices, default=LineState.NEW, protected=True)
    request_reason = models.CharField(
        max_length=32, choices=LineRequestReason.choices, default=LineRequestReason.NONE
    )
    resolution_code = models.CharField(max_length=32, choices=LineResolutionCode.choices, blank=True)
    resolution_notes = models.TextField(blank=True)
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_case_lines"
    )
    opened_at = models.DateTimeField(editable=False)
    opened_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["case_id", "number"]
        indexes = [models.Index(fields=["case", "state"], name="caseline_case_state")]

    def __str__(self) -> str:
        return f"{self.number}: {self.short_description}"

    @property
    def is_terminal(self) -> bool:
        return self.state in LINE_TERMINAL

    @transition(field=state, source=LineState.DRAFT, target=LineState.NEW)
    def submit(self) -> None:
        pass

    @transition(field=state, source=LineState.NEW, target=LineState.WORK_IN_PROGRESS)
    def start(self) -> None:
        pass

    @transition(field=state, source=LineState.WORK_IN_PROGRESS, target=LineState.AWAITING_INFO)
    def request_info(self) -> None:
        pass

    @transition(field=state, source=LineState.AWAITING_INFO, target=LineState.WORK_IN_PROGRESS)
    def info_received(self) -> None:
        pass

    @transition(field=state, source=list(LINE_WORKING), target=LineState.RESOLVED_ACCEPTED)
    def accept(self, *, code: str, notes: str, at, by) -> None:
        self.resolution_code, self.resolution_notes, self.resolved_at, self.resolved_by = code, notes, at, by

    @transition(field=state, source=list(LINE_WORKING), target=LineState.RESOLVED_DENIED)
    def deny(self, *, notes: str, at, by) -> None:
        self.resolution_notes, self.resolved_at, self.resolved_by = notes, at, by

    @transition(
        field=state,
        source=[LineState.DRAFT, LineState.NEW, *LINE_WORKING],
        target=LineState.CANCELLED,
    )
    def cancel(self, *, notes: str = "") -> None:
        if notes:
            self.resolution_notes = notes
