from django.db import models

from cases.choices import CaseTypeCategory
from catalog.models import ServiceDefinition
from core.models import TimeStampedModel


class CaseType(TimeStampedModel):
    """A kind of case (ServiceNow `sn_case_type`). The cases issue gives it extra fields and a
    lifecycle; the foundation needs it so service definitions can name the case type they open.
    The link lives here, not in catalog, because cases depends on catalog and never the reverse."""

    name = models.CharField(max_length=100, unique=True)
    code = models.SlugField(max_length=50, unique=True)
    category = models.CharField(max_length=16, choices=CaseTypeCategory.choices, default=CaseTypeCategory.GENERAL)
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    service_definitions = models.ManyToManyField(
        ServiceDefinition, blank=True, related_name="case_types",
        help_text="Services whose requests open a case of this type.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
