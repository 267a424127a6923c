"""The authentication backends: the sign-in lock-out first, then Django's ModelBackend with the
group permissions loaded together with the user's role names and the user's own permissions
(users.roles.load_groups): one query per request instead of two."""
from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend

from users.roles import ROLES, load_groups


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a password check while its username and client address are paused (users/lockout.py).
    A check without a request (a management command, a test's `authenticate()`) has no address to
    count against and passes on to the next backend: every web sign-in passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class RoleModelBackend(ModelBackend):
    def _get_group_permissions_cached(self, user_obj) -> set[str]:
        if not hasattr(user_obj, "_group_perm_cache"):
            names = load_groups(user_obj)
            if not hasattr(user_obj, "_role_names"):
                user_obj._role_names = sorted(names, key=ROLES.index)
        return user_obj._group_perm_cache

    def get_group_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_group_permissions(user_obj, obj)
        return self._get_group_permissions_cached(user_obj)

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            groups = self._get_group_permissions_cached(user_obj)  # first: it loads the user's own too
            user_obj._perm_cache = {*self.get_user_permissions(user_obj), *groups}
        return user_obj._perm_cache
