from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from cases import hooks, permissions  # noqa: F401  (permissions registers access policies)
        from cases.models import Case

        post_save.connect(hooks.case_saved, sender=Case, dispatch_uid="cases.hooks.case_saved")
