"""The roles of API.md as Groups with model permissions. This table is the single source: the
data migrations and `manage.py sync_roles` apply it. Internal roles see data through model
permissions; external roles (customers, partners, consumers) hold none and see only what the
selectors give them through their relations and grants: default deny."""
from fnmatch import fnmatch

from django.db import connection

INTERNAL_ROLES = ("agent", "manager", "admin", "case_task_agent", "major_issue_manager")
EXTERNAL_ROLES = ("customer", "customer_admin", "partner", "partner_admin", "consumer")
# Machine accounts of other systems (a chat or telephony platform feeding interactions). Neither
# staff nor customers: no workspace, no portal, never assignable; held alone, with a DRF token.
SERVICE_ROLES = ("channel_integration",)
ROLES = INTERNAL_ROLES + EXTERNAL_ROLES + SERVICE_ROLES

_AGENT = [
    "customers.view_*",
    "customers.add_contact",
    "customers.change_contact",
    "customers.add_consumer",
    "customers.change_consumer",
    "customers.add_location",
    "customers.change_location",
    "catalog.view_*",
    "cases.view_*",
    "cases.add_case",
    "cases.change_case",
    "cases.work_case",
    "cases.add_casetask",
    "cases.change_casetask",
    "cases.add_caseline",
    "cases.change_caseline",
    "cases.add_escalation", "cases.change_escalation", "cases.add_casetimeentry",  # escalations, time worked
    "users.view_assignmentgroup",
    "users.view_skill",
    "users.view_agentskill",
    "users.view_agentpresence",
    "users.view_agentchannelcapacity",
    "interactions.view_*",
    "interactions.work_interaction",
    "interactions.intake_interaction",  # log a walk-up or a phone call by hand
]
_MANAGER = _AGENT + [
    "users.change_assignmentgroup",
    "users.add_agentskill",
    "users.change_agentskill",
    "users.delete_agentskill",
    "users.change_agentpresence",
    "users.add_agentchannelcapacity",
    "users.change_agentchannelcapacity",
    "cases.supervise_routing",
    "cases.clear_case_attention",  # reference 2.3: the assignee, a manager or an admin clears it
    "cases.see_team_metrics",  # the manager dashboard (reference 10.4)
    "interactions.supervise_interactions",  # work any group's interactions (take over, close, return)
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "agent": _AGENT,
    "manager": _MANAGER,
    "admin": [
        "users.*",
        "customers.*",
        "catalog.*",
        "cases.*",
        "notifications.*",
        "interactions.*",
        "core.view_*",
        "auth.view_group",
    ],
    "case_task_agent": [
        "customers.view_account",
        "customers.view_contact",
        "catalog.view_product",
        "cases.view_casetask",
        "cases.change_casetask",
    ],
    "major_issue_manager": _AGENT,
    "customer": [],
    "customer_admin": [],
    "partner": [],
    "partner_admin": [],
    "consumer": [],
    "channel_integration": ["interactions.intake_interaction"],
}
ROLE_DESCRIPTIONS = {
    "agent": "Works cases: sees all customers and the catalog, edits contacts and consumers.",
    "manager": "An agent who also runs teams: groups, skills, capacity and presence.",
    "admin": "Defines the model in the admin console; staff access.",
    "case_task_agent": "Back office: works only the case tasks routed to them or their groups.",
    "major_issue_manager": "Declares major issues and manages their children and affected customers.",
    "customer": "A contact of an account: their own cases and their account's products.",
    "customer_admin": "A contact who administers their account (and child accounts) when granted.",
    "partner": "A contact of a partner account acting for related customer accounts.",
    "partner_admin": "Administers a partner account's users and its customers' cases.",
    "consumer": "An individual (B2C) customer: their own cases and products.",
    "channel_integration": "A chat or telephony system's account: opens interactions, appends messages, ends them; "
    "reads nothing else (API token only).",
}


def is_known_role(name: str) -> bool:
    return name in ROLES


def user_roles(user) -> list[str]:
    """The user's role names. Uses groups a list already prefetched (`prefetch_related("groups")`)
    instead of querying, so a page of users costs one query for all their roles."""
    if not user or not user.is_authenticated:
        return []
    # Once per user object (per request), like _perm_cache. getattr/setattr, not __dict__: a
    # request.user is a lazy proxy whose own __dict__ is not the user's.
    cached = getattr(user, "_role_names", None)
    if cached is not None:
        return list(cached)
    prefetched = getattr(user, "_prefetched_objects_cache", {}).get("groups")
    if prefetched is not None:
        names = {group.name for group in prefetched} & set(ROLES)
    elif user.is_superuser or not user.is_active or hasattr(user, "_group_perm_cache"):
        names = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    else:
        names = load_groups(user)
    if user.is_superuser:
        names.add("admin")
    roles = sorted(names, key=ROLES.index)
    setattr(user, "_role_names", roles)
    return list(roles)


def load_groups(user) -> set[str]:
    """One query for the user's group names and the groups' permissions: fills Django's
    `_group_perm_cache` (as ModelBackend would) and returns the role names. Active, non-superuser
    users only (ModelBackend answers the others itself)."""
    # The user's own permissions ride along in the same statement (UNION ALL, group name ""), so
    # a request that checks a permission costs one query, not ModelBackend's two. Plain SQL: it
    # runs on every request, and building it through the ORM cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(_groups_sql(), [user.pk, user.pk])
        rows = cursor.fetchall()
    names, perms, own = set(), set(), set()
    for name, app_label, codename in rows:
        if not name:
            own.add(f"{app_label}.{codename}")
            continue
        names.add(name)
        if codename:
            perms.add(f"{app_label}.{codename}")
    setattr(user, "_group_perm_cache", perms)
    setattr(user, "_user_perm_cache", own)
    return names & set(ROLES)


_GROUPS_SQL: str | None = None


def _groups_sql() -> str:
    """(group name, app label, codename) of the user's groups and their permissions, then ("",
    app label, codename) of the user's own permissions. Table names from the models."""
    global _GROUPS_SQL
    if _GROUPS_SQL is None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.contrib.contenttypes.models import ContentType

        q = connection.ops.quote_name
        user_model = get_user_model()
        user_groups = user_model._meta.get_field("groups").remote_field.through._meta
        user_perms = user_model._meta.get_field("user_permissions").remote_field.through._meta
        group_perms = Group._meta.get_field("permissions").remote_field.through._meta
        user_col = q(user_groups.get_field(user_model._meta.model_name).column)
        own_user_col = q(user_perms.get_field(user_model._meta.model_name).column)
        group, perm, ctype = q(Group._meta.db_table), q(Permission._meta.db_table), q(ContentType._meta.db_table)
        _GROUPS_SQL = (
            f"SELECT g.name, ct.app_label, p.codename FROM {q(user_groups.db_table)} ug "
            f"INNER JOIN {group} g ON g.id = ug.group_id "
            f"LEFT OUTER JOIN {q(group_perms.db_table)} gp ON gp.group_id = g.id "
            f"LEFT OUTER JOIN {perm} p ON p.id = gp.permission_id "
            f"LEFT OUTER JOIN {ctype} ct ON ct.id = p.content_type_id "
            f"WHERE ug.{user_col} = %s "
            f"UNION ALL "
            f"SELECT '', ct.app_label, p.codename FROM {q(user_perms.db_table)} up "
            f"INNER JOIN {perm} p ON p.id = up.permission_id "
            f"INNER JOIN {ctype} ct ON ct.id = p.content_type_id "
            f"WHERE up.{own_user_col} = %s"
        )
    return _GROUPS_SQL


def user_roles_forget(*users) -> None:
    """Drop the cached roles (and Django's permission caches) after a user's roles change."""
    for user in users:
        for attr in ("_role_names", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            if hasattr(user, attr):
                delattr(user, attr)


def sync_role_permissions(apps=None) -> None:
    """Create the role Groups and give each exactly the permissions of ROLE_PERMISSIONS.
    Works with the live registry and with a migration's historical one."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for app_config in apps.get_app_configs():
        had = getattr(app_config, "models_module", None)
        app_config.models_module = had or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    all_perms = list(Permission.objects.select_related("content_type"))
    for role, patterns in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [
            p
            for p in all_perms
            if any(fnmatch(f"{p.content_type.app_label}.{p.codename}", pattern) for pattern in patterns)
        ]
        group.permissions.set(wanted)
