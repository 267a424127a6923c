from django.core.exceptions import ValidationError
from django.db import models

from cases.choices import CaseTypeCategory
from cases.models.lifecycles import Lifecycle
from catalog.models import ServiceDefinition
from core.models import TimeStampedModel


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


