"""Demo data for routing (called by `manage.py seed_demo` after its people, products and cases):
three assignment rules, presence for the demo agents, and two new portal cases that the rules
route, so `make run` shows an offer in alice's or bob's inbox (`GET /api/v1/offers/`), and what
happens when it times out or is rejected. Idempotent: only what is missing is added."""
from cases import services as case_services
from cases.models import AssignmentRule, Case
from cases.services import routing as routing_services
from catalog.models import Product
from customers.models import Contact
from users import services as user_services
from users.models import AssignmentGroup, Skill, User

RULES = [
    # name, order, conditions, group, fixed agent, strategy, skills [(name, min level, mandatory)]
    ("Critical cases straight to Charlie (Tier 2)", 10, {"priority": 1}, "Tier 2", "charlie", "round_robin", []),
    ("Router cases to Tier 1 networkers", 20, {"product": "ER-500"}, "Tier 1", None, "most_capacity",
     [("Networking", 3, True)]),
    ("Everything else to Tier 1, round robin", 100, {}, "Tier 1", None, "round_robin", []),
]
PRESENCE = {"alice": "available", "bob": "available", "charlie": "away", "maria": "offline"}
CASES = [
    ("dana", "Demo routing: the printer prints blank pages", {}),
    ("dana", "Demo routing: the EdgeRouter drops VPN tunnels", {"product": "ER-500"}),
]


def seed_routing_demo() -> int:
    """Add the demo routing set-up; returns how many records were added."""
    users = {u.username: u for u in User.objects.filter(username__in=[*PRESENCE, "dana"])}
    groups = {g.name: g for g in AssignmentGroup.objects.filter(name__in=["Tier 1", "Tier 2"])}
    if len(users) < len(PRESENCE) + 1 or len(groups) < 2:
        return 0  # the base demo data is not there
    added = 0
    for username, status in PRESENCE.items():
        if getattr(getattr(users[username], "presence", None), "status", None) != status:
            user_services.agent_presence_set(actor=None, user=users[username], status=status)
            added += 1
    for name, order, conditions, group, agent, strategy, skills in RULES:
        if AssignmentRule.objects.filter(name=name).exists():
            continue
        fields = dict(conditions)
        if "product" in fields:
            fields["product"] = Product.objects.get(model_number=fields["product"])
        routing_services.assignment_rule_create(
            actor=None, name=name, order=order, assignment_group=groups[group],
            assigned_to=users[agent] if agent else None, strategy=strategy, use_skills=bool(skills),
            skill_requirements=[
                {"skill": Skill.objects.get(name=skill), "min_level": level, "mandatory": mandatory}
                for skill, level, mandatory in skills
            ],
            **fields,
        )
        added += 1
    contact = Contact.objects.filter(user=users["dana"]).first()
    for username, title, fields in CASES:
        if contact is None or Case.objects.filter(short_description=title, account=contact.account).exists():
            continue
        if "product" in fields:
            fields = {**fields, "product": Product.objects.get(model_number=fields["product"])}
        case_services.case_create(actor=users[username], short_description=title, **fields)  # routed on creation
        added += 1
    return added
