"""/assignment-groups/, /skills/, /agent-skills/, /agent-capacities/, /agent-presences/."""
import pytest

from tests.factories import user_with_roles
from tests.matrix import assert_status, matrix
from users import services
from users.models import AgentChannelCapacity, AgentSkill, AssignmentGroup, Skill

pytestmark = pytest.mark.django_db


# --- assignment groups -------------------------------------------------------------------------
@matrix(external=200)
def test_assignment_group_list_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get("/api/v1/assignment-groups/"), expected)


@matrix(external=404)
def test_assignment_group_detail_access(persona, expected, api_as, world):
    assert_status(api_as(persona).get(f"/api/v1/assignment-groups/{world.group.pk}/"), expected)


@matrix(external=403, internal=403, admin=201)
def test_assignment_group_create_access(persona, expected, api_as, world):
    body = {"name": "Tier 2", "manager": world.users["manager"].pk, "members": [world.users["agent"].pk]}
    assert_status(api_as(persona).post("/api/v1/assignment-groups/", body), expected)


@matrix(external=404, agent=403)
def test_assignment_group_update_access(persona, expected, api_as, world):
    response = api_as(persona).patch(f"/api/v1/assignment-groups/{world.group.pk}/", {"description": "First line"})
    assert_status(response, expected)


def test_external_users_see_no_assignment_groups(api_as, world):
    assert api_as("customer").get("/api/v1/assignment-groups/").data["count"] == 0


def test_assignment_group_shows_manager_and_members(api_as, world):
    body = api_as("agent").get(f"/api/v1/assignment-groups/{world.group.pk}/").data
    assert body["manager"] == world.users["manager"].pk
    assert sorted(body["members"]) == sorted([world.users["agent"].pk, world.users["manager"].pk])


def test_agent_who_manages_a_group_may_change_it(world, api_as):
    group = services.assignment_group_create(actor=None, name="Night shift", manager=world.users["agent"])
    response = api_as("agent").patch(f"/api/v1/assignment-groups/{group.pk}/", {"email": "night@example.com"})
    assert_status(response, 200)
    assert response.data["email"] == "night@example.com"


def test_agent_may_not_change_a_group_they_only_belong_to(world, api_as):
    response = api_as("agent").patch(f"/api/v1/assignment-groups/{world.group.pk}/", {"name": "Mine now"})
    assert response.status_code == 403 and "group's manager" in response.data["detail"]
    world.group.refresh_from_db()
    assert world.group.name == "Tier 1"


def test_customer_cannot_manage_a_group(api_as, world):
    body = {"name": "Tier 2", "manager": world.users["customer"].pk}
    response = api_as("admin").post("/api/v1/assignment-groups/", body)
    assert response.status_code == 400 and "customer_dana" in response.data["errors"]["manager"][0]
    assert not AssignmentGroup.objects.filter(name="Tier 2").exists()


def test_customer_cannot_be_a_group_member(api_as, world):
    members = [world.users["agent"].pk, world.users["customer"].pk]
    response = api_as("admin").patch(f"/api/v1/assignment-groups/{world.group.pk}/", {"members": members})
    assert response.status_code == 400 and "customer_dana" in response.data["errors"]["members"][0]
    assert world.users["customer"] not in world.group.members.all()


def test_duplicate_group_name_is_refused(api_as, world):
    response = api_as("admin").post("/api/v1/assignment-groups/", {"name": "Tier 1"})
    assert response.status_code == 400 and "name" in response.data["errors"]
    assert AssignmentGroup.objects.count() == 1


def test_assignment_group_list_query_count_is_bounded(api_as, world, django_assert_max_num_queries):
    agents = [user_with_roles("agent") for _ in range(3)]
    for i in range(30):
        services.assignment_group_create(actor=None, name=f"Team {i}", manager=world.users["manager"], members=agents)
    with django_assert_max_num_queries(6):
        response = api_as("agent").get("/api/v1/assignment-groups/?page_size=50")
    assert response.data["count"] == 31


# --- skills ------------------------------------------------------------------------------------
@matrix(external=200)
def test_skill_list_access(persona, expected, api_as, skill):
    assert_status(api_as(persona).get("/api/v1/skills/"), expected)


@matrix(external=404)
def test_skill_detail_access(persona, expected, api_as, skill):
    assert_status(api_as(persona).get(f"/api/v1/skills/{skill.pk}/"), expected)


@matrix(external=403, internal=403, admin=201)
def test_skill_create_access(persona, expected, api_as, world):
    assert_status(api_as(persona).post("/api/v1/skills/", {"name": "French"}), expected)


@matrix(external=404, internal=403, admin=200)
def test_skill_update_access(persona, expected, api_as, skill):
    assert_status(api_as(persona).patch(f"/api/v1/skills/{skill.pk}/", {"active": False}), expected)


def test_external_users_see_no_skills(api_as, skill):
    assert api_as("customer").get("/api/v1/skills/").data["count"] == 0


# --- agent skills ------------------------------------------------------------------------------
@matrix(external=200)
def test_agent_skill_list_access(persona, expected, api_as, agent_skill):
    assert_status(api_as(persona).get("/api/v1/agent-skills/"), expected)


@matrix(external=404)
def test_agent_skill_detail_access(persona, expected, api_as, agent_skill):
    assert_status(api_as(persona).get(f"/api/v1/agent-skills/{agent_skill.pk}/"), expected)


@matrix(external=403, agent=403, manager=201, admin=201)
def test_agent_skill_create_access(persona, expected, api_as, world, skill):
    body = {"user": world.users["agent"].pk, "skill": skill.pk, "level": 4}
    assert_status(api_as(persona).post("/api/v1/agent-skills/", body), expected)


@matrix(external=404, agent=403)
def test_agent_skill_update_access(persona, expected, api_as, agent_skill):
    assert_status(api_as(persona).patch(f"/api/v1/agent-skills/{agent_skill.pk}/", {"level": 5}), expected)


@matrix(external=404, agent=403, manager=204, admin=204)
def test_agent_skill_delete_access(persona, expected, api_as, agent_skill):
    assert_status(api_as(persona).delete(f"/api/v1/agent-skills/{agent_skill.pk}/"), expected)


def test_external_users_see_no_agent_skills(api_as, agent_skill):
    assert api_as("customer").get("/api/v1/agent-skills/").data["count"] == 0


@pytest.mark.parametrize("level", [0, 6])
def test_skill_level_outside_one_to_five_is_refused(level, api_as, world, skill):
    body = {"user": world.users["agent"].pk, "skill": skill.pk, "level": level}
    response = api_as("manager").post("/api/v1/agent-skills/", body)
    assert response.status_code == 400 and "level" in response.data["errors"]
    assert not AgentSkill.objects.exists()


def test_skill_level_update_outside_range_changes_nothing(api_as, agent_skill):
    response = api_as("manager").patch(f"/api/v1/agent-skills/{agent_skill.pk}/", {"level": 9})
    agent_skill.refresh_from_db()
    assert response.status_code == 400 and "level" in response.data["errors"]
    assert agent_skill.level == 3


def test_patch_changes_level_only(api_as, agent_skill, world):
    other = services.skill_create(actor=None, name="Billing")
    client = api_as("manager")
    refused = client.patch(f"/api/v1/agent-skills/{agent_skill.pk}/", {"level": 5, "skill": other.pk})
    assert refused.status_code == 400 and "new row" in refused.data["errors"]["skill"][0]  # said, not ignored
    agent_skill.refresh_from_db()
    assert agent_skill.level == 3
    body = client.patch(f"/api/v1/agent-skills/{agent_skill.pk}/", {"level": 5}).data
    assert body["level"] == 5 and body["skill"] == agent_skill.skill_id


def test_customer_cannot_hold_a_skill(api_as, world, skill):
    body = {"user": world.users["customer"].pk, "skill": skill.pk, "level": 3}
    response = api_as("manager").post("/api/v1/agent-skills/", body)
    assert response.status_code == 400 and "not an agent" in response.data["errors"]["user"][0]
    assert not AgentSkill.objects.exists()


def test_same_skill_twice_is_refused(api_as, agent_skill, world):
    body = {"user": world.users["agent"].pk, "skill": agent_skill.skill_id, "level": 1}
    response = api_as("manager").post("/api/v1/agent-skills/", body)
    assert response.status_code == 400
    assert AgentSkill.objects.get().level == 3


# --- agent capacities --------------------------------------------------------------------------
@matrix(external=200)
def test_agent_capacity_list_access(persona, expected, api_as, capacity):
    assert_status(api_as(persona).get("/api/v1/agent-capacities/"), expected)


@matrix(external=404)
def test_agent_capacity_detail_access(persona, expected, api_as, capacity):
    assert_status(api_as(persona).get(f"/api/v1/agent-capacities/{capacity.pk}/"), expected)


@matrix(external=403, agent=403, manager=201, admin=201)
def test_agent_capacity_create_access(persona, expected, api_as, world):
    body = {"user": world.users["agent"].pk, "channel": "phone", "max_items": 1}
    assert_status(api_as(persona).post("/api/v1/agent-capacities/", body), expected)


@matrix(external=404, agent=403)
def test_agent_capacity_update_access(persona, expected, api_as, capacity):
    assert_status(api_as(persona).patch(f"/api/v1/agent-capacities/{capacity.pk}/", {"max_items": 4}), expected)


@matrix(external=404, internal=403, admin=204)
def test_agent_capacity_delete_access(persona, expected, api_as, capacity):
    assert_status(api_as(persona).delete(f"/api/v1/agent-capacities/{capacity.pk}/"), expected)


def test_unknown_channel_is_refused(api_as, world):
    body = {"user": world.users["agent"].pk, "channel": "pigeon", "max_items": 1}
    response = api_as("manager").post("/api/v1/agent-capacities/", body)
    assert response.status_code == 400 and "channel" in response.data["errors"]
    assert not AgentChannelCapacity.objects.exists()


# --- agent presences ---------------------------------------------------------------------------
@matrix(external=200)
def test_agent_presence_list_access(persona, expected, api_as, presence):
    assert_status(api_as(persona).get("/api/v1/agent-presences/"), expected)


@matrix(external=404)
def test_agent_presence_detail_access(persona, expected, api_as, presence):
    assert_status(api_as(persona).get(f"/api/v1/agent-presences/{presence.pk}/"), expected)


@matrix(external=405, internal=405)
def test_agent_presence_is_set_through_me_only(persona, expected, api_as, presence):
    assert_status(api_as(persona).post("/api/v1/agent-presences/", {"status": "away"}), expected)


def test_skills_are_managed_by_admins_only(api_as, world):
    response = api_as("manager").post("/api/v1/skills/", {"name": "French"})
    assert response.status_code == 403 and not Skill.objects.exists()
