"""Forms shared by every place a signed-in person changes their own password (the portal's page,
the admin console's "Change password")."""
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError

from users import services
from users.lockout import password_recheck


class RecheckedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, saved through `users.services.user_password_change` (which
    revokes the person's API tokens), whose current-password check counts as a sign-in: a wrong
    one is a failed sign-in, and while sign-in is paused the check is refused (users/lockout.py),
    so a session left open cannot be used to guess the password. The view passes `request`."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            valid = password_recheck(request=self.request, user=self.user, password=old_password)
        except PermissionDenied as exc:
            raise ValidationError(str(exc), code="locked_out") from exc
        if not valid:
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password

    def save(self, commit=True):
        return services.user_password_change(actor=self.user, user=self.user, password=self.cleaned_data["new_password1"])
