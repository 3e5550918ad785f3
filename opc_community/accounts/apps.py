from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "opc_community.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from opc_community.accounts.roles import sync_role_permissions
        from opc_community.accounts.sessions import on_user_logged_in

        # After every migrate (when Django has created the permissions of new
        # models), give each role group the permissions its matrix names.
        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
        # Every login (portal, admin, sign-up activation, tests' force_login) sets the session's
        # idle timeout and the second factor it still needs (accounts.sessions).
        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.login_policy")
