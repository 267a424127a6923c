from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.models import TimeStampedModel
from customers.choices import AccountRelationshipType, ContactRelationshipType, RegistrationState
from users.models import User, validate_time_zone


class Address(models.Model):
    street = models.CharField(max_length=255, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    zip_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=100, blank=True)

    class Meta:
        abstract = True


class Account(Address, TimeStampedModel):
    """A business customer and/or partner (ServiceNow `customer_account`)."""

    number = models.CharField(max_length=16, unique=True, editable=False)
    name = models.CharField(max_length=200, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Materialised ancestry "/1/7/12/" (root first, self last): descendants by prefix, no recursion.
    path = models.CharField(max_length=512, db_index=True, editable=False, default="")
    is_customer = models.BooleanField(default=True)
    is_partner = models.BooleanField(default=False)
    registration_code = models.CharField(
        max_length=64, unique=True, null=True, blank=True,
        help_text="Lets people who know it register as contacts of this account.",
    )
    primary_contact = models.ForeignKey(
        "Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    website = models.URLField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("administer_account", "Administer the account and its child accounts (customer admin)"),
            ("act_as_partner", "Act as partner for the account"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part][:-1]


class AccountUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Account, on_delete=models.CASCADE)


class AccountGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Account, on_delete=models.CASCADE)


class Contact(TimeStampedModel):
    """A person employed by exactly one account (ServiceNow `customer_contact`)."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contacts")
    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="contact")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=100, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["account", "last_name"], name="contact_account_name")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Consumer(Address, TimeStampedModel):
    """An individual (B2C) customer (ServiceNow `csm_consumer`)."""

    user = models.OneToOneField(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="consumer")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class ContactRelationship(TimeStampedModel):
    """Gives a contact access to another account than their own (and a guardian grant)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="relationships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contact_relationships")
    relationship_type = models.CharField(
        max_length=32, choices=ContactRelationshipType.choices, default=ContactRelationshipType.CONTACT
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contact", "account"], name="contactrel_unique_contact_account"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.account}"


class AccountRelationship(TimeStampedModel):
    """A partner (from) working for a customer (to); partner contacts get grants on the customer."""

    from_account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="relationships_out")
    to_account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="relationships_in")
    relationship_type = models.CharField(
        max_length=32, choices=AccountRelationshipType.choices, default=AccountRelationshipType.PARTNER
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_account", "to_account", "relationship_type"], name="accountrel_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_account=models.F("to_account")), name="accountrel_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_account} {self.get_relationship_type_display()} {self.to_account}"


class Location(Address, TimeStampedModel):
    """A site of an account (or a consumer's address) where products are installed."""

    name = models.CharField(max_length=200)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.CASCADE, related_name="locations")
    consumer = models.ForeignKey(
        Consumer, null=True, blank=True, on_delete=models.CASCADE, related_name="locations"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False, consumer__isnull=True)
                | models.Q(account__isnull=True, consumer__isnull=False),
                name="location_one_owner",
                violation_error_message="A location belongs to exactly one account or one consumer.",
            ),
        ]

    def clean(self) -> None:
        if bool(self.account_id) == bool(self.consumer_id):
            raise ValidationError({"account": "A location belongs to exactly one account or one consumer."})

    def __str__(self) -> str:
        return self.name


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is # and six hex digits, e.g. #1f5fbf.")


class PortalBranding(TimeStampedModel):
    """How the customer portal looks: its name, logo and colours. Several may be kept (drafts, a
    seasonal one); exactly one at most is active, and without one the portal uses the defaults
    of customers.selectors_portal.DEFAULT_BRANDING."""

    name = models.CharField(max_length=80, help_text="Shown in the header, the page titles and the mails.")
    logo = models.FileField(
        upload_to="branding/", blank=True,
        help_text="PNG, JPEG, GIF or WebP (no SVG), up to PORTAL_LOGO_MAX_BYTES. Shown at 40 px high.",
    )
    logo_content_type = models.CharField(max_length=40, blank=True, editable=False)
    primary_color = models.CharField(
        max_length=7, default="#1f5fbf", validators=[hex_colour], help_text="The header and buttons (#rrggbb)."
    )
    accent_color = models.CharField(
        max_length=7, default="#e8a33d", validators=[hex_colour], help_text="Highlights and links (#rrggbb)."
    )
    welcome_text = models.TextField(blank=True, help_text="Plain text on the sign-in and registration pages.")
    active = models.BooleanField(default=False, help_text="The one the portal uses; activating one deactivates the others.")

    class Meta:
        ordering = ["-active", "-updated_at"]
        verbose_name = "portal branding"
        verbose_name_plural = "portal branding"
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="portalbranding_one_active",
                violation_error_message="Only one branding is active at a time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}{' (active)' if self.active else ''}"


class RegistrationRequest(ConcurrentTransitionMixin, TimeStampedModel):
    """Someone asked to become a contact of an account on the portal, with its registration code
    (reference 6). Any customer admin of the account approves (the login and contact are then
    created) or rejects it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="registration_requests")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(db_index=True)
    state = FSMField(max_length=16, choices=RegistrationState.choices, default=RegistrationState.PENDING, protected=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected (mailed to the person).")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The contact the approval created or gave a login to.",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["account", "state"], name="registration_account_state"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} <{self.email}> for {self.account.name}"

    @transition(field=state, source=RegistrationState.PENDING, target=RegistrationState.APPROVED)
    def approve(self, *, by, at, contact) -> None:
        self.decided_by, self.decided_at, self.contact = by, at, contact

    @transition(field=state, source=RegistrationState.PENDING, target=RegistrationState.REJECTED)
    def reject(self, *, by, at, reason: str) -> None:
        self.decided_by, self.decided_at, self.reason = by, at, reason
