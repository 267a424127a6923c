"""Demo data for escalations, entitlements and time worked, called by `manage.py seed_demo`
after the demo cases exist. Idempotent like the rest of the command: each record is looked up
first and made through its service only when missing.

- templates: "Case escalation" (the case's group manager approves; the default for cases) and
  "Account escalation" (no approval);
- an escalated case (Dana asked, Mike approved) and a request waiting for Maria's approval;
- a Globex printer case on the phone, covered by the "Globex printer hours" entitlement, with
  time worked charged to it; time worked on Acme's router case too (its contract entitlement).
"""
from cases.models import Case, CaseTimeEntry, Escalation, EscalationTemplate
from cases.services import case_create
from cases.services import entitlements as entitlement_services
from cases.services import escalations as escalation_services
from catalog.models import Asset
from customers.models import Contact

PRINTER_CASE = "Printer GLX-PRN-001 makes a grinding noise"


def seed_escalations(command, users: dict, groups: dict) -> None:
    """`command` is the seed_demo command (its `ensure` and `created` counter)."""
    command.ensure(
        EscalationTemplate.objects.filter(name="Case escalation"),
        lambda: escalation_services.escalation_template_create(
            actor=None, name="Case escalation", applies_to="case", is_default=True, add_case_group_manager=True,
            description="The manager of the case's assignment group approves.",
        ),
    )
    command.ensure(
        EscalationTemplate.objects.filter(name="Account escalation"),
        lambda: escalation_services.escalation_template_create(
            actor=None, name="Account escalation", applies_to="account", is_default=True, skip_approval=True,
            description="Key accounts: escalated at once.",
        ),
    )
    cases = {c.short_description: c for c in Case.objects.filter(short_description__in=[
        "Export to CSV returns error 500", "Lyon office: VPN slow in the mornings", "Router ACME-RTR-002 reboots at night",
    ])}

    export = cases.get("Export to CSV returns error 500")
    if export is not None and not export.is_read_only and not Escalation.objects.filter(case=export).exists():
        command.created += 1
        escalation = escalation_services.escalation_request(
            actor=users["dana"], case=export, reason="customer_deadline", severity="high",
            justification="Month-end reporting depends on the export; we need it by Friday.",
        )
        escalation_services.escalation_approve(
            actor=users["mike"], escalation=escalation, comment="Same error for three customers: priority."
        )
        escalation_services.escalation_update(actor=users["mike"], instance=escalation, watch_list=[users["maria"]])

    lyon = cases.get("Lyon office: VPN slow in the mornings")
    if lyon is not None and not lyon.is_read_only and not Escalation.objects.filter(case=lyon).exists():
        command.created += 1
        escalation_services.escalation_request(
            actor=users["carl"], case=lyon, reason="lack_of_progress",
            justification="The Lyon team cannot work in the mornings.",
        )  # waits for Maria (manager of Tier 2) to approve or decline

    printer_case = command.ensure(
        Case.objects.filter(short_description=PRINTER_CASE),
        lambda: case_create(
            actor=users["bob"], short_description=PRINTER_CASE, channel="phone",
            contact=Contact.objects.get(user=users["erin"]), asset=Asset.objects.get(asset_tag="GLX-PRN-001"),
            assignment_group=groups["Tier 1"], assigned_to=users["bob"],
            description="Erin called: the printer grinds when it pulls paper from tray 2.",
        ),
    )
    router = cases.get("Router ACME-RTR-002 reboots at night")
    for case, who, entries in (
        (printer_case, "bob", [(45, "Remote diagnosis with Erin on the phone"), (30, "Ordered a tray-2 roller")]),
        (router, "alice", [(30, "Read the crash logs")]),
    ):
        if case is None or case.is_read_only or CaseTimeEntry.objects.filter(case=case).exists():
            continue
        for minutes, note in entries:
            command.created += 1
            entitlement_services.case_time_entry_add(actor=users[who], case=case, minutes=minutes, note=note)
