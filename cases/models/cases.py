from django.db import models
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.choices import CaseCategory, CaseState, EventKind, Impact, MajorCaseState, Priority, StateCategory
from cases.models.case_types import CaseType
from cases.models.lifecycles import Lifecycle, LifecycleTransition
from catalog.models import Asset, Contract, Entitlement, InstallBaseItem, Product, ServiceDefinition, SoldProduct
from core.choices import Channel
from core.models import NumberField, TimeStampedModel
from customers.models import Account, Consumer, Contact
from users.models import AssignmentGroup, User


def _transition_matches(case: "Case") -> bool:
    """django-fsm condition: the pending lifecycle transition starts from the case's state."""
    pending = getattr(case, "_pending_transition", None)
    return pending is not None and pending.lifecycle_id == case.lifecycle_id and pending.source.code == case.state


class Case(ConcurrentTransitionMixin, TimeStampedModel):
    number = NumberField(max_length=16, unique=True, editable=False)
    lifecycle = models.ForeignKey(
        Lifecycle, on_delete=models.PROTECT, related_name="cases", editable=False, db_index=False
    )
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

    # Every index of this table is listed, with the read it serves, in docs/case-indexes.md
    # (tests/cases/test_case_indexes.py fails on one that is not). A foreign key that no read
    # filters on has db_index=False: each index is written by every case INSERT.
    # account, contact, consumer and assigned_to have no single-column index: each leads a composite
    # one (case_account_state_updated, case_contact_state_updated, case_consumer_updated,
    # case_assignee_cat_updated) that serves the same lookups, and every case write paid for both.
    account = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    consumer = models.ForeignKey(
        Consumer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    partner = models.ForeignKey(
        Account, null=True, blank=True, on_delete=models.PROTECT, related_name="partner_cases"
    )
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="cases")
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    sold_product = models.ForeignKey(
        SoldProduct, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    install_base_item = models.ForeignKey(
        InstallBaseItem, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    contract = models.ForeignKey(
        Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    entitlement = models.ForeignKey(
        Entitlement, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    service_definition = models.ForeignKey(
        ServiceDefinition, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", db_index=False
    )

    assignment_group = models.ForeignKey(
        AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases", db_index=False
    )
    assigned_at = models.DateTimeField(null=True, blank=True, editable=False)
    reassignment_count = models.PositiveIntegerField(default=0, editable=False)
    watch_list = models.ManyToManyField(User, blank=True, related_name="watched_cases")

    resolution_code = models.CharField(max_length=32, blank=True)
    close_notes = models.TextField(blank=True)
    opened_at = models.DateTimeField(editable=False)
    opened_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    first_response_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False, db_index=False
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False, db_index=False
    )
    needs_attention = models.BooleanField(default=False)
    # "Blocked by" (reference 2.3): true while the case has an open CaseBlocker. Kept by the
    # services that open and resolve blockers (cases.services.attention.case_blocked_sync), so the
    # dashboards and lists count it from the case row instead of joining the blockers.
    blocked = models.BooleanField(default=False, db_default=False, editable=False)
    # True once the case has an escalation (any state; set by escalation_request). The case API's
    # `escalation` summary reads the escalations only for the cases of a page that have one.
    has_escalation = models.BooleanField(default=False, db_default=False, editable=False)
    # Auto-close (reference 2.2): set when the case is resolved and nothing holds it open (needs
    # attention, an open escalation of the case or its account); cleared when it leaves resolved.
    # Agents may clear it (opt out) or set it again. See cases.services.autoclose.
    auto_close = models.BooleanField(default=False)
    auto_close_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Why an agent set an entitlement that is not among the case's candidates (reference 3.5).
    entitlement_override_reason = models.TextField(blank=True)
    reopen_count = models.PositiveIntegerField(default=0, editable=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    major_case_state = models.CharField(max_length=16, choices=MajorCaseState.choices, blank=True, default="")
    # The project lives in `projects`, above `cases`; the link is by id until that app exists.
    customer_project_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Service levels (cases.services.slas keeps them): the earliest breach time of the running
    # SLAs, and false once any SLA of the case has breached.
    sla_due = models.DateTimeField(null=True, blank=True, editable=False)
    made_sla = models.BooleanField(default=True, db_default=True, editable=False)

    class Meta:
        ordering = ["-updated_at"]
        permissions = [
            ("view_all_cases", "See every case"),
            ("work_case", "Work cases as an agent (assign, request info, propose solution, close)"),
            ("clear_case_attention", "Clear 'needs attention' on any case (besides its assignee)"),
            # Not "view_...": the agent role holds cases.view_*.
            ("see_team_metrics", "See the manager dashboard: team metrics by group, agent, account and product"),
        ]
        indexes = [
            # The agent queue: one group's active cases, most recently updated first.
            models.Index(
                fields=["assignment_group", "-updated_at"],
                name="case_group_active_updated",
                condition=models.Q(state_category__in=["new", "open", "awaiting", "resolved"]),
            ),
            # The same queue narrowed to one state category (e.g. a group's open cases).
            models.Index(
                fields=["assignment_group", "state_category", "-updated_at"],
                name="case_group_cat_updated",
                condition=models.Q(state_category__in=["new", "open", "awaiting", "resolved"]),
            ),
            models.Index(fields=["assigned_to", "state_category", "-updated_at"], name="case_assignee_cat_updated"),
            models.Index(fields=["state_category", "-updated_at"], name="case_category_updated"),
            # An account's (a contact's) cases newest first, covering id and state_category: the
            # customer side's per-account and per-contact arms (cases.selectors_customer) and their
            # capped counts read the index alone, state filter included (they replace
            # case_account_updated and case_contact_updated: the same key columns).
            models.Index(
                fields=["account", "-updated_at"], name="case_account_state_updated", include=["id", "state_category"]
            ),
            models.Index(
                fields=["contact", "-updated_at"], name="case_contact_state_updated", include=["id", "state_category"]
            ),
            models.Index(fields=["consumer", "-updated_at"], name="case_consumer_updated"),
            # The workspace's named lists (cases.selectors_lists), each served in its order:
            # my open cases; my groups' unassigned; all open; every case; SLA at risk.
            models.Index(
                fields=["assigned_to", "-updated_at"],
                name="case_assignee_active_updated",
                condition=models.Q(state_category__in=["new", "open", "awaiting"]),
            ),
            # Routing's load count (cases.selectors_routing._loads): an agent's active cases of one
            # channel, counted up to a LIMIT. Without an index on both, PostgreSQL may walk every
            # active case by updated_at looking for an agent who has none (1.5 s at 1M cases).
            models.Index(
                fields=["assigned_to", "channel"],
                name="case_assignee_channel_active",
                condition=models.Q(state_category__in=["new", "open", "awaiting"]),
            ),
            models.Index(
                fields=["assignment_group", "-updated_at"],
                name="case_group_unassigned_updated",
                condition=models.Q(state_category__in=["new", "open", "awaiting"], assigned_to__isnull=True),
            ),
            models.Index(
                fields=["-updated_at"],
                name="case_active_updated",
                condition=models.Q(state_category__in=["new", "open", "awaiting"]),
            ),
            models.Index(fields=["-updated_at"], name="case_updated"),
            models.Index(fields=["sla_due"], name="case_sla_due", condition=models.Q(sla_due__isnull=False)),
            # (PostgreSQL also has a trigram index on short_description for the lists' text
            # search: migration 0014, not declared here because SQLite has no such index.)
            # Auto-close scans (cases.services.autoclose): only the rows that may become due.
            models.Index(
                fields=["resolved_at"],
                name="case_autoclose_remind",
                condition=models.Q(
                    state_category="resolved", auto_close=True, needs_attention=False,
                    auto_close_reminded_at__isnull=True,
                ),
            ),
            models.Index(
                fields=["auto_close_reminded_at"],
                name="case_autoclose_close",
                condition=models.Q(
                    state_category="resolved", auto_close=True, needs_attention=False,
                    auto_close_reminded_at__isnull=False,
                ),
            ),
            # Dashboards (cases.selectors_metrics). Each index holds every column its aggregates
            # read, so PostgreSQL answers them from the index alone (an index-only scan) instead
            # of visiting the open cases scattered over the whole table. Plain key columns rather
            # than INCLUDE, which SQLite lacks (Django would warn, and check --deploy fails on it).
            # The open backlog, whole or narrowed to groups (leading column): by priority, state,
            # SLA stage, unassigned, and by group / agent / account / product.
            models.Index(
                fields=[
                    "assignment_group", "priority", "state", "assigned_to", "made_sla", "sla_due", "account", "product",
                    "blocked",
                ],
                name="case_open_metrics",
                condition=models.Q(state_category__in=["new", "open", "awaiting"]),
            ),
            # One agent's open cases: by state and priority, new, needing attention, SLA stage.
            models.Index(
                fields=["assigned_to", "state_category", "state", "priority", "made_sla", "sla_due", "needs_attention"],
                name="case_open_assignee_metrics",
                condition=models.Q(state_category__in=["new", "open", "awaiting"]),
            ),
            # History within a period: cases opened / resolved per week (the group narrows it
            # within the index), and the resolved cases of a period.
            models.Index(fields=["opened_at", "assignment_group"], name="case_opened_group"),
            # ... and every column the resolved figures read (time to resolve, FCR, reopened,
            # breached, the breakdowns), so a year of one group's resolved cases is read from
            # the index alone too.
            models.Index(
                fields=[
                    "resolved_at", "assignment_group", "opened_at", "first_response_at", "reopen_count", "made_sla",
                    "assigned_to", "account", "product",
                ],
                name="case_resolved_metrics",
                condition=models.Q(resolved_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.short_description}"

    @property
    def state_fields(self):
        # django-fsm finds the state fields by scanning every field of every instance it builds
        # (a quarter of a millisecond per row on a list page); a case has exactly one.
        return _STATE_FIELDS

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

    # No single-column indexes on case or created_at: every lookup and cascade by case uses
    # caseevent_case_time (case first), nothing reads events across cases by time, and each index
    # is one more write per timeline entry. No index on author either: nothing filters events by
    # author (they join it by its primary key); see docs/case-indexes.md.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    created_at = models.DateTimeField()
    body = models.TextField(blank=True)
    field = models.CharField(max_length=50, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    customer_visible = models.BooleanField(default=False)
    # Work that follows the change after its commit (today: the "case opened" mail of a creation,
    # cases.services.followups) and has not run yet. Set in the event's own INSERT, cleared in the
    # transaction that does the work; the beat runs what a lost task left pending.
    followup_pending = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["case", "created_at", "id"], name="caseevent_case_time"),
            models.Index(fields=["case", "kind", "created_at"], name="caseevent_case_kind_time"),
            # The beat's safety net (cases.services.followups.case_followups_run_due): only the
            # few events whose follow-up has not run, so it costs nothing on the other millions.
            models.Index(fields=["created_at"], name="caseevent_followup_pending", condition=models.Q(followup_pending=True)),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} @ {self.created_at:%Y-%m-%d %H:%M}"


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Guardian direct-FK grants on one case (an authorized related party)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


_STATE_FIELDS = (Case._meta.get_field("state"),)
