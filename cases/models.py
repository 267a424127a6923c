from django.core.exceptions import ValidationError
from django.db import models
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.choices import (
    Actor,
    CaseCategory,
    CaseState,
    CaseTypeCategory,
    EventKind,
    Impact,
    MajorCaseState,
    Priority,
    StateCategory,
)
from catalog.models import Asset, Contract, Entitlement, InstallBaseItem, Product, ServiceDefinition, SoldProduct
from core.choices import Channel
from core.models import TimeStampedModel
from customers.models import Account, Consumer, Contact
from users.models import AssignmentGroup, User


# --- lifecycles as data ------------------------------------------------------------------------
class Lifecycle(TimeStampedModel):
    """A case state machine defined as data: its states and the actions between them. Admins add
    lifecycles, states and transitions without code; django-fsm enforces them on every case."""

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False, help_text="Used by case types without a lifecycle of their own.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_lifecycle"),
        ]

    def __str__(self) -> str:
        return self.name


class LifecycleState(models.Model):
    lifecycle = models.ForeignKey(Lifecycle, on_delete=models.CASCADE, related_name="states")
    code = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    category = models.CharField(max_length=16, choices=StateCategory.choices)
    is_initial = models.BooleanField(default=False)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["lifecycle", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lifecycle", "code"], name="lifecyclestate_unique_code"),
            models.UniqueConstraint(
                fields=["lifecycle"], condition=models.Q(is_initial=True), name="lifecyclestate_one_initial"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lifecycle}: {self.label}"


class LifecycleTransition(models.Model):
    """One action from one state. `required_fields` name the inputs the action insists on."""

    REQUIRABLE = ("comment", "reason", "resolution_code", "close_notes", "assignment_group", "assigned_to")

    lifecycle = models.ForeignKey(Lifecycle, on_delete=models.CASCADE, related_name="transitions")
    action = models.SlugField(max_length=40, help_text="The API command, e.g. propose-solution.")
    label = models.CharField(max_length=100)
    source = models.ForeignKey(LifecycleState, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(LifecycleState, on_delete=models.CASCADE, related_name="+")
    actor = models.CharField(max_length=16, choices=Actor.choices, default=Actor.AGENT)
    required_fields = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["lifecycle", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lifecycle", "action", "source", "actor"], name="lifecycletransition_unique"
            ),
        ]

    def clean(self) -> None:
        errors = {}
        for name in ("source", "target"):
            state = getattr(self, name, None) if getattr(self, f"{name}_id") else None
            if state is not None and state.lifecycle_id != self.lifecycle_id:
                errors[name] = "The state belongs to another lifecycle."
        unknown = [f for f in (self.required_fields or []) if f not in self.REQUIRABLE]
        if not isinstance(self.required_fields, list) or unknown:
            errors["required_fields"] = f"Unknown field(s) {unknown}; choose from {', '.join(self.REQUIRABLE)}."
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return f"{self.label}: {self.source.code} → {self.target.code}"


# --- case types --------------------------------------------------------------------------------
class CaseType(TimeStampedModel):
    """A kind of case (ServiceNow `sn_case_type`), with its lifecycle and typed extra fields.
    The link to service definitions lives here, not in catalog, because cases depends on catalog
    and never the reverse."""

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    category = models.CharField(max_length=16, choices=CaseTypeCategory.choices, default=CaseTypeCategory.GENERAL)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    lifecycle = models.ForeignKey(
        Lifecycle, null=True, blank=True, on_delete=models.PROTECT, related_name="case_types",
        help_text="Blank: the default lifecycle.",
    )
    service_definitions = models.ManyToManyField(
        ServiceDefinition, blank=True, related_name="case_types",
        help_text="Services whose requests open a case of this type.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseTypeField(models.Model):
    """A typed extra field of a case type, stored in `Case.extra` under `name`."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        NUMBER = "number", "Number"
        DATE = "date", "Date"
        BOOLEAN = "boolean", "Yes/no"
        CHOICE = "choice", "Choice"

    case_type = models.ForeignKey(CaseType, on_delete=models.CASCADE, related_name="fields")
    name = models.SlugField(max_length=50)
    label = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True)
    customer_visible = models.BooleanField(default=True)
    help_text = models.CharField(max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["case_type", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["case_type", "name"], name="casetypefield_unique_name")]

    def clean(self) -> None:
        if self.kind == self.Kind.CHOICE and not (
            isinstance(self.choices, list) and self.choices and all(isinstance(c, str) and c for c in self.choices)
        ):
            raise ValidationError({"choices": "A choice field needs a list of non-empty values."})
        if self.kind != self.Kind.CHOICE and self.choices:
            raise ValidationError({"choices": "Only choice fields have choices."})

    def __str__(self) -> str:
        return f"{self.case_type}: {self.label}"


# --- the case ----------------------------------------------------------------------------------
def _transition_matches(case: "Case") -> bool:
    """django-fsm condition: the pending lifecycle transition starts from the case's state."""
    pending = getattr(case, "_pending_transition", None)
    return pending is not None and pending.lifecycle_id == case.lifecycle_id and pending.source.code == case.state


class Case(ConcurrentTransitionMixin, TimeStampedModel):
    number = models.CharField(max_length=16, unique=True, editable=False)
    lifecycle = models.ForeignKey(Lifecycle, on_delete=models.PROTECT, related_name="cases", editable=False)
    state = FSMField(max_length=40, default=CaseState.NEW, protected=True)
    state_category = models.CharField(
        max_length=16, choices=StateCategory.choices, default=StateCategory.NEW, editable=False
    )
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Bumped by every change.")

    short_description = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=CaseCategory.choices, default=CaseCategory.ISSUE)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.LOW)
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    case_type = models.ForeignKey(CaseType, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    extra = models.JSONField(default=dict, blank=True, help_text="Values of the case type's extra fields.")

    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    consumer = models.ForeignKey(Consumer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    partner = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="partner_cases"
    )
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    sold_product = models.ForeignKey(SoldProduct, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    install_base_item = models.ForeignKey(
        InstallBaseItem, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    entitlement = models.ForeignKey(Entitlement, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    service_definition = models.ForeignKey(
        ServiceDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )

    assignment_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    assigned_to = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases")
    assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    reassignment_count = models.PositiveIntegerField(default=0, editable=False)
    watch_list = models.ManyToManyField(User, blank=True, related_name="watched_cases")

    resolution_code = models.CharField(max_length=32, blank=True)
    close_notes = models.TextField(blank=True)
    opened_at = models.DateTimeField(editable=False)
    opened_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    first_response_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    needs_attention = models.BooleanField(default=False)
    reopen_count = models.PositiveIntegerField(default=0, editable=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    major_case_state = models.CharField(max_length=16, choices=MajorCaseState.choices, blank=True, default="")
    # The project lives in `projects`, above `cases`; the link is by id until that app exists.
    customer_project_id = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-updated_at"]
        permissions = [
            ("view_all_cases", "See every case"),
            ("work_case", "Work cases as an agent (assign, request info, propose solution, close)"),
        ]
        indexes = [
            # The agent queue: one group's active cases, most recently updated first.
            models.Index(
                fields=["assignment_group", "-updated_at"],
                name="case_group_active_updated",
                condition=models.Q(state_category__in=["new", "open", "awaiting", "resolved"]),
            ),
            models.Index(fields=["assigned_to", "state_category", "-updated_at"], name="case_assignee_cat_updated"),
            models.Index(fields=["state_category", "-updated_at"], name="case_category_updated"),
            models.Index(fields=["account", "-updated_at"], name="case_account_updated"),
            models.Index(fields=["contact", "-updated_at"], name="case_contact_updated"),
            models.Index(fields=["consumer", "-updated_at"], name="case_consumer_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.short_description}"

    @property
    def is_read_only(self) -> bool:
        return self.state_category in (StateCategory.CLOSED, StateCategory.CANCELLED)

    @transition(field=state, source="*", target=RETURN_VALUE(), conditions=[_transition_matches])
    def move(self, lifecycle_transition: LifecycleTransition) -> str:
        """Take one lifecycle transition (set `_pending_transition` first; services do)."""
        target = lifecycle_transition.target
        self.state_category = target.category
        return target.code


class CaseEvent(models.Model):
    """One entry of a case's activity timeline: journal entries (comments, work notes), field and
    state changes, attachments and emails. Written only by cases.events.case_event_record."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(db_index=True)
    body = models.TextField(blank=True)
    field = models.CharField(max_length=50, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    customer_visible = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="caseevent_case_time"),
            models.Index(fields=["case", "kind", "created_at"], name="caseevent_case_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian direct-FK grants on one case (an authorized related party)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)
