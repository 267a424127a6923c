from django.db import models


class EntitlementUnit(models.TextChoices):
    CASES = "cases", "Cases"
    HOURS = "hours", "Hours"


class ServiceType(models.TextChoices):
    PRE_SALE = "pre_sale", "Pre-sale"
    POST_SALE = "post_sale", "Post-sale"
    GENERAL = "general", "General"


class VariableKind(models.TextChoices):
    TEXT = "text", "Text"
    MULTILINE = "multiline", "Multi-line text"
    INTEGER = "integer", "Whole number"
    DECIMAL = "decimal", "Decimal number"
    NUMBER = "number", "Number"  # the first kind, kept: a decimal under its older name
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    BOOLEAN = "boolean", "Yes/no"
    EMAIL = "email", "Email address"
    PRODUCT = "product", "Reference to a product"
    ASSET = "asset", "Reference to an asset"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"
