"""The message inbound mail sends: the notice to someone who replied to a closed case (when
INBOUND_MAIL_CLOSED_CASE=notice). Registered at start-up (InteractionsConfig.ready) and
installed as an editable template by migration 0002. Customer-visible data only: the case's
number, short description and portal link, and the subject of the mail it answers."""
from notifications.choices import Audience
from notifications.registry import DefaultText, EventSpec, register_event, register_group

C = Audience.CUSTOMER
SAMPLE = {
    "case": {
        "number": "CS0000042",
        "short_description": "Printer jams on every page",
        "url": "https://support.example.com/portal/cases/CS0000042/",
    },
    "subject": "Re: [CS0000042] Printer jams on every page",
}


def register() -> None:
    register_group("mail", "Email")
    register_event(EventSpec(
        code="mail.closed_case_notice",
        label="Reply to a closed case",
        texts={C: DefaultText(
            "Case {{ case.number }} is closed",
            "Hello,\n\nWe received your message \"{{ subject }}\", but case {{ case.number }} "
            "({{ case.short_description }}) is closed, so it was not added to the case.\n\n"
            "To tell us about a new or returning problem, write a new message without the case number in "
            "the subject, or open a case in the portal.\n\n--\n{{ case.number }}: {{ case.short_description }}\n"
            "{{ case.url }}",
        )},
        samples={C: SAMPLE},
        description="Sent to someone who replied by mail to a closed or cancelled case, when replies to closed "
        "cases are answered with a notice (INBOUND_MAIL_CLOSED_CASE=notice).",
    ))
