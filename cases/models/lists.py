"""The agent workspace's case lists: the named lists an agent works from, and the filters each
agent saves for themselves (`cases.services.lists`, `cases.selectors_lists`)."""
from django.db import models

from users.models import User


class CaseListName(models.TextChoices):
    """The named case lists of the workspace (`/cases/?view=<name>`)."""

    MY_OPEN = "my_open", "My open cases"
    MY_GROUPS_UNASSIGNED = "my_groups_unassigned", "My groups' unassigned"
    ALL_OPEN = "all_open", "All open cases"
    AWAITING_INFO = "awaiting_info", "Awaiting info"
    SLA_AT_RISK = "sla_at_risk", "SLA at risk"
    RESOLVED = "resolved", "Resolved"
    ALL = "all", "All cases"


class SavedCaseFilter(models.Model):
    """A case list with filters, search and sort that one agent saved under a name. Private: only
    its owner sees it (in the workspace navigation and at /case-lists/filters/)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_case_filters")
    name = models.CharField(max_length=80)
    view = models.CharField(
        "list", max_length=32, choices=CaseListName.choices, default=CaseListName.ALL,
        help_text="The named list the filter narrows.",
    )
    query = models.CharField(
        max_length=2000, blank=True,
        help_text="Filters, search and sort as a query string, e.g. priority=1&priority=2&sort=-updated_at.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = "saved case filter"
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "name"], name="savedcasefilter_owner_name",
                violation_error_message="You already have a saved filter with this name.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"

    @property
    def url(self) -> str:
        query = f"view={self.view}" + (f"&{self.query}" if self.query else "")
        return f"/cases/?{query}&saved={self.pk}"
