"""The floor's tables: the same columns as the product's case, timeline-event, account, contact
and consumer tables (copied row for row by `python -m bench.stock seed`), plus the few rows the
customer scope needs (account grants, case grants) and the lookups the pages show (group names,
state labels). Columns the floor's pages never join (lifecycle, product, contract ...) are plain
id columns.

Indexes: only those the floor's own queries need (Django's automatic FK index is off unless a
query below reads by that column):
- case: `number` (a unique constraint: the record pages; 9 indexes with the primary key), (assignment_group, state_category, -updated_at) for
  the agent API list, (-updated_at) for the agent HTML list of open cases, and one
  (<column>, -updated_at) per way a customer reaches a case: contact, consumer, account, partner,
  opened_by (the portal lists and the customer API, each arm an index scan);
- event: (case, created_at, id) for the timelines;
- contact.user, consumer.user, account.path (prefix, for an admin's hierarchy), the grants' user."""
from django.conf import settings
from django.db import models

ACTIVE = ("new", "open", "awaiting")


class AssignmentGroup(models.Model):
    name = models.CharField(max_length=100)


class LifecycleState(models.Model):
    lifecycle_id = models.BigIntegerField(db_index=False)
    code = models.CharField(max_length=40)
    label = models.CharField(max_length=100)
    category = models.CharField(max_length=16)
    is_initial = models.BooleanField(default=False)
    order = models.SmallIntegerField(default=0)


class _Address(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    street = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


class Account(_Address):
    number = models.CharField(max_length=16)  # unique in the product; the floor never reads by it
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, db_index=False)
    path = models.CharField(max_length=512, blank=True)  # the product's materialised hierarchy: "/1/2/"
    is_customer = models.BooleanField(default=True)
    is_partner = models.BooleanField(default=False)
    registration_code = models.CharField(max_length=64, null=True, blank=True)
    website = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    primary_contact_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["path"], name="floor_account_path", opclasses=["varchar_pattern_ops"])]


class Contact(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self):
        return f"{self.first_name} {self.last_name}"


class Consumer(_Address):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)


class AccountGrant(models.Model):
    """A customer admin's account (they see it and every account below it) or a partner's related
    account (they see its cases): the product's guardian grants of `administer_account` and
    `act_as_partner`, copied only for users who hold the role that makes them count."""
    ADMIN, PARTNER = "admin", "partner"
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, db_index=False)
    kind = models.CharField(max_length=8, choices=[(ADMIN, ADMIN), (PARTNER, PARTNER)])


class Case(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    number = models.CharField(max_length=16)
    lifecycle_id = models.BigIntegerField()
    state = models.CharField(max_length=40, default="new")
    state_category = models.CharField(max_length=16, default="new")
    version = models.PositiveIntegerField(default=1)
    short_description = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, default="issue")
    channel = models.CharField(max_length=16, default="web")
    priority = models.PositiveSmallIntegerField(default=4)
    impact = models.PositiveSmallIntegerField(default=3)
    urgency = models.PositiveSmallIntegerField(default=3)
    case_type_id = models.BigIntegerField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, db_index=False,
                                related_name="cases")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, db_index=False,
                                related_name="cases")
    consumer = models.ForeignKey(Consumer, null=True, blank=True, on_delete=models.PROTECT, db_index=False,
                                 related_name="cases")
    partner = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, db_index=False,
                                related_name="partner_cases")
    product_id = models.BigIntegerField(null=True, blank=True)
    asset_id = models.BigIntegerField(null=True, blank=True)
    sold_product_id = models.BigIntegerField(null=True, blank=True)
    install_base_item_id = models.BigIntegerField(null=True, blank=True)
    contract_id = models.BigIntegerField(null=True, blank=True)
    entitlement_id = models.BigIntegerField(null=True, blank=True)
    service_definition_id = models.BigIntegerField(null=True, blank=True)
    assignment_group = models.ForeignKey(AssignmentGroup, null=True, blank=True, on_delete=models.PROTECT,
                                         db_index=False)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    db_index=False, related_name="+")
    assigned_at = models.DateTimeField(null=True, blank=True)
    reassignment_count = models.PositiveIntegerField(default=0)
    resolution_code = models.CharField(max_length=32, blank=True)
    close_notes = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, db_index=False,
                                  related_name="+")
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    db_index=False, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  db_index=False, related_name="+")
    needs_attention = models.BooleanField(default=False)
    blocked = models.BooleanField(default=False)
    has_escalation = models.BooleanField(default=False)
    auto_close = models.BooleanField(default=False)
    auto_close_reminded_at = models.DateTimeField(null=True, blank=True)
    entitlement_override_reason = models.TextField(blank=True)
    reopen_count = models.PositiveIntegerField(default=0)
    parent_id = models.BigIntegerField(null=True, blank=True)
    major_case_state = models.CharField(max_length=16, blank=True, default="")
    customer_project_id = models.BigIntegerField(null=True, blank=True)
    sla_due = models.DateTimeField(null=True, blank=True)
    made_sla = models.BooleanField(default=True)

    class Meta:
        # A constraint, not `unique=True`: that would add a second (LIKE pattern) index on PostgreSQL.
        constraints = [models.UniqueConstraint(fields=["number"], name="floor_case_number_unique")]
        indexes = [
            models.Index(fields=["assignment_group", "state_category", "-updated_at"], name="floor_case_queue"),
            models.Index(fields=["-updated_at"], name="floor_case_updated"),
            models.Index(fields=["contact", "-updated_at"], name="floor_case_contact"),
            models.Index(fields=["consumer", "-updated_at"], name="floor_case_consumer"),
            models.Index(fields=["account", "-updated_at"], name="floor_case_account"),
            models.Index(fields=["partner", "-updated_at"], name="floor_case_partner"),
            models.Index(fields=["opened_by", "-updated_at"], name="floor_case_opened_by"),
        ]


class CaseEvent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, db_index=False, related_name="events")
    kind = models.CharField(max_length=16)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               db_index=False, related_name="+")
    created_at = models.DateTimeField()
    body = models.TextField(blank=True)
    field = models.CharField(max_length=50, blank=True)
    old = models.TextField(blank=True)
    new = models.TextField(blank=True)
    customer_visible = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["case", "created_at", "id"], name="floor_event_case_time")]


class CaseGrant(models.Model):
    """An authorized related party of a case (the product's `view_case` object grants, to the user
    or to one of their groups, flattened to users)."""
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, db_index=False)
