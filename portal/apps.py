from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Customer-facing pages only: no models; every write goes through another app's services."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Customer portal"
