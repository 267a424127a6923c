"""Hook points where higher apps follow changes to customers without customers importing them.

- `register_login_changed(cb)`: cb(person, old_user, new_user) after a contact's or consumer's
  login changes, inside the changing transaction. Cases moves the grants of authorized related
  parties with it (a party's access follows the person, not the old login).
"""
from collections.abc import Callable

_login_changed: list[Callable] = []


def register_login_changed(callback: Callable) -> None:
    if callback not in _login_changed:
        _login_changed.append(callback)


def login_changed(person, old_user, new_user) -> None:
    if old_user == new_user:
        return
    for callback in list(_login_changed):
        callback(person, old_user, new_user)
