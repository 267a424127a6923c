from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Products and catalog"

    def ready(self) -> None:
        from catalog import permissions  # noqa: F401  (registers access policies)
