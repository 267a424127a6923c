import re

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from catalog.choices import EntitlementUnit, ServiceType, VariableKind, Weekday
from core.choices import Channel
from core.models import TimeStampedModel
from customers.models import Account, Consumer, Contact, Location
from users.models import validate_time_zone

SERVICE_ID_MAX = 40


def service_id_from_name(name: str) -> str:
    """ServiceNow's rule: spaces to `_`, only letters, digits and `_`, at most 40 characters."""
    value = re.sub(r"\s+", "_", name.strip().lower())
    value = re.sub(r"[^a-z0-9_]", "", value)
    return value[:SERVICE_ID_MAX]


class OwnedByCustomer(models.Model):
    """Owned by exactly one account or one consumer."""

    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    consumer = models.ForeignKey(Consumer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def clean(self) -> None:
        super().clean()
        if bool(self.account_id) == bool(self.consumer_id):
            raise ValidationError({"account": "Give exactly one owner: an account or a consumer."})


def one_owner_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(account__isnull=False, consumer__isnull=True)
        | models.Q(account__isnull=True, consumer__isnull=False),
        name=name,
    )


class Product(TimeStampedModel):
    """A product model (ServiceNow `cmdb_model`)."""

    name = models.CharField(max_length=200, db_index=True)
    model_number = models.CharField(max_length=100, unique=True, null=True, blank=True)
    manufacturer = models.CharField(max_length=200, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Schedule(TimeStampedModel):
    """Business hours in a time zone, with holidays (used by entitlements and SLAs)."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.time_zone})"


class ScheduleSpan(models.Model):
    """Working hours on one weekday; several spans a day are allowed (e.g. around lunch)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="spans")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_time__gt=models.F("start_time")), name="span_ends_after_start"),
        ]

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The span must end after it starts."})

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Holiday(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="holidays")
    name = models.CharField(max_length=100)
    date = models.DateField()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["schedule", "date"], name="holiday_unique_schedule_date")]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


class Contract(OwnedByCustomer, TimeStampedModel):
    number = models.CharField(max_length=16, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [one_owner_constraint("contract_one_owner")]

    def clean(self) -> None:
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The contract cannot end before it starts."})

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class SoldProduct(OwnedByCustomer, TimeStampedModel):
    """A product sold to a customer; from it come entitlements, assets and cases."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="sold_products")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.SET_NULL, related_name="sold_products")
    quantity = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [one_owner_constraint("soldproduct_one_owner")]

    def clean(self) -> None:
        super().clean()
        if self.contact_id and self.account_id and self.contact.account_id != self.account_id:
            raise ValidationError({"contact": "The contact must belong to the sold product's account."})
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "It cannot end before it starts."})

    def __str__(self) -> str:
        return self.name


class InstallBaseItem(OwnedByCustomer, TimeStampedModel):
    """A provisioned instance of a product at a customer (ServiceNow `sn_install_base_item`)."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sold_product = models.ForeignKey(SoldProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    serial_number = models.CharField(max_length=100, blank=True, db_index=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [one_owner_constraint("installbase_one_owner")]

    def __str__(self) -> str:
        return self.name


class Asset(OwnedByCustomer, TimeStampedModel):
    """A physical or logical asset a customer owns (ServiceNow `alm_asset`)."""

    asset_tag = models.CharField(max_length=100, unique=True)
    serial_number = models.CharField(max_length=100, blank=True, db_index=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="assets")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sold_product = models.ForeignKey(SoldProduct, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    install_base_item = models.ForeignKey(
        InstallBaseItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["asset_tag"]
        constraints = [one_owner_constraint("asset_one_owner")]

    def clean(self) -> None:
        super().clean()
        if self.contact_id and self.account_id and self.contact.account_id != self.account_id:
            raise ValidationError({"contact": "The contact must belong to the asset's account."})

    def __str__(self) -> str:
        return f"{self.asset_tag} ({self.product})"


class Entitlement(OwnedByCustomer, TimeStampedModel):
    """The support a customer is entitled to, on which channels, for how long (reference 3.5)."""

    name = models.CharField(max_length=200)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements")
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements")
    sold_product = models.ForeignKey(
        SoldProduct, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    install_base_item = models.ForeignKey(
        InstallBaseItem, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements"
    )
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.PROTECT, related_name="entitlements")
    channels = models.JSONField(default=list, blank=True, help_text="Channels this entitlement covers.")
    schedule = models.ForeignKey(Schedule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)
    per_unit = models.BooleanField(default=False)
    unit = models.CharField(max_length=8, choices=EntitlementUnit.choices, blank=True)
    total_units = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    remaining_units = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            one_owner_constraint("entitlement_one_owner"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="entitlement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(remaining_units__isnull=True) | models.Q(remaining_units__gte=0),
                name="entitlement_remaining_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["account", "active"], name="entitlement_account_active")]

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The entitlement cannot end before it starts."
        unknown = [c for c in (self.channels or []) if c not in Channel.values]
        if not isinstance(self.channels, list) or unknown:
            errors["channels"] = f"Unknown channel(s) {unknown or self.channels}; use {', '.join(Channel.values)}."
        if self.per_unit:
            if not self.unit:
                errors["unit"] = "A per-unit entitlement needs a unit (cases or hours)."
            if self.total_units is None:
                errors["total_units"] = "A per-unit entitlement needs its total units."
        for name in ("total_units", "remaining_units"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = "Units cannot be below zero."
        if (
            self.total_units is not None
            and self.remaining_units is not None
            and self.remaining_units > self.total_units
        ):
            errors["remaining_units"] = "Remaining units cannot exceed the total."
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        return self.name


class ServiceDefinition(TimeStampedModel):
    """Links products, services and case types (ServiceNow `sn_case_type_selection`)."""

    name = models.CharField(max_length=200)
    service_id = models.CharField(
        max_length=SERVICE_ID_MAX,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9_]+$", "Only lowercase letters, digits and underscores.")],
        help_text="Derived from the name when left blank.",
    )
    service_type = models.CharField(max_length=16, choices=ServiceType.choices, default=ServiceType.GENERAL)
    order = models.PositiveIntegerField(default=100, help_text="Lower first; ties by name.")
    description = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    products = models.ManyToManyField(Product, blank=True, related_name="service_definitions")
    child_services = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="parent_services",
        help_text="Services offered for the tasks of a case of this service.",
    )

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class CatalogItem(TimeStampedModel):
    """A portal service-catalog entry; its variables are the typed questions of its form."""

    name = models.CharField(max_length=200)
    short_description = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=100, blank=True, db_index=True)
    service_definition = models.ForeignKey(
        ServiceDefinition, null=True, blank=True, on_delete=models.SET_NULL, related_name="catalog_items"
    )
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="catalog_items")
    icon = models.CharField(
        max_length=32, blank=True, help_text="A short text or an emoji shown on the item's card in the portal."
    )
    order = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)
    # Who may see it (reference 5.2 "customer criteria", kept simple): everyone, or only the
    # customers of some accounts, and/or only those who own the item's product.
    accounts = models.ManyToManyField(
        Account, blank=True, related_name="+",
        help_text="Only customers of these accounts (and accounts below them) see the item; empty: everyone.",
    )
    owners_only = models.BooleanField(
        default=False, help_text="Only customers who own the item's product (a sold product or an asset) see it."
    )

    class Meta:
        ordering = ["order", "name"]

    def clean(self) -> None:
        super().clean()
        if self.owners_only and not self.product_id:
            raise ValidationError({"owners_only": "Name the product whose owners may see the item."})

    def __str__(self) -> str:
        return self.name


class CatalogItemVariable(models.Model):
    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="variables")
    name = models.SlugField(max_length=64, help_text="Key of the answer, e.g. 'serial_number'.")
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=VariableKind.choices, default=VariableKind.TEXT)
    required = models.BooleanField(default=False)
    choices = models.JSONField(default=list, blank=True, help_text="For choice variables: the allowed values.")
    help_text = models.CharField(max_length=255, blank=True)
    order = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "name"], name="catalogvariable_unique_name")]

    def clean(self) -> None:
        if self.kind == VariableKind.CHOICE:
            if not isinstance(self.choices, list) or not self.choices or not all(
                isinstance(c, str) and c for c in self.choices
            ):
                raise ValidationError({"choices": "A choice variable needs a list of non-empty values."})
        elif self.choices:
            raise ValidationError({"choices": "Only choice variables have choices."})

    def __str__(self) -> str:
        return f"{self.item}: {self.label}"
