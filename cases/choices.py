from django.db import models


class CaseTypeCategory(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    COMPLAINT = "complaint", "Complaint"
    ORDERS = "orders", "Orders"
    GENERAL = "general", "General"


class StateCategory(models.TextChoices):
    """What a state means to the rest of the product (SLAs, lists, read-only rules). Every state of
    every lifecycle, shipped or added by an admin, belongs to exactly one category."""

    NEW = "new", "New"
    OPEN = "open", "Open"
    AWAITING = "awaiting", "Awaiting"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL = (StateCategory.CLOSED, StateCategory.CANCELLED)
ACTIVE_CATEGORIES = (StateCategory.NEW, StateCategory.OPEN, StateCategory.AWAITING, StateCategory.RESOLVED)


class CaseState(models.TextChoices):
    """The states of the standard lifecycle (API.md). Custom lifecycles add their own codes."""

    NEW = "new", "New"
    OPEN = "open", "Open"
    AWAITING_INFO = "awaiting_info", "Awaiting info"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    CANCELLED = "cancelled", "Cancelled"


class Actor(models.TextChoices):
    """Who may take a lifecycle action."""

    AGENT = "agent", "Agent (internal)"
    CUSTOMER = "customer", "Customer side (contact, authorized party, customer admin, partner)"
    ANY = "any", "Anyone who can see the case"


class Priority(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MODERATE = 3, "3 - Moderate"
    LOW = 4, "4 - Low"


class Impact(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


Urgency = Impact


class CaseCategory(models.TextChoices):
    QUESTION = "question", "Question"
    ISSUE = "issue", "Issue"
    FEATURE = "feature", "Feature"


class MajorCaseState(models.TextChoices):
    NONE = "", "—"
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class ResolutionCode(models.TextChoices):
    FIXED = "solved_fixed", "Solved - Fixed by support"
    GUIDANCE = "solved_guidance", "Solved - Guidance provided"
    WORKAROUND = "solved_workaround", "Solved - Workaround provided"
    BY_CUSTOMER = "solved_by_customer", "Solved by customer"
    DUPLICATE = "duplicate", "Duplicate"
    NOT_REPRODUCIBLE = "not_reproducible", "Not reproducible"
    NOT_SOLVED = "not_solved", "Not solved - Not supported"


class EventKind(models.TextChoices):
    """Entries of the activity timeline."""

    CREATED = "created", "Created"
    COMMENT = "comment", "Comment"
    WORK_NOTE = "work_note", "Work note"
    FIELD_CHANGED = "field_changed", "Field changed"
    STATE_CHANGED = "state_changed", "State changed"
    ATTACHMENT = "attachment", "Attachment"
    EMAIL = "email", "Email"
    TASK = "task", "Task or line"
    ROUTING = "routing", "Routing"
    SURVEY = "survey", "Satisfaction survey"
    FOLLOW_UP = "follow_up", "Follow-up"


# Priority from impact x urgency (ServiceNow's default priority lookup).
PRIORITY_MATRIX = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 4,
}

# Field changes recorded on the timeline (reference 1.2), and those a customer may see.
AUDITED_FIELDS = (
    "assigned_to", "assignment_group", "asset", "product", "priority", "impact", "urgency",
    "short_description", "entitlement", "contract", "case_type",
)
CUSTOMER_VISIBLE_FIELDS = ("product", "asset", "priority", "short_description", "state")
