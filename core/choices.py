from django.db import models


class Channel(models.TextChoices):
    """Where a contact reached support (API.md `channel`). Entitlements and capacity use it too."""

    WEB = "web", "Web"
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    SOCIAL = "social", "Social"
    PROACTIVE = "proactive", "Proactive"
    WALK_IN = "walk_in", "Walk-in"  # a customer at the service desk in person (interactions of type walk-up)
