"""Admin pages for routing: rules are saved through the routing services (skills inline), offers
are a read-only log. (Generic persona and query-count checks run in tests/core/test_admin_pages.py.)"""
import pytest

from cases.models import AssignmentRule, CaseOffer
from tests.factories import AssignmentGroupFactory, AssignmentRuleFactory, CaseOfferFactory, SkillFactory, routing_agent
from tests.matrix import assert_status

pytestmark = pytest.mark.django_db

RULES = "/admin/cases/assignmentrule/"
INLINE = "skill_requirements"


def _form(world, **fields):
    data = {
        "name": "From the admin", "order": 10, "active": "on", "channel": "", "priority": "",
        "assignment_group": world.group.pk, "strategy": "round_robin",
        f"{INLINE}-TOTAL_FORMS": 0, f"{INLINE}-INITIAL_FORMS": 0,
    }
    data.update(fields)
    return data


def test_admin_adds_a_rule_with_skills_through_the_service(client_as, world):
    skill = SkillFactory(name="Networking")
    response = client_as("admin").post(
        f"{RULES}add/",
        _form(world, use_skills="on", channel="phone", **{
            f"{INLINE}-TOTAL_FORMS": 1, f"{INLINE}-0-skill": skill.pk, f"{INLINE}-0-min_level": 3,
            f"{INLINE}-0-mandatory": "on",
        }),
    )
    assert_status(response, 302)
    rule = AssignmentRule.objects.get(name="From the admin")
    assert (rule.channel, rule.use_skills) == ("phone", True)
    assert [(r.skill, r.min_level, r.mandatory) for r in rule.skill_requirements.all()] == [(skill, 3, True)]


def test_the_admin_shows_the_services_errors_on_the_field(client_as, world):
    outsider = routing_agent(AssignmentGroupFactory(name="Elsewhere"), username="outsider")
    response = client_as("admin").post(f"{RULES}add/", _form(world, assigned_to=outsider.pk))
    assert_status(response, 200)
    assert "is not a member of Tier 1" in str(response.context["adminform"].form.errors["assigned_to"])
    assert not AssignmentRule.objects.exists()


def test_the_changelist_lists_rules_in_order_with_their_conditions(client_as, world):
    AssignmentRuleFactory(name="Second", order=20, channel="email", assignment_group=world.group)
    AssignmentRuleFactory(name="First", order=10, assignment_group=world.group)
    body = client_as("admin").get(RULES).content.decode()
    assert body.index("First") < body.index("Second")
    assert "channel = Email" in body and "any case" in body


def test_deactivate_action_goes_through_the_service(client_as, world):
    rule = AssignmentRuleFactory(assignment_group=world.group)
    client_as("admin").post(RULES, {"action": "deactivate_selected", "_selected_action": [rule.pk]})
    rule.refresh_from_db()
    assert rule.active is False


def test_offers_are_read_only_in_the_admin(client_as, world):
    offer = CaseOfferFactory()
    admin = client_as("admin")
    page = admin.get(f"/admin/cases/caseoffer/{offer.pk}/change/")
    assert_status(page, 200)
    assert b'name="_save"' not in page.content
    admin.post(f"/admin/cases/caseoffer/{offer.pk}/change/", {"reason": "edited"})  # refused: nothing saved
    assert_status(admin.get("/admin/cases/caseoffer/add/"), 403)
    assert CaseOffer.objects.get(pk=offer.pk).reason == ""
    assert_status(admin.get(f"/admin/cases/caseoffer/{offer.pk}/access/"), 200)
