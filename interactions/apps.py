from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "interactions"
    verbose_name = "Interactions and the inbox"

    def ready(self) -> None:
        from cases import hooks
        from core.health import register_health_check
        from interactions import notify_templates
        from interactions import permissions  # noqa: F401  (registers the access policy)
        from interactions import permissions_mail  # noqa: F401  (registers the access policy)
        from interactions.demo import seed_interactions_demo
        from interactions.demo_mail import seed_mail_demo
        from interactions.models import InteractionRelatedRecord
        from interactions.selectors import case_panel_context
        from interactions.selectors_mail import mail_health

        hooks.register_case_panel(
            key="interactions", title="Interactions", template="interactions/_case_panel.html",
            loader=case_panel_context, order=40, presence=(InteractionRelatedRecord, "case"),
        )
        hooks.register_demo_seeder(seed_interactions_demo)
        hooks.register_demo_seeder(seed_mail_demo)
        notify_templates.register()
        register_health_check("mail", mail_health)  # /healthz/: a mailbox that fails to poll, mail left waiting
