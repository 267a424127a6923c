from django.core.exceptions import ValidationError
from django.db import models

from cases.choices import Actor, StateCategory
from core.models import TimeStampedModel


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


