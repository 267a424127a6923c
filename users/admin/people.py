"""The admin console for people, roles and teams. Every save goes through users.services:

- Users get their roles as a list of role names (users/roles.py), never raw groups or
  permissions; `is_staff` follows the admin role and is read-only here. Django's add form
  (username, password1/password2) creates the user through `user_create`, and the password
  page sets it through `user_password_set`.
- An internal user's skills, presence and channel capacity are inlines on the user.
- Role Groups are read-only: users/roles.py is their single source (`manage.py sync_roles`).
"""
import copy

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Count, Q

from core.admin import ServiceAdmin, ServiceInline
from users import permissions, selectors, services
from users.models import AgentChannelCapacity, AgentPresence, AgentSkill, AssignmentGroup, Skill, User
from users.roles import INTERNAL_ROLES, ROLE_DESCRIPTIONS, ROLE_PERMISSIONS, ROLES, SERVICE_ROLES, user_roles

ROLE_CHOICES = [(role, f"{role}: {ROLE_DESCRIPTIONS[role]}") for role in ROLES]
ROLES_HELP = (
    "A user is internal (agent, manager, admin, case_task_agent, major_issue_manager) or external "
    "(customer, customer_admin, partner, partner_admin, consumer), never both; channel_integration is a "
    "machine account's role (a chat or telephony system) and is held alone. The admin role makes "
    "the user staff (this console)."
)

# Pickers (autocomplete) on these forms offer internal users only: the services refuse the others.
_INTERNAL_USER_PICKERS = {
    ("assignmentgroup", "manager"),
    ("assignmentgroup", "members"),
    ("agentskill", "user"),
    ("agentpresence", "user"),
    ("agentchannelcapacity", "user"),
}


def _role_names(user: User) -> list[str]:
    return user_roles(user)  # from the groups the changelist prefetched


# --- forms -------------------------------------------------------------------------------------
def _roles_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple, help_text=ROLES_HELP
    )


class UserCreationForm(auth_forms.AdminUserCreationForm):
    roles = _roles_field()


class UserChangeForm(auth_forms.UserChangeForm):
    roles = _roles_field()
    assignment_groups = forms.ModelMultipleChoiceField(
        queryset=AssignmentGroup.objects.all(),
        required=False,
        widget=FilteredSelectMultiple("assignment groups", is_stacked=False),
        help_text="Only internal users join assignment groups.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = self.instance.roles
            self.fields["assignment_groups"].initial = list(self.instance.assignment_groups.all())


class PasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """Django's password page, saving through the service. `actor` is bound per request."""

    actor: User | None = None

    def save(self, commit=True):
        password = self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
        self.user = services.user_password_set(actor=self.actor, user=self.user, password=password)
        return self.user


# --- filters -----------------------------------------------------------------------------------
class RoleListFilter(admin.SimpleListFilter):
    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return [(role, role) for role in ROLES]

    def queryset(self, request, queryset):
        role = self.value()
        if role not in ROLES:
            return queryset
        holders = Q(pk__in=User.groups.through.objects.filter(group__name=role).values("user_id"))
        if role == "admin":
            holders |= Q(is_superuser=True)
        return queryset.filter(holders)


class InternalListFilter(admin.SimpleListFilter):
    title = "internal or external"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("internal", "Internal (support staff)"), ("external", "External (customers)")]

    def queryset(self, request, queryset):
        with_role = User.groups.through.objects.filter(group__name__in=INTERNAL_ROLES).values("user_id")
        internal = Q(is_superuser=True) | Q(pk__in=with_role)
        if self.value() == "internal":
            return queryset.filter(internal)
        if self.value() == "external":
            return queryset.exclude(internal)
        return queryset


# --- inlines on the user -----------------------------------------------------------------------
class AgentSkillInline(ServiceInline):
    model = AgentSkill
    fields = ["skill", "level"]
    autocomplete_fields = ["skill"]
    create_service = staticmethod(services.agent_skill_set)
    update_service = staticmethod(
        lambda *, actor, instance, user, skill, level: services.agent_skill_update(
            actor=actor, instance=instance, skill=skill, level=level
        )
    )
    delete_service = staticmethod(
        lambda *, actor, instance: services.agent_skill_remove(actor=actor, user=instance.user, skill=instance.skill)
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("skill", "user")


class AgentPresenceInline(ServiceInline):
    model = AgentPresence
    fields = ["status", "changed_at"]
    readonly_fields = ["changed_at"]
    max_num = 1
    create_service = staticmethod(
        lambda *, actor, user, status: services.agent_presence_set(actor=actor, user=user, status=status)
    )
    update_service = staticmethod(
        lambda *, actor, instance, user, status: services.agent_presence_set(actor=actor, user=user, status=status)
    )


class AgentCapacityInline(ServiceInline):
    model = AgentChannelCapacity
    fields = ["channel", "max_items"]
    verbose_name_plural = "channel capacity (open items of a channel taken at once)"
    create_service = staticmethod(services.agent_capacity_set)
    update_service = staticmethod(
        lambda *, actor, instance, user, channel, max_items: services.agent_capacity_update(
            actor=actor, instance=instance, channel=channel, max_items=max_items
        )
    )
    delete_service = staticmethod(
        lambda *, actor, instance: services.agent_capacity_remove(
            actor=actor, user=instance.user, channel=instance.channel
        )
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user")


# --- users -------------------------------------------------------------------------------------
@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    create_service = services.user_create
    update_service = services.user_update
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = PasswordChangeForm
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email", "phone", "time_zone"]}),
        ("Roles and teams", {"fields": ["roles", "assignment_groups", "is_active", "is_staff", "is_superuser"]}),
        ("Important dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "usable_password", "password1", "password2"]}),
        ("Personal info", {"fields": ["first_name", "last_name", "email"]}),
        ("Roles", {"fields": ["roles"]}),
    ]
    readonly_fields = ["is_staff", "is_superuser", "last_login", "date_joined"]
    list_display = ["username", "email", "first_name", "last_name", "roles_display", "account", "is_active"]
    list_filter = ["is_active", RoleListFilter, InternalListFilter]
    list_select_related = ["contact__account"]
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering = ["username"]
    filter_horizontal = []
    inlines = [AgentPresenceInline, AgentSkillInline, AgentCapacityInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles")
    def roles_display(self, user: User) -> str:
        return ", ".join(_role_names(user)) or "-"

    @admin.display(description="account", ordering="contact__account__name")
    def account(self, user: User) -> str:
        contact = getattr(user, "contact", None)
        return str(contact.account) if contact else "-"

    def _call_service(self, request, form, change: bool):
        data = form.cleaned_data
        fields = {
            name: data[name]
            for name in ("username", "email", "first_name", "last_name", "is_active", "time_zone", "phone")
            if name in data
        }
        if change:
            return services.user_update(
                actor=request.user,
                instance=form.instance,
                roles=data.get("roles", []),
                assignment_groups=data.get("assignment_groups", []),
                **fields,
            )
        password = data.get("password1") if data.get("set_usable_password", True) else None
        return services.user_create(
            actor=request.user, password=password or None, roles=data.get("roles", []), **fields
        )

    def get_formsets_with_inlines(self, request, obj=None):
        # Skills, presence and capacity belong to internal users; a customer's page has none.
        if obj is None or obj.pk is None or not permissions.is_internal(obj):
            return
        yield from super().get_formsets_with_inlines(request, obj)

    def user_change_password(self, request, id, form_url=""):
        # Django's view calls form.save(); hand it a form that knows who is acting, on a copy of
        # this (shared, long-lived) ModelAdmin so concurrent requests never see each other's actor.
        view = copy.copy(self)
        view.change_password_form = type("PasswordChangeForm", (PasswordChangeForm,), {"actor": request.user})
        return DjangoUserAdmin.user_change_password(view, request, id, form_url)

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        match = getattr(request, "resolver_match", None)
        if match and match.url_name == "autocomplete":
            picker = (request.GET.get("model_name"), request.GET.get("field_name"))
            if picker in _INTERNAL_USER_PICKERS:
                queryset = queryset.filter(pk__in=selectors.user_list_internal().values("pk"))
        return queryset, may_have_duplicates


# --- teams and skills --------------------------------------------------------------------------
@admin.register(AssignmentGroup)
class AssignmentGroupAdmin(ServiceAdmin):
    create_service = services.assignment_group_create
    update_service = services.assignment_group_update
    list_display = ["name", "manager", "member_count", "email", "active", "updated_at"]
    list_filter = ["active"]
    list_select_related = ["manager"]
    search_fields = ["name", "description", "manager__username"]
    autocomplete_fields = ["manager", "members"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["name", "description", "email", "manager", "members", "active", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members", distinct=True))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, group: AssignmentGroup) -> int:
        return group.member_count


@admin.register(Skill)
class SkillAdmin(ServiceAdmin):
    create_service = services.skill_create
    update_service = services.skill_update
    list_display = ["name", "agent_count", "active", "updated_at"]
    list_filter = ["active"]
    list_select_related = []  # no relations to follow; the agent count is annotated
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]
    fields = ["name", "description", "active", "created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(agent_count=Count("agent_skills", distinct=True))

    @admin.display(description="agents", ordering="agent_count")
    def agent_count(self, skill: Skill) -> int:
        return skill.agent_count


# --- per-agent settings, one list each (also editable as inlines on the user) ------------------
class _AgentSettingAdmin(ServiceAdmin):
    delete_service = None
    key_fields: list[str] = []
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # The agent (and skill or channel) identify the row; change the value, or delete and add.
        return [*super().get_readonly_fields(request, obj), *(self.key_fields if obj else [])]

    def has_delete_permission(self, request, obj=None):
        perm = f"users.delete_{self.model._meta.model_name}"
        return self.delete_service is not None and request.user.has_perm(perm)

    def delete_model(self, request, obj):
        type(self).delete_service(actor=request.user, instance=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AgentSkill)
class AgentSkillAdmin(_AgentSettingAdmin):
    create_service = services.agent_skill_set
    update_service = staticmethod(
        lambda *, actor, instance, level, **_: services.agent_skill_update(actor=actor, instance=instance, level=level)
    )
    delete_service = AgentSkillInline.delete_service
    key_fields = ["user", "skill"]
    list_display = ["user", "skill", "level"]
    list_filter = ["level", "skill"]
    list_select_related = ["user", "skill"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "skill__name"]
    autocomplete_fields = ["user", "skill"]


@admin.register(AgentPresence)
class AgentPresenceAdmin(_AgentSettingAdmin):
    create_service = staticmethod(
        lambda *, actor, user, status, **_: services.agent_presence_set(actor=actor, user=user, status=status)
    )
    update_service = staticmethod(
        lambda *, actor, instance, status, **_: services.agent_presence_set(
            actor=actor, user=instance.user, status=status
        )
    )
    key_fields = ["user"]
    list_display = ["user", "status", "changed_at"]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    readonly_fields = ["changed_at"]


@admin.register(AgentChannelCapacity)
class AgentChannelCapacityAdmin(_AgentSettingAdmin):
    create_service = services.agent_capacity_set
    update_service = staticmethod(
        lambda *, actor, instance, max_items, **_: services.agent_capacity_update(
            actor=actor, instance=instance, max_items=max_items
        )
    )
    delete_service = AgentCapacityInline.delete_service
    key_fields = ["user", "channel"]
    list_display = ["user", "channel", "max_items"]
    list_filter = ["channel"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


# --- role Groups: read-only, users/roles.py is the source ---------------------------------------
admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(DjangoGroupAdmin):
    """Roles are defined in users/roles.py and applied by migrations and `manage.py sync_roles`;
    editing a role's permissions here would be undone by the next sync, so this is read-only."""

    list_display = ["name", "description", "kind", "permission_count", "user_count"]
    search_fields = ["name"]
    fields = ["name", "description", "kind", "permission_list"]
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                permission_count=Count("permissions", distinct=True),
                user_count=Count("user", distinct=True, filter=Q(user__is_active=True)),
            )
        )

    @admin.display(description="what the role is for")
    def description(self, group: Group) -> str:
        return ROLE_DESCRIPTIONS.get(group.name, "Not a role: a plain group (for example for object grants).")

    @admin.display(description="kind")
    def kind(self, group: Group) -> str:
        if group.name not in ROLE_PERMISSIONS:
            return "group"
        if group.name in SERVICE_ROLES:
            return "service role"
        return "internal role" if group.name in INTERNAL_ROLES else "external role"

    @admin.display(description="permissions")
    def permission_list(self, group: Group) -> str:
        perms = group.permissions.select_related("content_type").order_by("content_type__app_label", "codename")
        names = [f"{p.content_type.app_label}.{p.codename}" for p in perms]
        return ", ".join(names) or "none (sees only what its relations and grants give it)"

    @admin.display(description="permissions", ordering="permission_count")
    def permission_count(self, group: Group) -> int:
        return group.permission_count

    @admin.display(description="active users", ordering="user_count")
    def user_count(self, group: Group) -> int:
        return group.user_count

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
