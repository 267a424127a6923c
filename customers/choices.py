from django.db import models


class AccountRelationshipType(models.TextChoices):
    PARTNER = "partner", "Partner of"
    RESELLER = "reseller", "Reseller for"
    SERVICE_PROVIDER = "service_provider", "Service provider for"


class ContactRelationshipType(models.TextChoices):
    CONTACT = "contact", "Contact for"
    BILLING = "billing", "Billing contact for"
    TECHNICAL = "technical", "Technical contact for"


class RegistrationState(models.TextChoices):
    PENDING = "pending", "Pending approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
