from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "opc_community.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from opc_community.accounts.roles import sync_role_permissions

        # After every migrate (when Django has created the permissions of new
        # models), give each role group the permissions its matrix names.
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
