"""Roles (RULEBOOK §1) as Django groups, and the permission matrix they hold.

The groups are created by a data migration. Their permissions are (re)assigned
after every ``migrate`` from :data:`MATRIX`, so that models added by later
migrations are covered without a hand-written migration per model.
Staff groups see and change only their own areas; oversight reads everything.
"""

from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import DEFAULT_DB_ALIAS


class Role:
    """Group names: the organisation's own unit names (第二章), shown as-is in the admin."""

    OVERSIGHT = "社区组织（监督）"
    INTAKE = "招商入驻组"
    RESOURCES = "资源赋能组"
    DAILY = "日常管理组"
    ADMINISTRATOR = "运营负责人"
    RESIDENT = "入驻主体"

    STAFF = (OVERSIGHT, INTAKE, RESOURCES, DAILY, ADMINISTRATOR)
    ALL = (*STAFF, RESIDENT)


#: Every app whose data is operational (what oversight may read, the administrator may run).
PROJECT_APPS = (
    "accounts", "workdays", "rulebook", "notices", "portal",
    "residents", "spaces", "resources", "scoring", "discipline", "core", "pghistory",
)

READ = ("view",)
WRITE = ("view", "add", "change")
FULL = ("view", "add", "change", "delete")


@dataclass(frozen=True)
class Grant:
    """``actions`` on ``models`` of ``app`` ("*" = every model of the app)."""

    app: str
    actions: tuple[str, ...]
    models: tuple[str, ...] = ("*",)


INTAKE_MODELS = (
    "application", "applicationdocument", "applicationtransition", "ban", "resident", "agreement",
    "orientationacknowledgement", "renewalrequest", "exit", "exitclearance", "invoice", "payment", "depositentry",
)

MATRIX: dict[str, tuple[Grant, ...]] = {
    Role.OVERSIGHT: tuple(Grant(app, READ) for app in PROJECT_APPS),
    Role.INTAKE: (
        # Applications, agreements, ledger, renewals and exits; complaints are the daily team's (read only here).
        Grant("residents", WRITE, INTAKE_MODELS),
        Grant("residents", READ),
        Grant("notices", WRITE),
        Grant("workdays", READ),
        Grant("rulebook", READ),
        Grant("core", READ),  # the audit trail of the archives they keep
    ),
    Role.RESOURCES: (
        Grant("resources", WRITE),
        # Activities and volunteer service are the resources team's work (第二章): it records volunteer
        # services (they count for compliance excellence, 第八章第一条) and reads the rewards they lead to.
        Grant("discipline", ("view", "add"), ("volunteerservice",)),
        Grant("notices", WRITE),
        Grant("workdays", READ),
        Grant("rulebook", READ),
        Grant("residents", READ),
    ),
    Role.DAILY: (
        Grant("spaces", WRITE),
        Grant("residents", READ),
        # Check-in, complaints and the exit clearance are the daily management team's work (第二章第二条).
        Grant("residents", WRITE, ("resident", "complaint", "complaintmessage", "exit", "exitclearance")),
        # Violations are found, verified and followed up by the daily management team (第八章第二条).
        Grant("discipline", WRITE, ("violationcase",)),
        Grant("discipline", WRITE, ("evidencefile",)),
        Grant("discipline", READ, ("rectificationnotice", "penaltymeasure", "appeal", "suspension")),
        Grant("notices", WRITE),
        Grant("workdays", READ),
        Grant("rulebook", READ),
        # Safety drills (第七章第四条) are organised by the daily management team too (docs/safety.md).
        Grant("resources", WRITE, ("safetydrill", "drillfinding")),
    ),
    Role.ADMINISTRATOR: (
        *(Grant(app, FULL) for app in PROJECT_APPS),
        Grant("auth", FULL, ("group",)),
    ),
    Role.RESIDENT: (),
}

#: Custom permissions (declared in models' Meta.permissions) held beyond the matrix.
EXTRA: dict[str, tuple[str, ...]] = {
    Role.OVERSIGHT: ("rulebook.approve_rulebookversion",),
    Role.ADMINISTRATOR: ("rulebook.approve_rulebookversion",),
}


def _codenames(app_config: AppConfig, grant: Grant) -> set[str]:
    models = app_config.get_models() if grant.models == ("*",) else [
        app_config.get_model(name) for name in grant.models
    ]
    return {f"{action}_{model._meta.model_name}" for model in models for action in grant.actions}


def sync_role_permissions(
    app_config: AppConfig | None = None,
    *,
    using: str = DEFAULT_DB_ALIAS,
    apps: Any = global_apps,
    **_: Any,
) -> None:
    """Give each role group the permissions of the matrix for the migrated app (post_migrate receiver).

    Adds what is missing and never removes a permission an administrator granted by hand.
    """
    if app_config is None or app_config.models_module is None:
        return
    try:
        Group = apps.get_model("auth", "Group")
        Permission = apps.get_model("auth", "Permission")
    except LookupError:
        return
    # Our receiver may run before auth's: make sure this app's permissions exist.
    create_permissions(app_config, verbosity=0, using=using, apps=apps)
    label = app_config.label
    for role, grants in MATRIX.items():
        codenames: set[str] = set()
        for grant in grants:
            if grant.app == label:
                codenames |= _codenames(app_config, grant)
        codenames |= {perm.split(".", 1)[1] for perm in EXTRA.get(role, ()) if perm.startswith(f"{label}.")}
        if not codenames:
            continue
        group = Group.objects.using(using).filter(name=role).first()
        if group is None:
            continue
        permissions = Permission.objects.using(using).filter(
            content_type__app_label=label, codename__in=codenames
        )
        group.permissions.add(*permissions)
