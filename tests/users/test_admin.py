"""The admin console for people, roles and teams: who reaches it, and that every save goes
through users.services (roles as names, is_staff derived, passwords set by the service)."""
import pytest
from django.contrib.auth.models import Group

from tests.factories import user_with_roles
from tests.matrix import assert_status, matrix
from users import services
from users.models import AgentSkill, AssignmentGroup, Skill, User

pytestmark = pytest.mark.django_db

STRONG = "correct-horse-battery-9"
PAGES = [
    "user-changelist", "user-add", "user-change", "user-password", "user-access",
    "group-changelist", "group-add", "group-change", "group-access",
    "skill-changelist", "skill-add", "skill-change",
    "agentskill-changelist", "agentskill-add", "agentskill-change",
    "presence-changelist", "presence-add", "presence-change",
    "capacity-changelist", "capacity-add", "capacity-change",
    "role-changelist", "role-change",
]


@pytest.fixture
def pages(world, agent_skill, capacity, presence) -> dict[str, str]:
    agent, group, skill = world.users["agent"], world.group, agent_skill.skill
    role = Group.objects.get(name="agent")
    return {
        "user-changelist": "/admin/users/user/",
        "user-add": "/admin/users/user/add/",
        "user-change": f"/admin/users/user/{agent.pk}/change/",
        "user-password": f"/admin/users/user/{agent.pk}/password/",
        "user-access": f"/admin/users/user/{agent.pk}/access/",
        "group-changelist": "/admin/users/assignmentgroup/",
        "group-add": "/admin/users/assignmentgroup/add/",
        "group-change": f"/admin/users/assignmentgroup/{group.pk}/change/",
        "group-access": f"/admin/users/assignmentgroup/{group.pk}/access/",
        "skill-changelist": "/admin/users/skill/",
        "skill-add": "/admin/users/skill/add/",
        "skill-change": f"/admin/users/skill/{skill.pk}/change/",
        "agentskill-changelist": "/admin/users/agentskill/",
        "agentskill-add": "/admin/users/agentskill/add/",
        "agentskill-change": f"/admin/users/agentskill/{agent_skill.pk}/change/",
        "presence-changelist": "/admin/users/agentpresence/",
        "presence-add": "/admin/users/agentpresence/add/",
        "presence-change": f"/admin/users/agentpresence/{presence.pk}/change/",
        "capacity-changelist": "/admin/users/agentchannelcapacity/",
        "capacity-add": "/admin/users/agentchannelcapacity/add/",
        "capacity-change": f"/admin/users/agentchannelcapacity/{capacity.pk}/change/",
        "role-changelist": "/admin/auth/group/",
        "role-change": f"/admin/auth/group/{role.pk}/change/",
    }


@pytest.mark.parametrize("page", PAGES)
@matrix(anonymous=302, external=302, internal=302, admin=200)
def test_admin_page_access(page, persona, expected, client_as, pages):
    response = client_as(persona).get(pages[page])
    assert_status(response, expected)
    if expected == 302:
        assert response["Location"].startswith("/admin/login/")


def test_role_groups_cannot_be_added(client_as, world):
    assert client_as("admin").get("/admin/auth/group/add/").status_code == 403


# --- users: add ----------------------------------------------------------------------------------
def _add_user(client, **overrides):
    data = {
        "username": "tess", "usable_password": "true", "password1": STRONG, "password2": STRONG,
        "first_name": "Tess", "last_name": "Tran", "email": "tess@example.com", "roles": ["agent", "manager"],
    }
    data.update(overrides)
    return client.post("/admin/users/user/add/", {k: v for k, v in data.items() if v is not None})


def test_admin_adds_user_with_password_and_roles(client_as, world):
    response = _add_user(client_as("admin"))
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="tess")
    assert user.check_password(STRONG) and user.email == "tess@example.com"
    assert user.roles == ["agent", "manager"] and user.is_staff is False


def test_admin_add_goes_through_user_create(client_as, world, mocker):
    spy = mocker.spy(services, "user_create")
    _add_user(client_as("admin"))
    assert spy.call_count == 2  # the dry run that validates the form, then the save
    assert spy.call_args.kwargs["actor"] == world.users["admin"]
    assert spy.call_args.kwargs["password"] == STRONG


def test_admin_adds_user_with_admin_role_as_staff(client_as, world):
    _add_user(client_as("admin"), roles=["admin"])
    assert User.objects.get(username="tess").is_staff is True


def test_admin_adds_user_without_password(client_as, world):
    response = _add_user(client_as("admin"), usable_password="false", password1=None, password2=None)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not User.objects.get(username="tess").has_usable_password()


def test_admin_add_with_mismatched_passwords_writes_nothing(client_as, world):
    before = User.objects.count()
    response = _add_user(client_as("admin"), password2="something-else-entirely")
    assert response.status_code == 200 and "didn’t match" in response.content.decode()
    assert User.objects.count() == before


def test_admin_add_with_mixed_roles_shows_the_service_error(client_as, world):
    before = User.objects.count()
    response = _add_user(client_as("admin"), roles=["agent", "customer"])
    assert response.status_code == 200
    assert "never both" in response.context["adminform"].form.errors["roles"][0]
    assert User.objects.count() == before


def test_admin_add_with_duplicate_username_writes_nothing(client_as, world):
    before = User.objects.count()
    response = _add_user(client_as("admin"), username="agent_alice")
    assert response.status_code == 200 and "username" in response.context["adminform"].form.errors
    assert User.objects.count() == before


# --- users: change -----------------------------------------------------------------------------
def _inlines(**forms) -> dict:
    data = {}
    for prefix in ("presence", "skills", "channel_capacities"):
        rows = forms.get(prefix, [])
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{k}": v for k, v in row.items()})
    return data


def _change_data(user: User, **overrides) -> dict:
    data = {
        "username": user.username, "first_name": user.first_name, "last_name": user.last_name,
        "email": user.email, "phone": user.phone, "time_zone": user.time_zone, "is_active": "on",
        "roles": user.roles, "assignment_groups": [g.pk for g in user.assignment_groups.all()],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_changes_roles_and_staff_follows(client_as, world):
    agent = world.users["agent"]
    data = _change_data(agent, roles=["agent", "admin"], **_inlines())
    response = client_as("admin").post(f"/admin/users/user/{agent.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    agent.refresh_from_db()
    assert agent.roles == ["agent", "admin"] and agent.is_staff is True


def test_is_staff_and_superuser_are_read_only(client_as, world):
    agent = world.users["agent"]
    data = _change_data(agent, is_staff="on", is_superuser="on", **_inlines())
    client_as("admin").post(f"/admin/users/user/{agent.pk}/change/", data)
    agent.refresh_from_db()
    assert agent.is_staff is False and agent.is_superuser is False


def test_admin_change_with_invalid_time_zone_writes_nothing(client_as, world):
    agent = world.users["agent"]
    data = _change_data(agent, time_zone="Nowhere/Special", first_name="Changed", **_inlines())
    response = client_as("admin").post(f"/admin/users/user/{agent.pk}/change/", data)
    assert response.status_code == 200 and "time_zone" in response.context["adminform"].form.errors
    agent.refresh_from_db()
    assert agent.first_name != "Changed"


def test_admin_cannot_make_team_member_external(client_as, world):
    agent = world.users["agent"]
    data = _change_data(agent, roles=["customer"], **_inlines())
    response = client_as("admin").post(f"/admin/users/user/{agent.pk}/change/", data)
    assert response.status_code == 200
    assert "assignment_groups" in response.context["adminform"].form.errors
    assert agent.roles == ["agent"]


def test_admin_adds_skill_through_user_inline(client_as, world, skill):
    agent = world.users["agent"]
    data = _change_data(agent, **_inlines(skills=[{"skill": skill.pk, "level": "4"}]))
    response = client_as("admin").post(f"/admin/users/user/{agent.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert AgentSkill.objects.get(user=agent, skill=skill).level == 4


def test_customer_page_has_no_agent_inlines(client_as, world):
    response = client_as("admin").get(f"/admin/users/user/{world.users['customer'].pk}/change/")
    assert response.context["inline_admin_formsets"] == []


def test_agent_page_has_agent_inlines(client_as, world):
    response = client_as("admin").get(f"/admin/users/user/{world.users['agent'].pk}/change/")
    assert len(response.context["inline_admin_formsets"]) == 3


def test_admin_sets_password_through_service(client_as, world, mocker):
    agent = world.users["agent"]
    spy = mocker.spy(services, "user_password_set")
    data = {"password1": STRONG, "password2": STRONG, "usable_password": "true"}
    response = client_as("admin").post(f"/admin/users/user/{agent.pk}/password/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    agent.refresh_from_db()
    assert agent.check_password(STRONG)
    assert spy.call_args.kwargs["actor"] == world.users["admin"]


def test_admin_switches_password_sign_in_off(client_as, world):
    agent = world.users["agent"]
    data = {"usable_password": "false", "unset-password": "1"}
    response = client_as("admin").post(f"/admin/users/user/{agent.pk}/password/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    agent.refresh_from_db()
    assert not agent.has_usable_password()


def test_admin_password_page_refuses_weak_password(client_as, world):
    agent = world.users["agent"]
    data = {"password1": "123", "password2": "123", "usable_password": "true"}
    response = client_as("admin").post(f"/admin/users/user/{agent.pk}/password/", data)
    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.check_password("pass")


# --- users: changelist -------------------------------------------------------------------------
def test_changelist_shows_roles_and_account(client_as, world):
    text = client_as("admin").get("/admin/users/user/").content.decode()
    assert "customer_admin" in text and str(world.account) in text


@pytest.mark.parametrize(
    ("query", "usernames"),
    [
        ("role=customer", {"customer_dana", "customer_erin"}),
        ("role=admin", {"admin_ada", "root"}),
        ("kind=internal", {"admin_ada", "manager_max", "agent_alice", "root"}),
        ("is_active__exact=0", set()),
    ],
)
def test_changelist_filters(query, usernames, client_as, world):
    User.objects.create_superuser("root", "root@example.com", STRONG)
    response = client_as("admin").get(f"/admin/users/user/?{query}")
    assert {u.username for u in response.context["cl"].result_list} == usernames


def test_changelist_search(client_as, world):
    response = client_as("admin").get("/admin/users/user/?q=dana")
    assert [u.username for u in response.context["cl"].result_list] == ["customer_dana"]


def test_user_changelist_query_count_is_bounded(client_as, world, django_assert_max_num_queries):
    for i in range(30):
        services.user_create(actor=None, username=f"bulk{i}", roles=["customer" if i % 2 else "agent"])
    client = client_as("admin")
    with django_assert_max_num_queries(8):  # session, user, perms, count, rows, role groups: not per row
        response = client.get("/admin/users/user/")
    assert len(response.context["cl"].result_list) == 37


def test_member_picker_offers_internal_users_only(client_as, world):
    url = "/admin/autocomplete/?app_label=users&model_name=assignmentgroup&field_name=members&term="
    names = {row["text"] for row in client_as("admin").get(url).json()["results"]}
    assert names == {"admin_ada", "manager_max", "agent_alice"}


# --- assignment groups and skills --------------------------------------------------------------
def _group_data(**overrides) -> dict:
    data = {"name": "Tier 2", "description": "", "email": "", "active": "on"}
    data.update(overrides)
    return data


def test_admin_creates_group_through_service(client_as, world):
    data = _group_data(manager=world.users["manager"].pk, members=[world.users["agent"].pk])
    response = client_as("admin").post("/admin/users/assignmentgroup/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    group = AssignmentGroup.objects.get(name="Tier 2")
    assert group.manager == world.users["manager"] and list(group.members.all()) == [world.users["agent"]]


def test_admin_group_with_customer_member_shows_field_error(client_as, world):
    data = _group_data(members=[world.users["agent"].pk, world.users["customer"].pk])
    response = client_as("admin").post("/admin/users/assignmentgroup/add/", data)
    assert response.status_code == 200
    assert "customer_dana" in response.context["adminform"].form.errors["members"][0]
    assert not AssignmentGroup.objects.filter(name="Tier 2").exists()


def test_admin_group_with_customer_manager_shows_field_error(client_as, world):
    data = _group_data(manager=world.users["customer"].pk)
    response = client_as("admin").post(f"/admin/users/assignmentgroup/{world.group.pk}/change/", data)
    assert response.status_code == 200 and "manager" in response.context["adminform"].form.errors
    world.group.refresh_from_db()
    assert world.group.name == "Tier 1"


def test_group_changelist_counts_members(client_as, world):
    response = client_as("admin").get("/admin/users/assignmentgroup/")
    assert [g.member_count for g in response.context["cl"].result_list] == [2]


def test_group_changelist_query_count_is_bounded(client_as, world, django_assert_max_num_queries):
    agents = [user_with_roles("agent") for _ in range(3)]
    for i in range(30):
        services.assignment_group_create(actor=None, name=f"Team {i}", manager=world.users["manager"], members=agents)
    client = client_as("admin")
    with django_assert_max_num_queries(7):
        response = client.get("/admin/users/assignmentgroup/")
    assert len(response.context["cl"].result_list) == 31


def test_admin_adds_skill(client_as, world):
    response = client_as("admin").post("/admin/users/skill/add/", {"name": "French", "active": "on"})
    assert response.status_code == 302
    assert Skill.objects.filter(name="French", active=True).exists()


def test_admin_agent_skill_level_out_of_range_writes_nothing(client_as, world, skill):
    data = {"user": world.users["agent"].pk, "skill": skill.pk, "level": "7"}
    response = client_as("admin").post("/admin/users/agentskill/add/", data)
    assert response.status_code == 200 and "level" in response.context["adminform"].form.errors
    assert not AgentSkill.objects.exists()


def test_admin_deletes_agent_skill_through_service(client_as, world, agent_skill, mocker):
    spy = mocker.spy(services, "agent_skill_remove")
    response = client_as("admin").post(f"/admin/users/agentskill/{agent_skill.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert spy.call_count == 1 and not AgentSkill.objects.exists()


def test_role_group_page_shows_description_and_permissions(client_as, world):
    role = Group.objects.get(name="agent")
    text = client_as("admin").get(f"/admin/auth/group/{role.pk}/change/").content.decode()
    assert "Works cases" in text and "customers.view_account" in text


def test_role_group_cannot_be_changed_in_admin(client_as, world):
    role = Group.objects.get(name="customer")
    response = client_as("admin").post(f"/admin/auth/group/{role.pk}/change/", {"name": "renamed"})
    assert response.status_code == 403
    assert Group.objects.filter(name="customer").exists()
