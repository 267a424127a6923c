"""Demo data for `make run`: people and roles, accounts with hierarchy and partners, contacts,
products, schedules, contracts, assets, entitlements, services and catalog items, and about twenty
cases in every state of the standard lifecycle (and some of the onboarding one), each with the
timeline its story leaves: comments, work notes, info requested and given, solutions proposed,
accepted and rejected.

Idempotent: every record is looked up by a natural key first and created through its service
only when missing, so a second run changes nothing. Later issues extend this command."""
import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction

from cases import hooks
from cases import services as case_services
from cases.demo_routing import seed_routing_demo
from cases.demo_escalations import seed_escalations
from cases.models import Case, CaseType, Lifecycle
from catalog import services as catalog_services
from catalog.models import (
    Asset,
    CatalogItem,
    CatalogItemVariable,
    Contract,
    Entitlement,
    Holiday,
    InstallBaseItem,
    Product,
    Schedule,
    ScheduleSpan,
    ServiceDefinition,
    SoldProduct,
)
from customers import services as customer_services
from customers import services_branding, services_registration
from customers.models import (
    Account, AccountRelationship, Consumer, Contact, ContactRelationship, Location, PortalBranding, RegistrationRequest,
)
from customers.permissions import ADMINISTER
from users import services as user_services
from users.models import AgentChannelCapacity, AgentSkill, AssignmentGroup, Skill, User

PASSWORD = "demo1234"
TODAY = datetime.date(2026, 1, 1)

PEOPLE = [
    # username, first, last, roles
    ("admin", "Ada", "Admin", ["admin"]),
    ("maria", "Maria", "Manager", ["manager"]),
    ("alice", "Alice", "Agent", ["agent"]),
    ("bob", "Bob", "Agent", ["agent"]),
    ("charlie", "Charlie", "Specialist", ["agent", "case_task_agent"]),
    ("mike", "Mike", "Major", ["manager", "major_issue_manager"]),
    ("dana", "Dana", "Diaz", ["customer"]),
    ("carl", "Carl", "Cruz", ["customer_admin"]),
    ("erin", "Erin", "Eng", ["customer"]),
    ("pat", "Pat", "Park", ["partner"]),
    ("connie", "Connie", "Consumer", ["consumer"]),
]


class Command(BaseCommand):
    help = "Loads the demo data (safe to run again: it only adds what is missing)."

    @transaction.atomic
    def handle(self, *args, **options):
        self.created = 0
        users = {u: self.user(u, first, last, roles) for u, first, last, roles in PEOPLE}
        groups = self.teams(users)
        accounts = self.accounts()
        self.people(users, accounts)
        self.portal(accounts)
        self.products_and_entitlements(accounts)
        self.catalog()
        case_services.sla_demo_definitions_install()  # the reference's four SLAs, before the cases
        self.cases(users, groups, accounts)
        self.work_items(users, groups)
        self.created += seed_routing_demo()  # rules, presence and two routed cases (cases/demo_routing.py)
        seed_escalations(self, users, groups)
        for seeder in hooks.demo_seeders():  # apps above cases (interactions, ...) add their own
            self.created += seeder()
        self.stdout.write(self.style.SUCCESS(f"Demo data ready ({self.created} records added)."))

    # --- helpers -------------------------------------------------------------------------------
    def ensure(self, queryset, create):
        existing = queryset.first()
        if existing is not None:
            return existing
        self.created += 1
        return create()

    def user(self, username, first, last, roles) -> User:
        return self.ensure(
            User.objects.filter(username=username),
            lambda: user_services.user_create(
                actor=None, username=username, password=PASSWORD, roles=roles, first_name=first, last_name=last,
                email=f"{username}@demo.example",
            ),
        )

    # --- people and teams -------------------------------------------------------------------
    def teams(self, users):
        groups = {}
        for name, manager, members in (
            ("Tier 1", "maria", ["alice", "bob", "maria"]),
            ("Tier 2", "maria", ["charlie"]),
            ("Major incidents", "mike", ["mike", "charlie"]),
        ):
            groups[name] = self.ensure(
                AssignmentGroup.objects.filter(name=name),
                lambda n=name, m=manager, ms=members: user_services.assignment_group_create(
                    actor=None, name=n, manager=users[m], members=[users[x] for x in ms], email=f"{n.lower().replace(' ', '-')}@demo.example"
                ),
            )
        skills = {
            name: self.ensure(Skill.objects.filter(name=name), lambda n=name: user_services.skill_create(actor=None, name=n))
            for name in ("Networking", "Printers", "Billing", "Databases")
        }
        for username, skill, level in (
            ("alice", "Networking", 4), ("alice", "Printers", 3), ("bob", "Billing", 5), ("charlie", "Databases", 5),
        ):
            self.ensure(
                AgentSkill.objects.filter(user=users[username], skill=skills[skill]),
                lambda u=username, s=skill, lv=level: user_services.agent_skill_set(
                    actor=None, user=users[u], skill=skills[s], level=lv
                ),
            )
        for username in ("alice", "bob", "charlie", "maria"):
            for channel, max_items in (("web", 8), ("email", 8), ("phone", 1), ("chat", 3)):
                self.ensure(
                    AgentChannelCapacity.objects.filter(user=users[username], channel=channel),
                    lambda u=username, c=channel, mx=max_items: user_services.agent_capacity_set(
                        actor=None, user=users[u], channel=c, max_items=mx
                    ),
                )
        return groups

    def accounts(self):
        def account(name, **fields):
            return self.ensure(
                Account.objects.filter(name=name),
                lambda: customer_services.account_create(actor=None, name=name, **fields),
            )

        acme = account("Acme Corporation", registration_code="ACME-2026", website="https://acme.example",
                       phone="+1 555 0100", city="Springfield", country="US")
        accounts = {
            "acme": acme,
            "acme_eu": account("Acme Europe", parent=acme, city="Lyon", country="FR"),
            "acme_asia": account("Acme Asia", parent=acme, city="Singapore", country="SG"),
            "globex": account("Globex", registration_code="GLOBEX-7", city="Cypress Creek", country="US"),
            "initech": account("Initech", city="Austin", country="US"),
            "partner": account("Northwind Partners", is_partner=True, is_customer=False, city="Seattle", country="US"),
        }
        self.ensure(
            AccountRelationship.objects.filter(from_account=accounts["partner"], to_account=acme),
            lambda: customer_services.account_relationship_create(
                actor=None, from_account=accounts["partner"], to_account=acme
            ),
        )
        for key, name in (("acme", "Springfield HQ"), ("acme_eu", "Lyon office"), ("globex", "Cypress Creek plant")):
            self.ensure(
                Location.objects.filter(name=name),
                lambda k=key, n=name: customer_services.location_create(
                    actor=None, name=n, account=accounts[k], city=accounts[k].city, country=accounts[k].country
                ),
            )
        return accounts

    def portal(self, accounts):
        """The portal's brand, and one registration waiting for Carl (customer admin of Acme):
        Acme's registration code is ACME-2026 (README, demo logins)."""
        self.ensure(
            PortalBranding.objects.all(),
            lambda: services_branding.branding_create(
                actor=None, name="Casedesk Demo Support", primary_color="#0b3d91", accent_color="#f2a900", active=True,
                welcome_text="Welcome to the demo portal. New here? Register with your organisation's code "
                "(Acme Corporation: ACME-2026).",
            ),
        )
        self.ensure(
            RegistrationRequest.objects.filter(email="nina.newcomer@acme.example"),
            lambda: services_registration.registration_submit(
                first_name="Nina", last_name="Newcomer", email="nina.newcomer@acme.example",
                registration_code=accounts["acme"].registration_code,
            ),
        )

    def people(self, users, accounts):
        def contact(account, first, last, user=None, **fields):
            return self.ensure(
                Contact.objects.filter(account=account, first_name=first, last_name=last),
                lambda: customer_services.contact_create(
                    actor=None, account=account, first_name=first, last_name=last, user=user,
                    email=f"{first}.{last}@{account.name.split()[0].lower()}.example".lower(), **fields
                ),
            )

        dana = contact(accounts["acme"], "Dana", "Diaz", users["dana"], title="IT lead")
        carl = contact(accounts["acme"], "Carl", "Cruz", users["carl"], title="Head of IT", time_zone="America/Chicago")
        contact(accounts["acme_eu"], "Lea", "Laurent", time_zone="Europe/Paris")
        contact(accounts["acme_asia"], "Wei", "Tan", time_zone="Asia/Singapore")
        contact(accounts["globex"], "Erin", "Eng", users["erin"])
        contact(accounts["globex"], "Hank", "Scorpio")
        contact(accounts["initech"], "Peter", "Gibbons")
        contact(accounts["partner"], "Pat", "Park", users["pat"])
        if accounts["acme"].primary_contact_id is None:
            self.created += 1
            customer_services.account_update(actor=None, instance=accounts["acme"], primary_contact=carl)
        if not users["carl"].has_perm(f"customers.{ADMINISTER}", accounts["acme"]):
            self.created += 1
            customer_services.account_admin_grant(actor=None, account=accounts["acme"], user=users["carl"])
        self.ensure(
            ContactRelationship.objects.filter(contact=dana, account=accounts["acme_eu"]),
            lambda: customer_services.contact_relationship_create(actor=None, contact=dana, account=accounts["acme_eu"]),
        )
        self.ensure(
            Consumer.objects.filter(user=users["connie"]),
            lambda: customer_services.consumer_create(
                actor=None, first_name="Connie", last_name="Consumer", user=users["connie"],
                email="connie@demo.example", city="Portland", country="US",
            ),
        )

    def products_and_entitlements(self, accounts):
        def product(name, model_number, **fields):
            return self.ensure(
                Product.objects.filter(model_number=model_number),
                lambda: catalog_services.product_create(actor=None, name=name, model_number=model_number, **fields),
            )

        router = product("EdgeRouter 500", "ER-500", manufacturer="Netgear-ish", description="Branch office router")
        printer = product("LaserJet Pro 4000", "LJ-4000", manufacturer="PrintCo")
        suite = product("CloudSuite", "CS-ENT", manufacturer="Casedesk", description="Hosted office suite")
        product("CloudSuite Mail", "CS-MAIL", parent=suite)

        def schedule(name, tz, spans, holidays=()):
            sched = self.ensure(
                Schedule.objects.filter(name=name),
                lambda: catalog_services.schedule_create(actor=None, name=name, time_zone=tz),
            )
            for weekday, start, end in spans:
                self.ensure(
                    ScheduleSpan.objects.filter(schedule=sched, weekday=weekday, start_time=start),
                    lambda w=weekday, s=start, e=end: catalog_services.schedule_span_create(
                        actor=None, schedule=sched, weekday=w, start_time=s, end_time=e
                    ),
                )
            for hname, day in holidays:
                self.ensure(
                    Holiday.objects.filter(schedule=sched, date=day),
                    lambda h=hname, d=day: catalog_services.holiday_create(actor=None, schedule=sched, name=h, date=d),
                )
            return sched

        t = datetime.time
        weekdays_paris = schedule(
            "Weekdays 8-18 (Paris)", "Europe/Paris", [(d, t(8), t(18)) for d in range(5)],
            [("New Year's Day", datetime.date(2027, 1, 1)), ("Christmas", datetime.date(2026, 12, 25))],
        )
        schedule("24x7", "UTC", [(d, t(0), t(23, 59, 59)) for d in range(7)])
        us_hours = schedule(
            "US business hours", "America/New_York", [(d, t(9), t(17)) for d in range(5)],
            [("Thanksgiving", datetime.date(2026, 11, 26))],
        )

        acme, globex = accounts["acme"], accounts["globex"]
        acme_contract = self.ensure(
            Contract.objects.filter(name="Acme premium support"),
            lambda: catalog_services.contract_create(
                actor=None, name="Acme premium support", account=acme, starts_on=TODAY,
                ends_on=datetime.date(2027, 12, 31),
            ),
        )
        self.ensure(
            Contract.objects.filter(name="Globex standard support"),
            lambda: catalog_services.contract_create(
                actor=None, name="Globex standard support", account=globex, starts_on=TODAY
            ),
        )
        sold = self.ensure(
            SoldProduct.objects.filter(name="Acme routers"),
            lambda: catalog_services.sold_product_create(
                actor=None, name="Acme routers", account=acme, product=router, quantity=40, contract=acme_contract,
                starts_on=TODAY,
            ),
        )
        base = self.ensure(
            InstallBaseItem.objects.filter(name="Springfield HQ network"),
            lambda: catalog_services.install_base_item_create(
                actor=None, name="Springfield HQ network", account=acme, product=router, sold_product=sold,
                serial_number="NET-HQ-1",
            ),
        )
        for i in range(1, 4):
            self.ensure(
                Asset.objects.filter(asset_tag=f"ACME-RTR-{i:03d}"),
                lambda i=i: catalog_services.asset_create(
                    actor=None, asset_tag=f"ACME-RTR-{i:03d}", serial_number=f"ER5{i:05d}", product=router,
                    account=acme, sold_product=sold, install_base_item=base,
                ),
            )
        self.ensure(
            Asset.objects.filter(asset_tag="GLX-PRN-001"),
            lambda: catalog_services.asset_create(actor=None, asset_tag="GLX-PRN-001", product=printer, account=globex),
        )
        connie = Consumer.objects.get(email="connie@demo.example")
        self.ensure(
            Asset.objects.filter(asset_tag="CONNIE-PRN-1"),
            lambda: catalog_services.asset_create(actor=None, asset_tag="CONNIE-PRN-1", product=printer, consumer=connie),
        )

        for name, fields in (
            ("Acme premium (contract)", dict(account=acme, contract=acme_contract, channels=["web", "email", "phone", "chat"], schedule=us_hours)),
            ("Acme router coverage", dict(account=acme, product=router, channels=["web", "email", "phone"], schedule=weekdays_paris)),
            ("Globex 20 incidents", dict(account=globex, channels=["web", "email"], per_unit=True, unit="cases", total_units=20)),
            ("Globex printer hours", dict(account=globex, product=printer, channels=["phone"], per_unit=True, unit="hours", total_units=40)),
            ("Connie printer warranty", dict(consumer=connie, product=printer, channels=["web", "chat"], ends_on=datetime.date(2027, 6, 30))),
        ):
            self.ensure(
                Entitlement.objects.filter(name=name),
                lambda n=name, f=fields: catalog_services.entitlement_create(actor=None, name=n, starts_on=TODAY, **f),
            )

    def catalog(self):
        router = Product.objects.get(model_number="ER-500")
        printer = Product.objects.get(model_number="LJ-4000")
        suite = Product.objects.get(model_number="CS-ENT")

        def service(name, service_type, order, products):
            return self.ensure(
                ServiceDefinition.objects.filter(name=name),
                lambda: catalog_services.service_definition_create(
                    actor=None, name=name, service_type=service_type, order=order, products=products
                ),
            )

        repair = service("Hardware repair", "post_sale", 10, [router, printer])
        install = service("Software installation", "post_sale", 20, [suite])
        access = service("Account access", "general", 30, [suite])
        quote = service("Request a quote", "pre_sale", 40, [router, printer, suite])

        def case_type(name, code, category, services):
            return self.ensure(
                CaseType.objects.filter(code=code),
                lambda: case_services.case_type_create(
                    actor=None, name=name, code=code, category=category, service_definitions=services,
                    lifecycle=Lifecycle.objects.filter(code=code).first(),  # onboarding has its own
                ),
            )

        case_type("General", "general", "general", [repair, install, access])
        case_type("Complaint", "complaint", "complaint", [])
        onboarding = case_type("Onboarding", "onboarding", "onboarding", [access])
        if onboarding.lifecycle_id is None:  # databases seeded before cases had lifecycles
            self.created += 1
            case_services.case_type_update(
                actor=None, instance=onboarding, lifecycle=Lifecycle.objects.get(code="onboarding")
            )
        case_type("Orders", "orders", "orders", [quote])

        def item(name, **fields):
            return self.ensure(
                CatalogItem.objects.filter(name=name),
                lambda: catalog_services.catalog_item_create(actor=None, name=name, **fields),
            )

        def variable(catalog_item, name, label, kind="text", **fields):
            self.ensure(
                CatalogItemVariable.objects.filter(item=catalog_item, name=name),
                lambda: catalog_services.catalog_item_variable_create(
                    actor=None, item=catalog_item, name=name, label=label, kind=kind, **fields
                ),
            )

        repair_item = item("Report a broken device", short_description="Something stopped working",
                           category="Hardware", service_definition=repair, order=10)
        variable(repair_item, "asset", "Which device?", "asset", required=True, order=1)
        variable(repair_item, "symptom", "What happens?", "choice", required=True, order=2,
                 choices=["Does not power on", "Intermittent", "Error message", "Physical damage"])
        variable(repair_item, "since", "Since when?", "date", order=3)
        install_item = item("Install CloudSuite", short_description="New seats or a new site",
                            category="Software", service_definition=install, product=suite, order=20)
        variable(install_item, "seats", "How many seats?", "number", required=True, order=1)
        variable(install_item, "site", "Where?", "text", order=2)
        access_item = item("Reset my access", short_description="Locked out or new joiner",
                           category="Accounts", service_definition=access, order=30)
        variable(access_item, "username", "Username", "text", required=True, order=1)
        quote_item = item("Ask for a quote", category="Sales", service_definition=quote, order=40)
        variable(quote_item, "product", "Product", "product", required=True, order=1)
        variable(quote_item, "quantity", "Quantity", "number", required=True, order=2)
        part_item = item("Request a replacement part", short_description="A spare for a device you own",
                         category="Hardware", service_definition=repair, icon="🔧", order=15)
        variable(part_item, "asset", "For which device?", "asset", order=1)
        variable(part_item, "part", "Which part?", "text", required=True, order=2,
                 help_text="The name or number on the part, if you know it.")
        variable(part_item, "quantity", "How many?", "integer", required=True, order=3)
        variable(part_item, "needed_by", "Needed by", "date", order=4)
        variable(part_item, "ship_to", "Send tracking details to", "email", order=5)
        billing_service = service("Billing", "general", 50, [])
        billing = item("Report a billing problem", short_description="A wrong or unexpected invoice",
                       category="Billing", service_definition=billing_service, icon="🧾", order=50)
        variable(billing, "invoice", "Invoice number", "text", required=True, order=1)
        variable(billing, "amount", "Amount in question", "decimal", order=2)
        variable(billing, "problem", "What is wrong?", "choice", required=True, order=3,
                 choices=["Charged twice", "Wrong amount", "Unknown charge", "Other"])
        variable(billing, "details", "Details", "multiline", order=4)
        site = item("Onboard a new site", short_description="Bring a new office onto your contract",
                    category="Accounts", service_definition=access, icon="🏢", order=35)
        variable(site, "site_name", "Site name", "text", required=True, order=1)
        variable(site, "address", "Address", "multiline", required=True, order=2)
        variable(site, "go_live", "Go-live date", "date", required=True, order=3)
        variable(site, "seats", "Number of people", "integer", order=4)
        variable(site, "needs_hardware", "Needs hardware shipped", "boolean", order=5)
        variable(site, "contact_email", "Site contact's email", "email", order=6)

    # --- cases -----------------------------------------------------------------------------------
    def cases(self, users, groups, accounts):
        """Each demo case is looked up by (short description, account or consumer); a missing one
        is opened through `case_create` and walked through its story with the same services the
        workspace, the portal and the API call, so its timeline is real."""
        contacts = {c.user.username if c.user_id else c.first_name.lower(): c for c in Contact.objects.select_related("user")}
        connie = Consumer.objects.get(user=users["connie"])
        onboarding = CaseType.objects.get(code="onboarding")
        assets = {a.asset_tag: a for a in Asset.objects.all()}
        for spec in DEMO_CASES:
            party = {"consumer": connie} if spec["for"] == "connie" else {"contact": contacts[spec["for"]]}
            key = {"consumer": connie} if "consumer" in party else {"account": party["contact"].account}
            if Case.objects.filter(short_description=spec["title"], **key).exists():
                continue
            self.created += 1
            fields = dict(party, channel=spec.get("channel", "web"), description=spec.get("description", ""))
            if spec.get("onboarding"):
                fields["case_type"] = onboarding
            if spec.get("asset"):
                fields["asset"] = assets[spec["asset"]]
            opener = users[spec["by"]]
            if spec["by"] in ("dana", "carl", "erin", "connie"):  # the portal: the customer's own fields
                fields.update(urgency=spec.get("urgency", 3))  # impact is the agents' triage, below
                if spec["for"] == spec["by"]:  # for themselves: the service derives the party
                    fields.pop("contact", None), fields.pop("consumer", None)
                case = case_services.case_create(actor=opener, short_description=spec["title"], **fields)
                if spec.get("impact", 3) != case.impact:
                    case = case_services.case_update(actor=users["maria"], instance=case, impact=spec["impact"])
                if spec.get("group"):
                    case = case_services.case_assign(
                        actor=users["maria"], case=case, assignment_group=groups[spec["group"]],
                        assigned_to=users[spec["assignee"]] if spec.get("assignee") else None,
                    )
            else:
                fields.update(impact=spec.get("impact", 3), urgency=spec.get("urgency", 3))
                if spec.get("group"):
                    fields["assignment_group"] = groups[spec["group"]]
                if spec.get("assignee"):
                    fields["assigned_to"] = users[spec["assignee"]]
                case = case_services.case_create(actor=opener, short_description=spec["title"], **fields)
            for step in spec.get("story", ()):
                case = self.case_step(case, users, *step)

    def work_items(self, users, groups):
        """Case tasks, case lines and attachments on a few open demo cases (each added only when the
        case has none of that kind yet)."""
        by_title = {c.short_description: c for c in Case.objects.filter(short_description__in=[t for t, *_ in DEMO_WORK])}
        for title, tasks, lines, files in DEMO_WORK:
            case = by_title.get(title)
            if case is None or case.is_read_only:
                continue
            if tasks and not case.tasks.exists():
                for who, short, fields in tasks:
                    self.created += 1
                    group = groups[fields.pop("group")] if "group" in fields else None
                    task = case_services.case_task_create(
                        actor=users[who], case=case, short_description=short, assignment_group=group,
                        assigned_to=users.get(fields.pop("assignee", None)), **fields,
                    )
                    if short.startswith("Done: "):
                        case_services.case_task_close(actor=users[who], task=task, close_notes="Finished.")
            if lines and not case.lines.exists():
                for who, short, start in lines:
                    self.created += 1
                    line = case_services.case_line_create(actor=users[who], case=case, short_description=short)
                    if start:
                        case_services.case_line_start(actor=users[who], line=line)
            if files and not case.attachments.exists():
                for who, name, content, visible in files:
                    self.created += 1
                    case_services.attachment_add(
                        actor=users[who], case=Case.objects.get(pk=case.pk),
                        uploaded_file=SimpleUploadedFile(name, content), customer_visible=visible,
                    )

    def case_step(self, case, users, who, what, *args):
        actor = users[who]
        if what == "comment":
            case_services.case_comment_add(actor=actor, case=case, body=args[0])
        elif what == "note":
            case_services.case_work_note_add(actor=actor, case=case, body=args[0])
        else:
            case_services.case_act(actor=actor, case=case, action=what, **(args[0] if args else {}))
        return Case.objects.get(pk=case.pk)


# A 1x1 transparent PNG, for a screenshot-like attachment.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000" "1f15c4890000000d4944415478da63f8cfc0f01f0005000201" "e4a6b3cd0000000049454e44ae426082"
)
# (case title, tasks (who, short description, fields), lines (who, short description, start?),
#  attachments (who, file name, content, customer visible))
DEMO_WORK = [
    ("Export to CSV returns error 500",
     [("mike", "Reproduce the export error in staging", {"group": "Tier 2", "assignee": "charlie"}),
      ("mike", "Done: Collect the failing export parameters", {"group": "Tier 2", "assignee": "charlie"})],
     [],
     [("mike", "export-job.log", b"2026-11-20 10:02:11 ERROR DateFormatter: unsupported pattern 'yyyy-ww'\n", False)]),
    ("Lyon office: VPN slow in the mornings",
     [("charlie", "Send the speed test tool to the Lyon office", {"visible_to_customer": True})],
     [],
     [("carl", "speedtest-0900.png", PNG, True)]),
    ("Router ACME-RTR-002 reboots at night",
     [],
     [("alice", "Replace router ACME-RTR-002", True), ("alice", "Update firmware on the two other routers", False)],
     [("alice", "crash-0214.txt", b"watchdog reset at 02:14:07 (firmware 4.1.2)\n", False)]),
]
FIXED = {"resolution_code": "solved_fixed"}
GUIDED = {"resolution_code": "solved_guidance"}
# Every demo case: who it is for (a contact's login or first name, or "connie" the consumer), who
# opened it, where it is routed, and its story: (actor, action or "comment"/"note", inputs).
DEMO_CASES = [
    # --- standard lifecycle: new ---
    {"title": "VPN drops every hour at Springfield HQ", "for": "dana", "by": "dana", "group": "Tier 1",
     "impact": 2, "urgency": 2, "description": "Since Monday the tunnel to the data centre drops at :00.",
     "story": [("dana", "comment", "It happened again at 10:00 and 11:00 today.")]},
    {"title": "Singapore office: mail sync stopped", "for": "wei", "by": "maria", "group": "Tier 2",
     "assignee": "charlie", "channel": "email", "description": "Forwarded from the Singapore office manager."},
    {"title": "Question about extending my printer warranty", "for": "connie", "by": "connie",
     "story": [("connie", "comment", "The warranty ends in June; can I extend it by a year?")]},
    # --- open ---
    {"title": "Router ACME-RTR-002 reboots at night", "for": "dana", "by": "alice", "group": "Tier 1",
     "assignee": "alice", "asset": "ACME-RTR-002", "channel": "phone", "impact": 2, "urgency": 3,
     "story": [("alice", "accept"),
               ("alice", "note", "Crash log shows a watchdog reset at 02:14; firmware 4.1.2."),
               ("alice", "comment", "We are looking at the crash logs; no action needed on your side yet.")]},
    {"title": "Export to CSV returns error 500", "for": "dana", "by": "dana", "group": "Major incidents",
     "impact": 1, "urgency": 1,
     "story": [("mike", "assign-to-me"),
               ("mike", "note", "Same error for three other customers: candidate major issue."),
               ("charlie", "note", "Stack trace points at the date formatter in the export job.")]},
    {"title": "Lyon office: VPN slow in the mornings", "for": "lea", "by": "carl", "group": "Tier 2",
     "story": [("charlie", "assign-to-me"),
               ("charlie", "request-info", {"comment": "Could you run a speed test at 9:00 and at 14:00 and send both results?"}),
               ("carl", "comment", "9:00: 4 Mbit/s, 14:00: 180 Mbit/s. Lea ran both from the meeting room."),
               ("charlie", "note", "Backup job on the Lyon NAS starts at 8:30; saturates the uplink.")]},
    # --- awaiting info ---
    {"title": "Invoice 2026-01 shows the wrong VAT rate", "for": "carl", "by": "carl", "group": "Tier 1",
     "story": [("bob", "assign-to-me"),
               ("bob", "request-info", {"comment": "Could you send us the invoice number and the VAT id you expected?"})]},
    {"title": "Badge reader offline at Cypress Creek", "for": "erin", "by": "bob", "group": "Tier 1",
     "assignee": "bob", "channel": "phone", "impact": 1, "urgency": 2,
     "story": [("bob", "accept"),
               ("bob", "note", "Erin called: the reader at the main gate shows no light."),
               ("bob", "request-info", {"comment": "Is the reader's power LED on? A photo of the back panel would help."})]},
    # --- resolved (waiting for the customer to accept or reject) ---
    {"title": "Cannot add new users to CloudSuite", "for": "dana", "by": "dana", "group": "Tier 1",
     "story": [("alice", "assign-to-me"),
               ("alice", "request-info", {"comment": "Which error do you see when you add a user?"}),
               ("dana", "comment", "'Seat limit reached', but we have 12 free seats."),
               ("alice", "note", "Licence sync job failed on 3 Jan; re-ran it."),
               ("alice", "propose-solution", {**FIXED, "close_notes": "The licence sync was re-run; the free seats show again.",
                                             "notes_to_comments": True})]},
    {"title": "Home printer shows error E3", "for": "connie", "by": "connie", "group": "Tier 1",
     "story": [("bob", "assign-to-me"),
               ("bob", "request-info", {"comment": "Does E3 appear right after switching on, or while printing?"}),
               ("connie", "comment", "Right after switching on, before anything else."),
               ("bob", "propose-solution", {**GUIDED, "close_notes": "E3 is a paper-feed sensor error: clean the sensor as shown in the manual, page 42."})]},
    {"title": "Dashboard shows no data since the upgrade", "for": "peter", "by": "alice", "group": "Tier 1",
     "channel": "email",
     "story": [("alice", "assign-to-me"),
               ("alice", "propose-solution", {**FIXED, "close_notes": "Cleared the dashboard cache after the upgrade."})]},
    # --- closed ---
    {"title": "Printer drivers for the new laptops", "for": "dana", "by": "dana", "group": "Tier 1",
     "story": [("alice", "assign-to-me"),
               ("alice", "propose-solution", {**GUIDED, "close_notes": "Driver package 5.2 from the download portal.", "notes_to_comments": True}),
               ("dana", "accept-solution")]},
    {"title": "Printer GLX-PRN-001 jams on duplex", "for": "erin", "by": "erin", "group": "Tier 1",
     "asset": "GLX-PRN-001",
     "story": [("bob", "assign-to-me"),
               ("bob", "propose-solution", {**GUIDED, "close_notes": "Use 80 g/m2 paper for duplex printing."}),
               ("erin", "reject-solution", {"reason": "We already use 80 g/m2 paper; it still jams."}),
               ("bob", "note", "Ordered a replacement duplex unit; technician visit on Thursday."),
               ("bob", "propose-solution", {**FIXED, "close_notes": "The duplex unit was replaced."}),
               ("erin", "accept-solution")]},
    {"title": "Password reset e-mails never arrive", "for": "peter", "by": "alice", "group": "Tier 1",
     "channel": "phone",
     "story": [("alice", "assign-to-me"),
               ("alice", "note", "Their mail filter quarantined our sender domain."),
               ("alice", "close", {"resolution_code": "solved_workaround",
                                   "close_notes": "Customer allow-listed our sender domain; resets arrive again."})]},
    {"title": "Request for 20 extra CloudSuite seats", "for": "carl", "by": "carl", "group": "Tier 1",
     "story": [("alice", "assign-to-me"),
               ("alice", "note", "Sent to sales for a quote."),
               ("carl", "comment", "Sales called us; we no longer need this case."),
               ("carl", "close")]},
    # --- cancelled ---
    {"title": "Duplicate: printer jams on duplex", "for": "hank", "by": "maria", "group": "Tier 1", "channel": "email",
     "story": [("maria", "cancel", {"reason": "Duplicate of Erin's case about the same printer."})]},
    # --- onboarding lifecycle ---
    {"title": "Onboarding: Initech CloudSuite rollout", "for": "peter", "by": "alice", "group": "Tier 1",
     "onboarding": True,
     "story": [("alice", "assign-to-me"),
               ("alice", "note", "Kick-off call done; 40 seats in two waves."),
               ("alice", "submit-for-review", {"comment": "Accounts created for wave 1; please review the setup."})]},
    {"title": "Onboarding: Globex service desk setup", "for": "erin", "by": "bob", "group": "Tier 1",
     "onboarding": True,
     "story": [("bob", "assign-to-me"),
               ("bob", "submit-for-review", {"comment": "Queues and routing rules are configured."}),
               ("maria", "complete-review")]},
    {"title": "Onboarding: Acme Europe new site", "for": "lea", "by": "charlie", "group": "Tier 2",
     "onboarding": True,
     "story": [("charlie", "assign-to-me"),
               ("charlie", "submit-for-review", {"comment": "Network and accounts ready for the Lyon site."}),
               ("maria", "return-to-work", {"comment": "The guest Wi-Fi is missing from the checklist."}),
               ("charlie", "submit-for-review", {"comment": "Guest Wi-Fi added."}),
               ("maria", "complete-review"),
               ("charlie", "propose-solution", {**FIXED, "close_notes": "The Lyon site is live.", "notes_to_comments": True}),
               ("carl", "accept-solution")]},
    {"title": "Onboarding: access for Dana's new team", "for": "dana", "by": "alice", "group": "Tier 1",
     "onboarding": True},
]
