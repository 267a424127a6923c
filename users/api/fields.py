"""The one way an API input names a person by id (users.selectors.user_list_nameable_by)."""
from core.api.fields import ScopedPrimaryKeyRelatedField
from users.selectors import user_list_nameable_by

NO_SUCH_USER = "No such user, or not one you can name here: give the id of an active staff member (or your own)."


class UserIdField(ScopedPrimaryKeyRelatedField):
    """A user id resolved through what the caller may name. An id outside it answers exactly like
    an id nobody holds (same status, same words, the id not repeated), for every caller: whether
    an id exists, is a customer's or is inactive cannot be read off the answer."""

    def __init__(self, **kwargs):
        kwargs.setdefault("selector", user_list_nameable_by)
        super().__init__(**kwargs)
        self.error_messages = {**self.error_messages, "does_not_exist": NO_SUCH_USER}
