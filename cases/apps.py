from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from cases import permissions, permissions_work  # noqa: F401  (they register access policies)
        from cases import permissions_escalations  # noqa: F401  (escalation access policies)
        from cases.services import entitlements  # noqa: F401  (registers the entitlement resolver and hooks)
        from cases.services import routing  # noqa: F401  (routing hooks; its permissions register access policies)
        from cases.services.parties import case_parties_login_moved
        from customers import hooks as customer_hooks

        customer_hooks.register_login_changed(case_parties_login_moved)
        from cases.services import slas  # noqa: F401  (registers the SLA evaluation and schedule hooks)
        from cases import notify_templates

        notify_templates.register()  # the messages cases send, with their shipped texts
        from cases import hooks, selectors

        from cases.models import CaseSurvey

        hooks.register_case_panel(
            key="survey", title="Satisfaction survey", template="cases/record/_survey_panel.html",
            loader=lambda *, user, case: {
                "survey": selectors.case_survey_for_user(user=user, case=case)
                if hooks.case_panel_has_rows(case, "survey") else None,
                "stars": range(1, 6),
            },
            order=90, presence=(CaseSurvey, "case"),
        )
