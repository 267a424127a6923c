"""Task plan templates (reference 5.5): a Draft -> Published template whose items become case
tasks when it is applied to a case, each item only where all its conditions hold."""
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from cases.choices import Priority
from cases.models.cases import Case
from core.models import TimeStampedModel
from users.models import AssignmentGroup, User


class TemplateState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


#: Case fields an item condition may test, and the ops it may use.
CONDITION_FIELDS = ("priority", "category", "channel", "case_type", "product", "account")
CONDITION_OPS = ("eq", "ne", "in")


class TaskTemplate(ConcurrentTransitionMixin, TimeStampedModel):
    number = models.CharField(max_length=16, unique=True, null=True, blank=True, editable=False)
    name = models.CharField(max_length=100)
    short_description = models.CharField(max_length=160, blank=True)
    active = models.BooleanField(default=True)
    state = FSMField(choices=TemplateState.choices, default=TemplateState.DRAFT, protected=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.number}: {self.name}" if self.number else self.name

    @property
    def is_draft(self) -> bool:
        return self.state == TemplateState.DRAFT

    @transition(field=state, source=TemplateState.DRAFT, target=TemplateState.PUBLISHED)
    def publish(self, *, by, at) -> None:
        self.published_at, self.published_by = at, by


class TaskTemplateItem(TimeStampedModel):
    template = models.ForeignKey(TaskTemplate, on_delete=models.CASCADE, related_name="items")
    short_description = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=100)
    assignment_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, null=True, blank=True, help_text="Empty: the case's priority."
    )
    visible_to_customer = models.BooleanField(default=False)
    conditions = models.JSONField(
        default=list, blank=True,
        help_text='All must hold: [{"field": "priority", "op": "in", "value": [1, 2]}]. '
        f"Fields: {', '.join(CONDITION_FIELDS)}; ops: {', '.join(CONDITION_OPS)}.",
    )

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.short_description


class TaskTemplateApplication(models.Model):
    """One application of a template to a case, and how many tasks it created."""

    template = models.ForeignKey(TaskTemplate, on_delete=models.PROTECT, related_name="applications")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="template_applications")
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    applied_at = models.DateTimeField()
    created = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0, help_text="Items whose conditions did not hold.")

    class Meta:
        ordering = ["-applied_at", "-id"]

    def __str__(self) -> str:
        return f"{self.template} on {self.case_id}"
