from django.contrib import admin
from django.contrib.auth.models import Permission

from core.admin import ServiceAdmin, ServiceInline
from customers import services
from customers.models import (
    Account,
    AccountRelationship,
    AccountUserObjectPermission,
    Consumer,
    Contact,
    ContactRelationship,
    Location,
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
