"""Temporary passwords and the person's own change (the portal's first sign-in)."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from users import services

pytestmark = pytest.mark.django_db


def test_a_temporary_password_works_and_requires_a_change(world):
    user = world.users["customer"]
    password = services.user_password_temporary_set(actor=None, user=user)
    user.refresh_from_db()
    assert user.check_password(password) and user.password_change_required
    assert len(password) == 14 and password != services.password_temporary_make()


def test_only_user_managers_set_temporary_passwords_for_others(world):
    with pytest.raises(PermissionDenied):
        services.user_password_temporary_set(actor=world.users["customer_admin"], user=world.users["customer"])


def test_the_person_changes_their_password_and_the_requirement_clears(world):
    user = world.users["customer"]
    services.user_password_temporary_set(actor=None, user=user)
    services.user_password_change(actor=user, user=user, password="Fresh-Passw0rd-42")
    user.refresh_from_db()
    assert user.check_password("Fresh-Passw0rd-42") and not user.password_change_required


def test_a_weak_password_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.user_password_change(actor=None, user=world.users["customer"], password="123")
    assert "password" in exc.value.message_dict


def test_nobody_changes_someone_elses_password_this_way(world):
    with pytest.raises(PermissionDenied):
        services.user_password_change(actor=world.users["customer_admin"], user=world.users["customer"],
                                      password="Fresh-Passw0rd-42")
