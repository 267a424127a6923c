"""The portal's account pages: sign-in and sign-out, password reset and change, self-registration,
and a customer admin's pages for registration requests and the account's users.

Every write goes through customers/users services with `actor=request.user`; every read through a
selector scoped to the reader, so a request or contact outside the accounts someone administers is
a 404, like everything else out of scope."""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from core.exceptions import Conflict
from customers import selectors_portal as selectors
from customers import services_registration as registration
from portal import forms_account as forms
from portal.access import PortalMixin, portal_view
from portal.ratelimit import rate_exceeded
from users import selectors as user_selectors
from users import services as user_services
from users.permissions import is_internal

PORTAL_HOME = "/portal/"  # portal:home (portal/urls_cases.py)
WORKSPACE_HOME = "/"


def home_for(user) -> str:
    """Where a signed-in person belongs: staff to the workspace, everyone else to the portal."""
    return WORKSPACE_HOME if is_internal(user) else PORTAL_HOME


# --- sign-in, sign-out, passwords -------------------------------------------------------------
class PortalLoginView(auth_views.LoginView):
    template_name = "portal/account/login.html"
    form_class = forms.PortalAuthenticationForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return home_for(self.request.user)


class PortalLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("portal:login")


class PortalPasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/account/password_reset_form.html"
    email_template_name = "portal/account/password_reset_email.txt"
    subject_template_name = "portal/account/password_reset_subject.txt"
    form_class = forms.PortalPasswordResetForm
    success_url = reverse_lazy("portal:password-reset-done")

    def post(self, request, *args, **kwargs):
        if rate_exceeded(request, scope="reset", limit=settings.PORTAL_PASSWORD_RESET_RATE_LIMIT):
            return _too_many(request)
        self.extra_email_context = forms.reset_email_context()
        return super().post(request, *args, **kwargs)


class PortalPasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/account/password_reset_done.html"


class PortalPasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/account/password_reset_confirm.html"
    form_class = forms.PortalSetPasswordForm
    success_url = reverse_lazy("portal:password-reset-complete")


class PortalPasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/account/password_reset_complete.html"


class PortalPasswordChangeView(PortalMixin, auth_views.PasswordChangeView):
    template_name = "portal/account/password_change.html"
    form_class = forms.PortalPasswordChangeForm
    success_url = PORTAL_HOME

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "Your password is changed.")
        return response


def _too_many(request):
    return render(request, "portal/account/too_many.html", status=429)


# --- self-registration ------------------------------------------------------------------------
@csrf_protect
@never_cache
def register(request):
    """Anyone with an account's registration code asks for a login. The answer is the same
    whether or not the address already has one (no enumeration)."""
    if request.user.is_authenticated:
        return redirect(home_for(request.user))
    form = forms.RegistrationForm(request.POST or None)
    if request.method == "POST":
        if rate_exceeded(request, scope="register", limit=settings.PORTAL_REGISTRATION_RATE_LIMIT):
            return _too_many(request)
        if form.is_valid():
            try:
                registration.registration_submit(**form.cleaned_data)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                return redirect("portal:register-done")
    return render(request, "portal/account/register.html", {"form": form})


def register_done(request):
    return render(request, "portal/account/register_done.html")


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- the signed-in person's account page --------------------------------------------------------
@portal_view
def account(request):
    contact = getattr(request.user, "contact", None)
    return render(request, "portal/account/account.html", {"contact": contact})


@portal_view
def token_list(request):
    """The person's API tokens (made by signing in at POST /api/v1/auth/token/), to revoke any."""
    tokens = list(user_selectors.api_token_list_for_user(user=request.user)[:200])
    return render(request, "portal/account/tokens.html", {"tokens": tokens, "now": timezone.now()})


@require_POST
@portal_view
def token_revoke(request, pk: int):
    token = get_object_or_404(user_selectors.api_token_list_for_user(user=request.user), pk=pk)
    _act(request, lambda: user_services.api_token_revoke(actor=request.user, token=token),
         f"The token “{token.name}” ({token.prefix}…) is revoked: it no longer opens the API.")
    return redirect("portal:token-list")


# --- a customer admin's pages -----------------------------------------------------------------
def _require_account_admin(request) -> None:
    """The admin pages exist only for someone who administers an account: everyone else 404."""
    if not selectors.administered_account_list(user=request.user).exists():
        raise Http404("Only customer admins manage the account's users.")


def _act(request, action, success: str) -> None:
    """Call one service; its refusal becomes a message on the page, never a 500."""
    try:
        action()
    except (ValidationError, PermissionDenied, Conflict) as exc:
        text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else (getattr(exc, "detail", "") or str(exc))
        messages.error(request, text or "You may not do that.")
    else:
        messages.success(request, success)


@portal_view
def registration_list(request):
    _require_account_admin(request)
    qs = selectors.registration_request_list_for_user(user=request.user)
    context = {
        "pending": list(selectors.registration_request_pending_for_user(user=request.user)[:200]),
        "decided": list(qs.exclude(state="pending").order_by("-decided_at")[:20]),
        "reject_form": forms.RejectForm(),
    }
    return render(request, "portal/account/registrations.html", context)


def _pending_request(request, pk: int):
    return get_object_or_404(selectors.registration_request_list_for_user(user=request.user), pk=pk)


@require_POST
@portal_view
def registration_approve(request, pk: int):
    item = _pending_request(request, pk)
    _act(request, lambda: registration.registration_approve(actor=request.user, registration=item),
         f"{item.first_name} {item.last_name} can now sign in; their temporary password is on its way.")
    return redirect("portal:registration-list")


@require_POST
@portal_view
def registration_reject(request, pk: int):
    item = _pending_request(request, pk)
    form = forms.RejectForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _act(request, lambda: registration.registration_reject(actor=request.user, registration=item, reason=reason),
         f"The request of {item.first_name} {item.last_name} is rejected; they are told by mail.")
    return redirect("portal:registration-list")


@portal_view
def account_user_list(request):
    _require_account_admin(request)
    page = Paginator(selectors.contact_list_for_account_admin(user=request.user), 50).get_page(request.GET.get("page"))
    contacts = list(page.object_list)
    admin_ids = selectors.account_admin_user_ids(users=[c.user for c in contacts])
    rows = [
        {"contact": c, "is_admin": c.user_id in admin_ids and any(r in ("customer_admin", "partner_admin") for r in c.user.roles),
         "is_self": c.user_id == request.user.pk}
        if c.user_id else {"contact": c, "is_admin": False, "is_self": False}
        for c in contacts
    ]
    return render(request, "portal/account/users.html", {"rows": rows, "page": page})


@portal_view
def account_user_create(request):
    _require_account_admin(request)
    accounts = selectors.administered_account_list(user=request.user)
    form = forms.AccountUserCreateForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            contact = registration.contact_login_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, f"{contact} can now sign in; their temporary password is on its way.")
            return redirect("portal:account-user-list")
    return render(request, "portal/account/user_create.html", {"form": form})


USER_ACTIONS = {
    "deactivate": (lambda actor, c: registration.contact_login_set_active(actor=actor, contact=c, active=False),
                   "{} can no longer sign in."),
    "reactivate": (lambda actor, c: registration.contact_login_set_active(actor=actor, contact=c, active=True),
                   "{} can sign in again."),
    "make-admin": (lambda actor, c: registration.contact_admin_set(actor=actor, contact=c, admin=True),
                   "{} is now a customer admin."),
    "remove-admin": (lambda actor, c: registration.contact_admin_set(actor=actor, contact=c, admin=False),
                     "{} is no longer a customer admin."),
}


@require_POST
@portal_view
def account_user_action(request, pk: int, action: str):
    if action not in USER_ACTIONS:
        raise Http404
    contact = get_object_or_404(selectors.contact_list_for_account_admin(user=request.user), pk=pk)
    call, message = USER_ACTIONS[action]
    _act(request, lambda: call(request.user, contact), message.format(contact))
    return redirect("portal:account-user-list")


# --- the brand's logo ---------------------------------------------------------------------------
def branding_logo(request):
    """The active logo, for every portal page (the sign-in page too, so public). Streamed from
    storage with the type sniffed at upload; never served from MEDIA_ROOT."""
    record = selectors.branding_active_record()
    if record is None or not record.logo:
        raise Http404
    response = FileResponse(record.logo.open("rb"), content_type=record.logo_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=3600"
    return response
