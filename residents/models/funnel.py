"""The intake funnel page (第二章第二条1): not data of its own, a read-only view over applications,
agreements, check-ins, renewals and exits. A proxy of Application so that the page has its own entry on
the admin index and its own ``view`` permission (the role matrix: the intake team, the administrator and
oversight read the residents app)."""

from django.utils.translation import gettext_lazy as _

from residents.models.intake import Application


class IntakeFunnel(Application):
    class Meta:
        proxy = True
        default_permissions = ("view",)
        verbose_name = _("intake funnel")
        verbose_name_plural = _("intake funnel")
