from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError

from core.admin import ServiceAdmin, ServiceInline
from core.exceptions import Conflict
from customers import services, services_branding, services_registration
from customers.choices import RegistrationState
from customers.models import (
    Account,
    AccountRelationship,
    AccountUserObjectPermission,
    Consumer,
    Contact,
    ContactRelationship,
    Location,
    PortalBranding,
    RegistrationRequest,
)


class ContactInline(admin.TabularInline):
    model = Contact
    fields = ["first_name", "last_name", "email", "user", "active"]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AccountGrantInline(ServiceInline):
    """Per-object grants on the account (guardian), made and removed through the services."""

    model = AccountUserObjectPermission
    fields = ["user", "permission"]
    autocomplete_fields = ["user"]
    verbose_name = "grant"
    verbose_name_plural = "grants (customer admin, partner, contact relationship)"
    create_service = staticmethod(
        lambda *, actor, content_object, user, permission: services.account_grant(
            actor=actor, account=content_object, user=user, codename=permission.codename
        )
    )
    delete_service = staticmethod(
        lambda *, actor, instance: services.account_grant_revoke(
            actor=actor, account=instance.content_object, user=instance.user, codename=instance.permission.codename
        )
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "permission")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "permission":
            kwargs["queryset"] = Permission.objects.filter(
                content_type__app_label="customers", codename__in=list(services.GRANTABLE)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ContactRelationshipInline(ServiceInline):
    model = ContactRelationship
    fk_name = "account"
    fields = ["contact", "relationship_type"]
    autocomplete_fields = ["contact"]
    verbose_name_plural = "contacts of other accounts with access (contact relationships)"
    create_service = staticmethod(services.contact_relationship_create)
    delete_service = staticmethod(
        lambda *, actor, instance: services.contact_relationship_delete(actor=actor, relationship=instance)
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contact", "contact__account")


class PartnerInline(ServiceInline):
    model = AccountRelationship
    fk_name = "to_account"
    fields = ["from_account", "relationship_type"]
    autocomplete_fields = ["from_account"]
    verbose_name_plural = "partners and providers of this account"
    create_service = staticmethod(services.account_relationship_create)
    delete_service = staticmethod(
        lambda *, actor, instance: services.account_relationship_delete(actor=actor, relationship=instance)
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_account")


@admin.register(Account)
class AccountAdmin(ServiceAdmin):
    create_service = services.account_create
    update_service = services.account_update
    list_display = ["number", "name", "parent", "is_customer", "is_partner", "active", "updated_at"]
    list_filter = ["is_customer", "is_partner", "active"]
    list_select_related = ["parent"]
    search_fields = ["number", "name", "registration_code"]
    autocomplete_fields = ["parent", "primary_contact"]
    readonly_fields = ["number", "path", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["number", "name", "parent", "is_customer", "is_partner", "active"]}),
        ("Contact", {"fields": ["primary_contact", "website", "phone", "registration_code"]}),
        ("Address", {"fields": ["street", "city", "state", "zip_code", "country"], "classes": ["collapse"]}),
        ("Internal", {"fields": ["notes", "path", "created_at", "updated_at"]}),
    ]
    inlines = [ContactInline, AccountGrantInline, ContactRelationshipInline, PartnerInline]


@admin.register(Contact)
class ContactAdmin(ServiceAdmin):
    create_service = services.contact_create
    update_service = services.contact_update
    list_display = ["__str__", "account", "email", "user", "active"]
    list_filter = ["active"]
    list_select_related = ["account", "user"]
    search_fields = ["first_name", "last_name", "email", "account__name", "account__number"]
    autocomplete_fields = ["account", "user"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Consumer)
class ConsumerAdmin(ServiceAdmin):
    create_service = services.consumer_create
    update_service = services.consumer_update
    list_display = ["__str__", "email", "city", "user", "active"]
    list_filter = ["active"]
    list_select_related = ["user"]
    search_fields = ["first_name", "last_name", "email"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Location)
class LocationAdmin(ServiceAdmin):
    create_service = services.location_create
    update_service = services.location_update
    list_display = ["name", "account", "consumer", "city", "country"]
    list_select_related = ["account", "consumer"]
    search_fields = ["name", "city", "account__name"]
    autocomplete_fields = ["account", "consumer"]


class _RelationshipAdmin(ServiceAdmin):
    def has_change_permission(self, request, obj=None):
        return False  # a relationship is created or removed, never edited

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(f"customers.delete_{self.model._meta.model_name}")

    def delete_model(self, request, obj):
        type(self).delete_service(actor=request.user, relationship=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ContactRelationship)
class ContactRelationshipAdmin(_RelationshipAdmin):
    create_service = services.contact_relationship_create
    delete_service = services.contact_relationship_delete
    list_display = ["contact", "account", "relationship_type", "created_at"]
    list_filter = ["relationship_type"]
    list_select_related = ["contact", "account"]
    search_fields = ["contact__last_name", "account__name", "account__number"]
    autocomplete_fields = ["contact", "account"]


@admin.register(AccountRelationship)
class AccountRelationshipAdmin(_RelationshipAdmin):
    create_service = services.account_relationship_create
    delete_service = services.account_relationship_delete
    list_display = ["from_account", "relationship_type", "to_account", "created_at"]
    list_filter = ["relationship_type"]
    list_select_related = ["from_account", "to_account"]
    search_fields = ["from_account__name", "to_account__name"]
    autocomplete_fields = ["from_account", "to_account"]


# --- the portal ----------------------------------------------------------------------------------
class PortalBrandingForm(forms.ModelForm):
    class Meta:
        model = PortalBranding
        fields = ["name", "logo", "primary_color", "accent_color", "welcome_text", "active"]
        widgets = {
            "primary_color": forms.TextInput(attrs={"type": "color"}),
            "accent_color": forms.TextInput(attrs={"type": "color"}),
        }

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if logo and hasattr(logo, "content_type") and not getattr(logo, "_committed", False):
            try:
                services_branding.logo_validate(logo)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["logo"]) from exc
        return logo

    def _get_validation_exclusions(self):
        """Activating this one deactivates the others (the service does it), so the one-active
        constraint must not refuse the form first: leave `active` to the service."""
        exclusions = super()._get_validation_exclusions()
        exclusions.add("active")
        return exclusions


@admin.register(PortalBranding)
class PortalBrandingAdmin(admin.ModelAdmin):
    """Branding writes through its services. Not a ServiceAdmin: its dry run would store the
    uploaded logo before rolling back, leaving a stray file each time."""

    form = PortalBrandingForm
    list_display = ["name", "active", "primary_color", "accent_color", "updated_at"]
    list_filter = ["active"]
    readonly_fields = ["logo_content_type", "created_at", "updated_at"]
    show_full_result_count = False

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data.get(k) for k in ("name", "primary_color", "accent_color", "welcome_text", "active")}
        logo = form.cleaned_data.get("logo")
        if change:
            saved = services_branding.branding_update(actor=request.user, instance=obj, logo=logo, **data)
        else:
            saved = services_branding.branding_create(actor=request.user, logo=logo, **data)
        obj.pk = saved.pk
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if not k.startswith("_")})

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the portal falls back to the defaults


@admin.register(RegistrationRequest)
class RegistrationRequestAdmin(admin.ModelAdmin):
    """Read-only records; approve and reject run as actions through the same services as the
    portal's page (the login, contact and mails follow)."""

    list_display = ["email", "first_name", "last_name", "account", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state"]
    list_select_related = ["account", "decided_by"]
    search_fields = ["email", "last_name", "account__name", "account__number"]
    readonly_fields = ["account", "first_name", "last_name", "email", "state", "decided_by", "decided_at", "reason",
                       "contact", "created_at", "updated_at"]
    actions = ["approve_selected", "reject_selected"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # people register on the portal

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, call, done: str):
        ok = 0
        for item in queryset.select_related("account").filter(state=RegistrationState.PENDING):
            try:
                call(item)
                ok += 1
            except (ValidationError, PermissionDenied, Conflict) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else (getattr(exc, "detail", "") or str(exc))
                self.message_user(request, f"{item.email}: {text}", messages.ERROR)
        self.message_user(request, f"{ok} request(s) {done}.", messages.SUCCESS if ok else messages.WARNING)

    @admin.action(description="Approve the selected pending requests (creates the logins, mails them)")
    def approve_selected(self, request, queryset):
        self._each(request, queryset, lambda item: services_registration.registration_approve(
            actor=request.user, registration=item), "approved")

    @admin.action(description="Reject the selected pending requests (mails a notice)")
    def reject_selected(self, request, queryset):
        self._each(request, queryset, lambda item: services_registration.registration_reject(
            actor=request.user, registration=item, reason="Rejected by the support team."), "rejected")
