from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "opc_community.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from celery.signals import heartbeat_sent

        from opc_community.core.health import worker_heartbeat

        # /healthz: a running worker refreshes its heartbeat (Celery sends one every 2 s).
        heartbeat_sent.connect(worker_heartbeat, dispatch_uid="opc_community.core.health.worker_heartbeat")

        from opc_community.core import db_roles

        # Once per migrate (sent for this app after every migration ran): the database roles' rights.
        post_migrate.connect(db_roles.after_migrate, sender=self, dispatch_uid="core.db_roles")

        from celery.signals import task_postrun
        from django.core.signals import request_finished

        from opc_community.core import files

        # A stored file lives only if its row commits; a deleted row's files go after commit.
        request_finished.connect(files.after_request_or_job, dispatch_uid="core.files.request")
        task_postrun.connect(files.after_request_or_job, dispatch_uid="core.files.job")
        files.connect_file_deletion()


def _boolean_icon(field_val: bool | None) -> str:
    """Django's yes/no/unknown icon of the admin's lists and read-only fields, its alt text in the reader's
    language (Django writes "True", "False", "None": English read out on Chinese screens)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    name = {True: "yes", False: "no", None: "unknown"}[field_val]
    alt = {True: _("Yes"), False: _("No"), None: _("Unknown")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), alt)


class OpcAdminConfig(admin_apps.AdminConfig):
    """Replaces the stock admin site with the branded operations desk."""

    default = False  # named explicitly in INSTALLED_APPS
    default_site = "opc_community.core.admin_site.OpcAdminSite"

    def ready(self) -> None:
        super().ready()  # autodiscovers every app's admin module
        from django.contrib import admin
        from django.contrib.admin.templatetags import admin_list
        from django_otp.plugins.otp_totp.models import TOTPDevice

        # Authenticator secrets are nobody's business in the operations desk: a lost phone is
        # handled by ``manage.py two_factor_reset`` (accounts.services.two_factor_reset).
        if admin.site.is_registered(TOTPDevice):
            admin.site.unregister(TOTPDevice)
        # The lists and read-only fields look the yes/no icon up in this module at each call.
        admin_list._boolean_icon = _boolean_icon
