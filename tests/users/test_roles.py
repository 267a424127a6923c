"""users/roles.py is the single source of the role Groups; migrations and sync_roles apply it."""
from fnmatch import fnmatch
from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from tests.factories import user_with_roles
from users.roles import EXTERNAL_ROLES, INTERNAL_ROLES, ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, ROLES, sync_role_permissions

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, set[int]]:
    return {g.name: set(g.permissions.values_list("pk", flat=True)) for g in Group.objects.filter(name__in=ROLES)}


def test_every_role_exists_as_a_group_after_migrate():
    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_every_role_is_described_and_listed_once():
    assert set(ROLE_PERMISSIONS) == set(ROLES) == set(ROLE_DESCRIPTIONS)
    assert len(ROLES) == len(set(ROLES)) and not set(INTERNAL_ROLES) & set(EXTERNAL_ROLES)


@pytest.mark.parametrize(
    ("role", "pattern"), [(role, pattern) for role, patterns in ROLE_PERMISSIONS.items() for pattern in patterns]
)
def test_every_permission_pattern_matches_a_real_permission(role, pattern):
    names = [f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")]
    assert any(fnmatch(name, pattern) for name in names), f"{role}: {pattern!r} matches no permission (a typo?)"


@pytest.mark.parametrize("role", EXTERNAL_ROLES)
def test_external_roles_hold_no_model_permissions(role):
    assert not Group.objects.get(name=role).permissions.exists()


@pytest.mark.parametrize("role", INTERNAL_ROLES)
def test_internal_roles_hold_permissions(role):
    assert Group.objects.get(name=role).permissions.exists()


def test_agent_views_accounts_but_does_not_change_them():
    agent = user_with_roles("agent")
    assert agent.has_perm("customers.view_account")
    assert not agent.has_perm("customers.change_account")


def test_admin_changes_accounts():
    assert user_with_roles("admin").has_perm("customers.change_account")


def test_manager_runs_teams_but_does_not_create_them():
    manager = user_with_roles("manager")
    assert manager.has_perm("users.change_assignmentgroup") and manager.has_perm("users.change_agentskill")
    assert not manager.has_perm("users.add_assignmentgroup") and not manager.has_perm("users.change_user")


def test_sync_is_idempotent():
    sync_role_permissions()
    first, permission_count, group_count = _snapshot(), Permission.objects.count(), Group.objects.count()
    sync_role_permissions()
    assert _snapshot() == first
    assert Permission.objects.count() == permission_count and Group.objects.count() == group_count


def test_sync_restores_a_tampered_role():
    expected = _snapshot()
    Group.objects.get(name="agent").permissions.clear()
    Group.objects.get(name="customer").permissions.add(Permission.objects.get(codename="change_account"))
    Group.objects.get(name="partner").delete()
    sync_role_permissions()
    assert _snapshot() == expected


def test_sync_roles_command_prints_each_role_with_its_permission_count():
    out = StringIO()
    call_command("sync_roles", stdout=out)
    lines = out.getvalue().splitlines()
    for role in ROLES:
        count = Group.objects.get(name=role).permissions.count()
        assert any(line.split()[0] == role and f"{count} permissions" in line for line in lines), role
    assert f"Synced {len(ROLES)} roles." in lines[-1]


def test_a_permission_check_costs_one_query_with_the_users_own_permissions_included(world, django_assert_num_queries):
    from django.contrib.auth.models import Permission

    from users.models import User

    user = User.objects.get(pk=world.users["agent"].pk)
    extra = Permission.objects.get(codename="view_lifecycle", content_type__app_label="cases")
    user.user_permissions.add(extra)
    user = User.objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert user.has_perm("cases.view_lifecycle")  # the user's own permission
        assert user.has_perm("cases.view_case")  # a role's (group's) permission
        assert not user.has_perm("cases.delete_lifecycle")
