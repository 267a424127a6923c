from django.apps import AppConfig


class FloorConfig(AppConfig):
    name = "bench.stock.floor"
    label = "floor"
    default_auto_field = "django.db.models.BigAutoField"
