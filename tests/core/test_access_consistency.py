"""The access explanation and the selectors must never disagree: for every model with an access
policy, every persona and a spread of objects, `can_view` equals "the selector returns it"."""
import datetime

import pytest

from cases import selectors as case_selectors
from cases import selectors_slas as case_sla_selectors
from cases import selectors_attachments as case_attachment_selectors
from cases import selectors_routing as case_routing_selectors
from cases import selectors_escalations as case_escalation_selectors
from cases import selectors_work as case_work_selectors
from catalog import selectors as catalog_selectors
from core import access
from customers import selectors as customer_selectors
from customers import services as customer_services
from interactions import selectors as interaction_selectors
from interactions import selectors_mail as interaction_mail_selectors
from tests import factories as f
from tests.matrix import PERSONAS
from users import selectors as user_selectors

pytestmark = pytest.mark.django_db

SELECTORS = {
    "users.user": user_selectors.user_list_for_user,
    "users.assignmentgroup": user_selectors.assignment_group_list_for_user,
    "customers.account": customer_selectors.account_list_for_user,
    "customers.contact": customer_selectors.contact_list_for_user,
    "customers.consumer": customer_selectors.consumer_list_for_user,
    "customers.location": customer_selectors.location_list_for_user,
    "customers.contactrelationship": customer_selectors.contact_relationship_list_for_user,
    "customers.accountrelationship": customer_selectors.account_relationship_list_for_user,
    "catalog.product": catalog_selectors.product_list_for_user,
    "catalog.servicedefinition": catalog_selectors.service_definition_list_for_user,
    "catalog.catalogitem": catalog_selectors.catalog_item_list_for_user,
    "catalog.catalogitemvariable": catalog_selectors.catalog_item_variable_list_for_user,
    "catalog.schedule": catalog_selectors.schedule_list_for_user,
    "catalog.schedulespan": catalog_selectors.schedule_span_list_for_user,
    "catalog.holiday": catalog_selectors.holiday_list_for_user,
    "catalog.contract": catalog_selectors.contract_list_for_user,
    "catalog.soldproduct": catalog_selectors.sold_product_list_for_user,
    "catalog.installbaseitem": catalog_selectors.install_base_item_list_for_user,
    "catalog.asset": catalog_selectors.asset_list_for_user,
    "catalog.entitlement": catalog_selectors.entitlement_list_for_user,
    "cases.casetype": case_selectors.case_type_list_for_user,
    "cases.case": case_selectors.case_list_for_user,
    "cases.casetask": case_work_selectors.case_task_list_for_user,
    "cases.caseline": case_work_selectors.case_line_list_for_user,
    "cases.caseattachment": case_attachment_selectors.case_attachment_list_for_user,
    "cases.caserelatedparty": case_selectors.case_related_party_list_for_user,
    "cases.tasktemplate": case_selectors.task_template_list_for_user,
    "cases.tasktemplateitem": case_selectors.task_template_item_list_for_user,
    "cases.sladefinition": case_sla_selectors.sla_definition_list_for_user,
    "cases.tasksla": case_sla_selectors.task_sla_list_for_user,
    "cases.assignmentrule": case_routing_selectors.assignment_rule_list_for_user,
    "cases.caseoffer": case_routing_selectors.case_offer_list_for_user,
    "cases.escalation": case_escalation_selectors.escalation_list_for_user,
    "cases.escalationtemplate": case_escalation_selectors.escalation_template_list_for_user,
    "cases.casetimeentry": case_escalation_selectors.case_time_entry_list_for_user,
    "interactions.interaction": interaction_selectors.interaction_list_for_user,
    "interactions.inboundmessage": interaction_mail_selectors.inbound_list_for_user,
}


def test_every_policy_has_a_selector_in_this_test():
    registered = {m._meta.label_lower for m in access.registered_models()}
    assert registered == set(SELECTORS)


@pytest.fixture
def spread(world):
    """Objects of every kind, owned across the accounts of the world, active and not."""
    consumer = customer_services.consumer_create(actor=None, first_name="Con", last_name="Sumer")
    owners = [{"account": a} for a in (world.account, world.child_account, world.other_account, world.partner_account)]
    owners.append({"consumer": consumer})
    rows = [consumer, f.ContactFactory(account=world.child_account)]
    rows += [f.LocationFactory(**{"account": None, **o}) if "consumer" in o else f.LocationFactory(**o) for o in owners]
    for owner in owners:
        product = f.ProductFactory()
        asset = f.AssetFactory(product=product, **({"account": None} | owner))
        rows += [
            product, asset,
            f.ContractFactory(**({"account": None} | owner)),
            f.SoldProductFactory(product=product, **({"account": None} | owner)),
            f.InstallBaseItemFactory(product=product, **({"account": None} | owner)),
            f.EntitlementFactory(asset=asset, **({"account": None} | owner)),
        ]
    item = f.CatalogItemFactory(active=False)
    acme_item = f.CatalogItemFactory()
    acme_item.accounts.set([world.account])
    owners_item = f.CatalogItemFactory(product=product, owners_only=True)
    span = f.ScheduleSpanFactory()
    rows += [
        f.ProductFactory(active=False), f.ServiceDefinitionFactory(), f.ServiceDefinitionFactory(active=False),
        item, f.CatalogItemVariableFactory(item=item), f.CatalogItemVariableFactory(),
        acme_item, f.CatalogItemVariableFactory(item=acme_item), owners_item,
        span.schedule, span, f.HolidayFactory(schedule=span.schedule, date=datetime.date(2026, 12, 25)),
        f.CaseTypeFactory(), f.CaseTypeFactory(active=False),
        f.ContactRelationshipFactory(contact=world.contacts["customer"], account=world.child_account),
    ]
    cases = _cases(world, consumer)
    rows += cases + _on_cases(world, cases)
    rows += list(world.contacts.values()) + [world.account, world.child_account, world.other_account]
    rows += [world.partner_account, world.group] + [u for u in world.users.values() if u]
    rows += list(world.partner_account.relationships_out.all())
    rows += f.routing_access_rows(world)
    rows += _interactions(world, cases)
    rows += [f.InboundMessageFactory(), f.InboundMessageFactory()]
    return rows


def _cases(world, consumer):
    from cases import services as case_services

    agent = world.users["agent"]
    made = [
        case_services.case_create(actor=world.users["customer"], short_description="Dana's"),
        case_services.case_create(actor=world.users["other_customer"], short_description="Erin's"),
        case_services.case_create(actor=agent, short_description="Acme, no contact", account=world.account),
        case_services.case_create(actor=agent, short_description="Europe", account=world.child_account),
        case_services.case_create(actor=agent, short_description="Consumer", consumer=consumer),
        case_services.case_create(
            actor=agent, short_description="Globex via partner", account=world.other_account,
            partner=world.partner_account,
        ),
    ]
    return made


def _on_cases(world, cases):
    """Tasks (visible and internal), lines, attachments (visible and internal), related parties
    (an authorized contact and an internal contributor) and templates, across the cases."""
    from cases import services as case_services

    rows = []
    for case in cases:
        rows += [
            f.CaseTaskFactory(case=case, visible_to_customer=True),
            f.CaseTaskFactory(case=case, assignment_group=world.group),
            f.CaseLineFactory(case=case),
            f.CaseAttachmentFactory(case=case),
            f.CaseAttachmentFactory(case=case, customer_visible=False),
            case_services.case_party_add(actor=None, case=case, party_type="contributor", user=world.users["agent"]),
        ]
    rows.append(case_services.case_party_add(
        actor=None, case=cases[2], party_type="authorized_contact", contact=world.contacts["customer"],
    ))
    template = f.TaskTemplateFactory()
    rows += [template, f.TaskTemplateItemFactory(template=template)]
    rows += [f.TaskSlaFactory(), f.SlaDefinitionFactory(active=False)]
    rows += _escalations(world, cases)
    return rows


def _interactions(world, cases):
    """Interactions with the customer (even linked to their case), a consumer's, an anonymous one."""
    from interactions import services

    agent = world.users["agent"]
    dana, _ = services.interaction_open(actor=None, type="chat", contact=world.contacts["customer"], assignment_group=world.group)
    services.interaction_link_case(actor=agent, interaction=dana, case=cases[0])
    erin, _ = services.interaction_open(actor=None, type="email", contact=world.contacts["other_customer"])
    anonymous, _ = services.interaction_open(actor=None, type="phone", phone="+1 555 0000")
    return [dana, erin, anonymous]


def _escalations(world, cases):
    """Case escalations (customer- and agent-requested), an account escalation, a template and
    time worked."""
    from cases.services import escalations

    agent = world.users["agent"]
    rows = [f.EscalationFactory(case=case) for case in cases[1:]]
    rows.append(escalations.escalation_request(actor=world.users["customer"], case=cases[0], reason="inactivity"))
    rows.append(escalations.escalation_request(actor=agent, account=world.account, reason="inactivity"))
    rows += [f.EscalationTemplateFactory(), f.CaseTimeEntryFactory(case=cases[0], actor=agent)]
    return rows


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_explanation_matches_selector(persona, world, spread):
    user = world.users[persona]
    kinds = set()
    for obj in spread:
        label = obj._meta.label_lower
        kinds.add(label)
        visible = SELECTORS[label](user=user).filter(pk=obj.pk).exists()
        explained = access.access_explain(obj, user)
        assert explained.can_view == visible, f"{persona} / {label} {obj}: selector {visible}, explain {explained}"
    assert kinds == set(SELECTORS)


def test_anonymous_can_see_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert access.access_explain(world.account, AnonymousUser()).can_view is False
