"""The messages cases send: registered with notifications at start-up (CasesConfig.ready), with
the shipped texts (installed as editable templates by migration 0014) and sample contexts for the
admin's preview. The real contexts are built by cases.services.notify; a test holds the sample
keys equal to the real ones, so the admin's list of variables is the truth.

Customer templates are rendered from customer-visible data only: no work notes, no assignment
group, no internal fields. Internal templates may use everything in the internal context."""
from notifications.choices import Audience
from notifications.registry import DefaultText, EventSpec, register_event, register_group, register_reader_audience
from users.permissions import is_internal

C, I = Audience.CUSTOMER, Audience.INTERNAL

SAMPLE_CUSTOMER_CASE = {
    "number": "CS0000042",
    "short_description": "Printer jams on every page",
    "description": "Since Monday the LJ-4000 on floor 2 jams on every page.",
    "state": "Open",
    "priority": "3 - Moderate",
    "product": "LaserJet 4000",
    "account": "Acme Corporation",
    "contact": "Dana Diaz",
    "opened_at": "2026-06-01 09:00 UTC",
    "resolution_code": "",
    "close_notes": "",
    "fields": [{"label": "Model", "value": "LJ-4000"}],
    "url": "https://support.example.com/portal/cases/CS0000042/",
}
SAMPLE_INTERNAL_CASE = {
    **SAMPLE_CUSTOMER_CASE,
    "url": "https://support.example.com/cases/CS0000042/",
    "consumer": "",
    "channel": "Web",
    "assignment_group": "Tier 1",
    "assigned_to": "Alice Agent",
    "needs_attention": True,
    "sla_due": "2026-06-01 17:00 UTC",
    "fields": [{"label": "Model", "value": "LJ-4000"}, {"label": "Risk score", "value": "9"}],
}
SAMPLE_SLA_CASE = {
    "number": "CS0000042",
    "short_description": "Printer jams on every page",
    "priority": "2 - High",
    "assignment_group": "Tier 1",
    "assigned_to": "Alice Agent",
    "url": "https://support.example.com/cases/CS0000042/",
}


def _customer(**extra) -> dict:
    return {"case": SAMPLE_CUSTOMER_CASE, "author": "Alice Agent", **extra}


def _internal(**extra) -> dict:
    return {"case": SAMPLE_INTERNAL_CASE, "author": "Dana Diaz", **extra}


FOOTER = """
--
{{ case.number }}: {{ case.short_description }}
{{ case.url }}
Reply to this message to add a comment to the case; keep [{{ case.number }}] in the subject."""
INTERNAL_FOOTER = """
--
{{ case.number }} · {{ case.state }} · {{ case.priority }} · {% firstof case.account case.consumer %}
Group: {{ case.assignment_group|default:"none" }} · Assigned to: {{ case.assigned_to|default:"nobody" }}
{{ case.url }}"""


def _event(code, label, texts, samples, description, mandatory=False):
    register_event(EventSpec(code=code, label=label, texts=texts, samples=samples, mandatory=mandatory,
                             description=description))


def reader_audience(user) -> str:
    """Staff read the internal texts, everyone else the customer ones: the rule notify.py uses to
    address each recipient, told to notifications for a person reading their own messages."""
    return I if is_internal(user) else C


def register() -> None:
    register_reader_audience(reader_audience)
    register_group("case", "Case updates")
    register_group("sla", "Service levels")
    register_group("escalation", "Escalations")

    _event(
        "case.created", "Case opened for you",
        {C: DefaultText(
            "We opened a case for you: {{ case.short_description }}",
            "Hello,\n\n{% if author %}{{ author }} opened{% else %}We opened{% endif %} case {{ case.number }} for you.\n\n"
            "  {{ case.short_description }}\n  Priority: {{ case.priority }}"
            "{% if case.product %}\n  Product: {{ case.product }}{% endif %}\n\n"
            "{{ case.description }}\n" + FOOTER,
        )},
        {C: _customer()},
        "To the case's contact or consumer and related parties when someone else opens a case for them "
        "(an agent, a customer admin, a partner). Whoever opens a case is never told of it.",
    )
    _event(
        "case.assigned", "Case assigned to you",
        {I: DefaultText(
            "Assigned to you: {{ case.short_description }}",
            "{% if author %}{{ author }} assigned{% else %}Routing assigned{% endif %} {{ case.number }} to you.\n\n"
            "{{ case.short_description }}\n\n{{ case.description }}\n" + INTERNAL_FOOTER,
        )},
        {I: _internal(author="Maria Manager")},
        "To the new assignee when someone else (or routing) assigns a case to them.",
    )
    _event(
        "case.commented", "New comment on a case",
        {
            C: DefaultText(
                "New comment on your case: {{ case.short_description }}",
                "{{ author|default:\"Support\" }} wrote:\n\n{{ comment }}\n" + FOOTER,
            ),
            I: DefaultText(
                "{{ author|default:\"The system\" }} commented: {{ case.short_description }}",
                "{{ author|default:\"The system\" }} added a comment (visible to the customer):\n\n{{ comment }}\n"
                + INTERNAL_FOOTER,
            ),
        },
        {C: _customer(comment="Could you send us a photo of the paper path?"),
         I: _internal(comment="Here is the photo you asked for.")},
        "A customer-visible comment: to the customer side, the assignee and the watch list (never its author).",
    )
    _event(
        "case.work_noted", "New work note on a case",
        {I: DefaultText(
            "Work note on {{ case.short_description }}",
            "{{ author|default:\"The system\" }} added a work note (internal):\n\n{{ work_note }}\n" + INTERNAL_FOOTER,
        )},
        {I: _internal(author="Bob Agent", work_note="Firmware 2.1 fixes this; checking their version.")},
        "Internal only: to the assignee and the internal watch list. Never sent to a customer.",
    )
    _event(
        "case.info_requested", "Information requested",
        {
            C: DefaultText(
                "We need more information: {{ case.short_description }}",
                "{{ author|default:\"Support\" }} needs more information to continue with your case:\n\n"
                "{{ comment }}\n\nPlease reply to this message or add a comment on the case page; your answer puts "
                "the case back in our queue.\n" + FOOTER,
            ),
            I: DefaultText(
                "Awaiting info: {{ case.short_description }}",
                "{{ author|default:\"The system\" }} asked the customer for information:\n\n{{ comment }}\n"
                + INTERNAL_FOOTER,
            ),
        },
        {C: _customer(comment="Which firmware version does the printer show?"),
         I: _internal(author="Alice Agent", comment="Which firmware version does the printer show?")},
        "The case waits for the customer: the request goes to the customer side.",
    )
    _event(
        "case.solution_proposed", "Solution proposed",
        {
            C: DefaultText(
                "Solution proposed for your case: {{ case.short_description }}",
                "{{ author|default:\"Support\" }} proposed a solution for your case.\n\n"
                "{% if comment and comment != case.close_notes %}{{ comment }}\n\n{% endif %}"
                "{% if case.close_notes %}Resolution: {{ case.close_notes }}\n\n{% endif %}"
                "Does it solve your problem? On the case page ({{ case.url }}):\n"
                "  - Accept the solution to close the case, or\n"
                "  - Reject the solution, saying why, and we reopen it.\n"
                "{% if auto_close_days %}\nIf we hear nothing from you, the case closes by itself after "
                "{{ auto_close_days }} day{{ auto_close_days|pluralize }}.\n{% endif %}" + FOOTER,
            ),
            I: DefaultText(
                "Resolved: {{ case.short_description }}",
                "{{ author|default:\"The system\" }} proposed a solution ({{ case.resolution_code }}):\n\n"
                "{{ case.close_notes }}\n{% if work_note %}\nWork note: {{ work_note }}\n{% endif %}" + INTERNAL_FOOTER,
            ),
        },
        {C: _customer(comment="", auto_close_days=10,
                      case={**SAMPLE_CUSTOMER_CASE, "state": "Resolved", "resolution_code": "Solved - Fixed by support",
                            "close_notes": "Updated the firmware to 2.1."}),
         I: _internal(author="Alice Agent", comment="", work_note="",
                      case={**SAMPLE_INTERNAL_CASE, "state": "Resolved",
                            "resolution_code": "Solved - Fixed by support", "close_notes": "Updated the firmware."})},
        "The case is resolved and waits for the customer to accept or reject the solution.",
    )
    _event(
        "case.closed", "Case closed",
        {
            C: DefaultText(
                "Your case is closed: {{ case.short_description }}",
                "Your case {{ case.number }} is closed.{% if comment %}\n\n{{ comment }}{% endif %}"
                "{% if case.close_notes %}\n\nResolution: {{ case.close_notes }}{% endif %}\n\n"
                "Thank you for contacting us. If the problem comes back, open a new case and mention "
                "{{ case.number }}.\n" + FOOTER,
            ),
            I: DefaultText(
                "Closed: {{ case.short_description }}",
                "{{ author|default:\"The system\" }} closed the case."
                "{% if comment %}\n\n{{ comment }}{% endif %}\n" + INTERNAL_FOOTER,
            ),
        },
        {C: _customer(comment="", case={**SAMPLE_CUSTOMER_CASE, "state": "Closed",
                                        "close_notes": "Updated the firmware to 2.1."}),
         I: _internal(comment="Works now, thanks!", case={**SAMPLE_INTERNAL_CASE, "state": "Closed"})},
        "The case is closed: by the customer accepting the solution, by an agent, or automatically.",
    )
    _event(
        "case.cancelled", "Case cancelled",
        {
            C: DefaultText(
                "Your case was cancelled: {{ case.short_description }}",
                "Your case {{ case.number }} was cancelled.{% if comment %}\n\n{{ comment }}{% endif %}\n" + FOOTER,
            ),
            I: DefaultText(
                "Cancelled: {{ case.short_description }}",
                "{{ author|default:\"The system\" }} cancelled the case.{% if comment %}\n\n{{ comment }}{% endif %}\n"
                + INTERNAL_FOOTER,
            ),
        },
        {C: _customer(comment="Opened twice by mistake."), I: _internal(comment="Opened twice by mistake.")},
        "The case was cancelled before work started.",
    )
    _event(
        "case.reopened", "Case reopened",
        {
            C: DefaultText(
                "Your case is open again: {{ case.short_description }}",
                "{{ author|default:\"Someone\" }} reopened case {{ case.number }}."
                "{% if comment %}\n\n{{ comment }}{% endif %}\n\nWe are looking into it again.\n" + FOOTER,
            ),
            I: DefaultText(
                "Solution rejected, reopened: {{ case.short_description }}",
                "{{ author|default:\"The system\" }} reopened the case.{% if comment %}\n\nWhy: {{ comment }}{% endif %}\n"
                + INTERNAL_FOOTER,
            ),
        },
        {C: _customer(author="Carl Cruz", comment="Still jams on thick paper."),
         I: _internal(comment="Still jams on thick paper.")},
        "A resolved case went back to work (the customer rejected the solution).",
    )
    _event(
        "case.auto_close_reminder", "Reminder: accept or reject the solution",
        {C: DefaultText(
            "Please accept or reject the proposed solution: {{ case.short_description }}",
            "{{ reminder }}\n\nYour case {{ case.number }} will be closed in about {{ days_left }} "
            "day{{ days_left|pluralize }} unless you accept or reject the solution on the case page: {{ case.url }}\n"
            + FOOTER,
        )},
        {C: {"case": {**SAMPLE_CUSTOMER_CASE, "state": "Resolved"}, "days_left": 5,
             "reminder": "This case is pending solution acceptance. It will be auto closed if you do not take action."}},
        "Auto-close (reference 2.2): day 5 after a solution was proposed. Mandatory: the case closes by itself, "
        "so the customer must be told whatever their preferences.",
        mandatory=True,
    )
    sla_sample = {
        "case": SAMPLE_SLA_CASE, "sla": {"name": "Resolution P1/P2", "percent": 75, "at": "2026-06-01 15:00 UTC",
                                         "breach_time": "2026-06-01 17:00 UTC"},
    }
    sla_body = (
        "{% if sla.percent >= 100 %}The SLA '{{ sla.name }}' on case {{ case.number }} breached at {{ sla.at }}."
        "{% else %}{{ sla.percent }}% of the time of the SLA '{{ sla.name }}' on case {{ case.number }} has passed "
        "({{ sla.at }}); it breaches at {{ sla.breach_time }}.{% endif %}\n\n"
        "{{ case.number }}: {{ case.short_description }}\nPriority: {{ case.priority }} · Group: "
        "{{ case.assignment_group|default:\"none\" }} · Assigned to: {{ case.assigned_to|default:\"nobody\" }}\n{{ case.url }}"
    )
    for pct in (50, 75, 100):
        breach = pct == 100
        _event(
            f"sla.{pct}", "SLA breached" if breach else f"SLA at {pct}%",
            {I: DefaultText(
                "SLA breached: {{ sla.name }} on {{ case.number }}" if breach
                else "SLA at {{ sla.percent }}%: {{ sla.name }} on {{ case.number }}",
                sla_body,
            )},
            {I: {**sla_sample, "sla": {**sla_sample["sla"], "percent": pct}}},
            "To the assignee" + ("" if pct == 50 else " and the assignment group's manager")
            + (". Mandatory: a breach reaches the assignee and the manager whatever their preferences." if breach else "."),
            mandatory=breach,
        )
    escalation_sample = {
        "number": "ESC0000007", "state": "Escalated", "severity": "High", "trend": "Improving",
        "reason": "Lack of progress", "justification": "Third week without a fix.", "source": "case CS0000042",
    }
    _event(
        "escalation.approved", "Your case or account was escalated",
        {C: DefaultText(
            "{% if case %}Your case has been escalated: {{ case.short_description }}"
            "{% else %}Your account {{ account }} has been escalated{% endif %}",
            "{% if case %}Your case {{ case.number }} ({{ case.short_description }}) has been escalated."
            "{% else %}Your account {{ account }} has been escalated.{% endif %} "
            "Our team is giving it priority attention.\n{% if case %}" + FOOTER + "{% endif %}",
        )},
        {C: {"case": SAMPLE_CUSTOMER_CASE, "account": "Acme Corporation", "escalation": {"number": "ESC0000007"}}},
        "To the customer (the case's contact, or the account's primary contact) once an escalation is approved.",
    )
    _event(
        "escalation.approval_requested", "Escalation waiting for your approval",
        {I: DefaultText(
            "Approve or decline {{ escalation.number }} ({{ escalation.source }})",
            "{{ escalation.number }} on {{ escalation.source }}: {{ escalation.reason }}, severity "
            "{{ escalation.severity }}.\n{{ escalation.justification }}\n\nApprove or decline it in the workspace "
            "or with POST /api/v1/escalations/{{ escalation.number }}/approve/ (or /decline/).",
        )},
        {I: {"escalation": escalation_sample, "case": SAMPLE_SLA_CASE}},
        "To the approvers of a requested escalation. Mandatory: the escalation waits for them.",
        mandatory=True,
    )
    _event(
        "escalation.updated", "Escalation changed",
        {I: DefaultText(
            "{{ escalation.number }} ({{ escalation.source }}): {{ what }}",
            "{{ escalation.number }} on {{ escalation.source }}: {{ what }}\nState: {{ escalation.state }}, severity: "
            "{{ escalation.severity }}, trend: {{ escalation.trend }}.",
        )},
        {I: {"escalation": escalation_sample, "what": "approved by Mike Manager", "case": SAMPLE_SLA_CASE}},
        "To the escalation's watch list on every change (not to whoever made it).",
    )
