from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "People and teams"

    def ready(self) -> None:
        from users import permissions  # noqa: F401  (registers access policies)
