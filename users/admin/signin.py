"""Sign-ins in the admin console, under Users:

- API tokens: everyone's, read-only; "Revoke" (and delete) go through users.services.
- Sign-in lock-outs and failure counts (django-axes' AccessAttempt): who is paused now and until
  when; "Unlock" forgets the failures of a username and address (or of a whole address) through
  users.lockout, so they can sign in again at once.
- The logs of failed and of successful sign-ins, read-only.
- The console's own "Change password" page (`own_password_change`, routed in config/urls.py):
  the current password is checked as a sign-in, and the change goes through the service.
"""
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import PasswordChangeView
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import TokenProxy

from users import lockout, services
from users.forms import RecheckedPasswordChangeForm
from users.models import ApiToken, LoginFailure, LoginFailureCount, LoginRecord


if admin.site.is_registered(TokenProxy):  # DRF's one-per-person tokens: replaced by ApiToken (none are left)
    admin.site.unregister(TokenProxy)


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class _TokenStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("expired", "Expired")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "live":
            return queryset.filter(expires_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(_ReadOnly):
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "last_used_at", "state"]
    list_select_related = ["user"]
    list_filter = [_TokenStateFilter]
    search_fields = ["user__username", "user__email", "name", "prefix"]
    fields = ["user", "name", "prefix", "created_at", "expires_at", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke_selected"]

    @admin.display(description="state")
    def state(self, token: ApiToken) -> str:
        return "expired" if token.expires_at <= timezone.now() else "live"

    @admin.action(description="Revoke the selected tokens", permissions=["delete"])
    def revoke_selected(self, request, queryset):
        count = 0
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)
            count += 1
        self.message_user(request, f"{count} token{'s' if count != 1 else ''} revoked.", messages.SUCCESS)

    def delete_model(self, request, obj):
        services.api_token_revoke(actor=request.user, token=obj)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(actor=request.user, token=token)


class _LockedNowFilter(admin.SimpleListFilter):
    title = "locked out now"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(lockout.locked_now_q())
        if self.value() == "no":
            return queryset.exclude(lockout.locked_now_q())
        return queryset


@admin.register(LoginFailureCount)
class LoginFailureCountAdmin(_ReadOnly):
    list_display = ["username", "ip_address", "status", "failures_since_start", "attempt_time", "path_info", "user_agent"]
    list_filter = [_LockedNowFilter, "path_info"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["username", "ip_address", "user_agent", "failures_since_start", "attempt_time", "path_info", "http_accept"]
    readonly_fields = fields
    actions = ["unlock_pairs", "unlock_addresses"]

    def get_queryset(self, request):
        return lockout.attempts_with_counts(super().get_queryset(request))

    @admin.display(description="status")
    def status(self, attempt) -> str:
        state = lockout.attempt_status(attempt)
        if state.until is not None:
            scope = "address" if state.whole_address else "username from this address"
            return f"Locked ({scope}) until {timezone.localtime(state.until):%Y-%m-%d %H:%M %Z}"
        if state.expired:
            return "Expired (no longer counted)"
        return f"{state.pair_failures} of {settings.LOGIN_FAILURE_LIMIT} failures"

    @admin.action(description="Unlock the selected usernames at their addresses", permissions=["delete"])
    def unlock_pairs(self, request, queryset):
        count = lockout.lockout_clear(actor=request.user, attempts=list(queryset))
        self.message_user(request, f"Unlocked: {count} failure record{'s' if count != 1 else ''} forgotten.", messages.SUCCESS)

    @admin.action(description="Unlock the selected addresses (every username)", permissions=["delete"])
    def unlock_addresses(self, request, queryset):
        count = lockout.lockout_clear_addresses(actor=request.user, attempts=list(queryset))
        self.message_user(request, f"Unlocked: {count} failure record{'s' if count != 1 else ''} forgotten.", messages.SUCCESS)

    def delete_model(self, request, obj):
        lockout.lockout_clear(actor=request.user, attempts=[obj])

    def delete_queryset(self, request, queryset):
        lockout.lockout_clear(actor=request.user, attempts=list(queryset))


@admin.register(LoginFailure)
class LoginFailureAdmin(_ReadOnly):
    list_display = ["attempt_time", "username", "ip_address", "locked_out", "path_info", "user_agent"]
    list_filter = ["locked_out", "path_info"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "username", "ip_address", "locked_out", "path_info", "user_agent", "http_accept"]
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LoginRecord)
class LoginRecordAdmin(_ReadOnly):
    list_display = ["attempt_time", "username", "ip_address", "logout_time", "path_info", "user_agent"]
    list_filter = ["path_info"]
    search_fields = ["username", "ip_address"]
    date_hierarchy = "attempt_time"
    fields = ["attempt_time", "logout_time", "username", "ip_address", "path_info", "user_agent", "http_accept"]
    readonly_fields = fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _OwnPasswordChangeForm(RecheckedPasswordChangeForm):
    required_css_class = "required"


class _OwnPasswordChangeView(PasswordChangeView):
    form_class = _OwnPasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


def own_password_change(request):
    """/admin/password_change/ (Django's AdminSite.password_change, with RecheckedPasswordChangeForm)."""
    request.current_app = admin.site.name
    view = _OwnPasswordChangeView.as_view(
        success_url=reverse("admin:password_change_done"), extra_context=admin.site.each_context(request)
    )
    return view(request)
