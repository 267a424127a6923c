from django.db import models


class NotificationState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    HELD = "held", "Held for a digest"
    DIGESTED = "digested", "Sent in a digest"


class Audience(models.TextChoices):
    """Whom a template is written for. A customer template is rendered from customer-visible data
    only; an internal one may name internal fields and work notes."""

    CUSTOMER = "customer", "Customer-facing"
    INTERNAL = "internal", "Internal (staff)"


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Immediately, one message each"
    DIGEST = "digest", "In a digest"
