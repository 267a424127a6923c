from django.db import models


class CaseTypeCategory(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    COMPLAINT = "complaint", "Complaint"
    ORDERS = "orders", "Orders"
    GENERAL = "general", "General"
