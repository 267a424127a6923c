"""users.services: the one writer of people, roles and teams."""
import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError

from core.choices import Channel
from tests.factories import user_with_roles
from users import services
from users.models import AgentChannelCapacity, AgentPresence, AgentSkill, AssignmentGroup, User

pytestmark = pytest.mark.django_db

STRONG = "correct-horse-battery-9"


# --- users and roles ---------------------------------------------------------------------------
def test_user_create_puts_user_in_role_groups(world):
    user = services.user_create(actor=world.users["admin"], username="tess", roles=["agent", "manager"])
    assert sorted(user.groups.values_list("name", flat=True)) == ["agent", "manager"]
    assert user.roles == ["agent", "manager"] and user.is_staff is False


def test_user_create_without_password_has_unusable_password(world):
    user = services.user_create(actor=None, username="tess")
    assert not user.has_usable_password()


def test_admin_role_makes_staff_and_losing_it_unmakes(world):
    user = services.user_create(actor=None, username="tess", roles=["admin"])
    assert user.is_staff is True
    user = services.user_set_roles(actor=world.users["admin"], user=user, roles=["agent"])
    assert user.is_staff is False


def test_superuser_stays_staff_without_admin_group(world):
    root = User.objects.create_superuser("root", "root@example.com", STRONG)
    root = services.user_set_roles(actor=None, user=root, roles=[])
    assert root.is_staff is True and root.roles == ["admin"]


def test_setting_roles_keeps_other_groups(world):
    user = user_with_roles("agent")
    night = Group.objects.create(name="night-shift-grants")
    user.groups.add(night)
    services.user_set_roles(actor=None, user=user, roles=["manager"])
    assert set(user.groups.values_list("name", flat=True)) == {"manager", "night-shift-grants"}


@pytest.mark.parametrize("persona", ["agent", "manager", "customer_admin"])
def test_only_admins_create_users(persona, world):
    with pytest.raises(PermissionDenied, match="Only admins"):
        services.user_create(actor=world.users[persona], username="tess")
    assert not User.objects.filter(username="tess").exists()


def test_unknown_role_writes_nothing(world):
    before = User.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=None, username="tess", roles=["agent", "ninja"])
    assert "'ninja'" in exc.value.message_dict["roles"][0]
    assert "Known roles: agent, manager, admin" in exc.value.message_dict["roles"][0]
    assert User.objects.count() == before


def test_mixed_roles_are_refused_naming_both_sides(world):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=None, username="tess", roles=["manager", "partner"])
    assert "manager cannot be combined with partner" in exc.value.message_dict["roles"][0]


def test_duplicate_roles_are_harmless(world):
    user = services.user_create(actor=None, username="tess", roles=["agent", "agent"])
    assert user.roles == ["agent"]


def test_invalid_time_zone_names_the_field(world):
    with pytest.raises(ValidationError) as exc:
        services.user_update(actor=None, instance=world.users["agent"], time_zone="Europe/Atlantis")
    assert "Europe/Atlantis" in exc.value.message_dict["time_zone"][0]


def test_weak_password_is_refused_for_an_interface_caller(world):
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=world.users["admin"], username="tess", password="password")
    assert "password" in exc.value.message_dict
    assert not User.objects.filter(username="tess").exists()


def test_trusted_callers_may_set_any_password(world):
    user = services.user_create(actor=None, username="tess", password="demo")
    assert user.check_password("demo")


def test_user_update_sets_password(world):
    user = services.user_update(actor=world.users["admin"], instance=world.users["agent"], password=STRONG)
    assert user.check_password(STRONG)


def test_user_update_without_roles_leaves_roles(world):
    user = services.user_update(actor=None, instance=world.users["manager"], first_name="Max")
    assert user.roles == ["manager"] and user.first_name == "Max"


def test_losing_internal_role_while_in_a_team_is_refused(world):
    agent = world.users["agent"]
    with pytest.raises(ValidationError) as exc:
        services.user_set_roles(actor=None, user=agent, roles=["customer"])
    assert "Tier 1" in exc.value.message_dict["roles"][0]
    assert agent.roles == ["agent"]


def test_leaving_teams_and_internal_roles_together_is_allowed(world):
    agent = services.user_update(actor=None, instance=world.users["agent"], roles=["customer"], assignment_groups=[])
    assert agent.roles == ["customer"] and not agent.assignment_groups.exists()


def test_manager_of_a_group_keeps_an_internal_role(world):
    with pytest.raises(ValidationError):
        services.user_update(actor=None, instance=world.users["manager"], roles=[], assignment_groups=[])


def test_user_password_set_and_switch_off(world):
    agent = services.user_password_set(actor=world.users["admin"], user=world.users["agent"], password=STRONG)
    assert agent.check_password(STRONG)
    agent = services.user_password_set(actor=world.users["admin"], user=agent, password=None)
    assert not agent.has_usable_password()


def test_user_password_set_is_for_admins(world):
    with pytest.raises(PermissionDenied):
        services.user_password_set(actor=world.users["manager"], user=world.users["agent"], password=STRONG)


# --- assignment groups -------------------------------------------------------------------------
def test_group_manager_may_update_own_group(world):
    group = services.assignment_group_create(actor=None, name="Night", manager=world.users["agent"])
    group = services.assignment_group_update(actor=world.users["agent"], instance=group, description="Nights")
    assert group.description == "Nights"


def test_member_may_not_update_group(world):
    with pytest.raises(PermissionDenied):
        services.assignment_group_update(actor=world.users["agent"], instance=world.group, description="x")


def test_manager_role_may_not_create_groups(world):
    with pytest.raises(PermissionDenied):
        services.assignment_group_create(actor=world.users["manager"], name="Tier 2")
    assert AssignmentGroup.objects.count() == 1


def test_external_manager_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.assignment_group_create(actor=None, name="Tier 2", manager=world.users["partner"])
    assert "partner_pat" in exc.value.message_dict["manager"][0]
    assert AssignmentGroup.objects.count() == 1


def test_external_member_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.assignment_group_create(actor=None, name="Tier 2", members=[world.users["customer"]])
    assert "customer_dana" in exc.value.message_dict["members"][0]
    assert AssignmentGroup.objects.count() == 1


# --- agent settings ----------------------------------------------------------------------------
@pytest.mark.parametrize("level", [0, 6])
def test_skill_level_must_be_one_to_five(level, world, skill):
    with pytest.raises(ValidationError) as exc:
        services.agent_skill_set(actor=None, user=world.users["agent"], skill=skill, level=level)
    assert "level" in exc.value.message_dict
    assert not AgentSkill.objects.exists()


def test_agent_skill_set_updates_existing_level(world, agent_skill):
    row = services.agent_skill_set(actor=world.users["manager"], user=agent_skill.user, skill=agent_skill.skill, level=5)
    assert row.pk == agent_skill.pk and AgentSkill.objects.get().level == 5


def test_agent_skill_update_to_a_skill_already_held_is_refused(world, agent_skill):
    other = services.skill_create(actor=None, name="Billing")
    second = services.agent_skill_set(actor=None, user=agent_skill.user, skill=other, level=2)
    with pytest.raises(ValidationError):
        services.agent_skill_update(actor=None, instance=second, skill=agent_skill.skill)
    second.refresh_from_db()
    assert second.skill == other


def test_agents_do_not_set_their_own_skills(world, agent_skill):
    with pytest.raises(PermissionDenied):
        services.agent_skill_update(actor=world.users["agent"], instance=agent_skill, level=5)


def test_agent_skill_remove(world, agent_skill):
    services.agent_skill_remove(actor=world.users["manager"], user=agent_skill.user, skill=agent_skill.skill)
    assert not AgentSkill.objects.exists()


def test_customer_cannot_hold_capacity(world):
    with pytest.raises(ValidationError) as exc:
        services.agent_capacity_set(actor=None, user=world.users["customer"], channel=Channel.CHAT, max_items=1)
    assert "not an agent" in exc.value.message_dict["user"][0]


def test_manager_changes_capacity_but_only_admin_removes_it(world, capacity):
    row = services.agent_capacity_update(actor=world.users["manager"], instance=capacity, max_items=7)
    assert row.max_items == 7
    with pytest.raises(PermissionDenied, match="Only admins remove"):
        services.agent_capacity_remove(actor=world.users["manager"], user=capacity.user, channel=capacity.channel)
    services.agent_capacity_remove(actor=world.users["admin"], user=capacity.user, channel=capacity.channel)
    assert not AgentChannelCapacity.objects.exists()


def test_agent_sets_own_presence(world):
    row = services.agent_presence_set(actor=world.users["agent"], user=world.users["agent"], status="available")
    assert row.status == "available"


def test_agent_cannot_set_colleagues_presence(world):
    with pytest.raises(PermissionDenied, match="themself or a manager"):
        services.agent_presence_set(actor=world.users["agent"], user=world.users["manager"], status="away")


def test_manager_sets_agents_presence(world):
    row = services.agent_presence_set(actor=world.users["manager"], user=world.users["agent"], status="away")
    assert row.status == "away"


def test_customer_setting_own_presence_is_told_why(world):
    with pytest.raises(PermissionDenied) as exc:
        services.agent_presence_set(actor=world.users["customer"], user=world.users["customer"], status="available")
    assert "customer_dana holds customer, not an internal role" in str(exc.value)
    assert not AgentPresence.objects.exists()


def test_manager_naming_a_customer_gets_a_field_error(world):
    with pytest.raises(ValidationError) as exc:
        services.agent_presence_set(actor=world.users["manager"], user=world.users["customer"], status="away")
    assert "user" in exc.value.message_dict


def test_unknown_presence_names_the_choices(world):
    with pytest.raises(ValidationError) as exc:
        services.agent_presence_set(actor=None, user=world.users["agent"], status="busy")
    assert "available, away, offline" in exc.value.message_dict["status"][0]
    assert not AgentPresence.objects.exists()
