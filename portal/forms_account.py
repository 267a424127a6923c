"""Forms of the portal's account pages. Django's auth forms, with their writes sent through the
users service (so the temporary-password flag is cleared in one place) and the reset mail sent
through the notifications outbox (retried like every other message)."""
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from customers.selectors_portal import branding_active
from notifications import services as notification_services
from users import services as user_services
from users.forms import RecheckedPasswordChangeForm
from users.permissions import is_internal


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password didn't match. Please try again.",
    }


class PortalPasswordResetForm(PasswordResetForm):
    """Resets customers' passwords only: support staff never get a reset link from the portal
    (an admin resets theirs), which keeps the admin accounts out of this form's reach."""

    def get_users(self, email):
        return [user for user in super().get_users(email) if not is_internal(user)]

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = notification_services.render_text_file(subject_template_name, context, one_line=True)
        body = notification_services.render_text_file(email_template_name, context)
        notification_services.notification_enqueue(
            event="account.password_reset", subject=subject, body=body, recipient=context["user"], to_address=to_email,
        )


def reset_email_context() -> dict:
    return {"site_url": settings.SITE_URL, "portal_name": branding_active().name}


class PortalSetPasswordForm(SetPasswordForm):
    """The new password from a reset link: a valid token stands for the person (actor None)."""

    def save(self, commit=True):
        return user_services.user_password_change(actor=None, user=self.user, password=self.cleaned_data["new_password1"])


class PortalPasswordChangeForm(RecheckedPasswordChangeForm):
    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        if user.password_change_required:
            self.fields["old_password"].label = "Temporary password (from the mail)"


class RegistrationForm(forms.Form):
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=150, help_text="Your work address: it becomes your username.")
    registration_code = forms.CharField(
        max_length=64, help_text="Your organisation's administrator or your account manager gives it to you."
    )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)


class AccountUserCreateForm(forms.Form):
    account = forms.ModelChoiceField(queryset=None, empty_label=None)
    first_name = forms.CharField(max_length=100)
    last_name = forms.CharField(max_length=100)
    email = forms.EmailField(max_length=150, help_text="Becomes their username; the temporary password is mailed here.")
    customer_admin = forms.BooleanField(required=False, label="Customer admin (manages this account's users)")

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts
