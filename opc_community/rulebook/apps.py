from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RulebookConfig(AppConfig):
    """The versioned rulebook (RULEBOOK §11): every number of the regulation as data."""

    name = "opc_community.rulebook"
    label = "rulebook"
    verbose_name = _("Rulebook")

    def ready(self) -> None:
        from opc_community.notices.models import PublicationKind
        from opc_community.notices.registry import register_close_handler
        from opc_community.rulebook.services import revision_publication_closed

        register_close_handler(PublicationKind.RULE_REVISION, revision_publication_closed)
        # 第九章第一条: the regulation's text in force, on the portal's shortcuts (the page is public).
        from opc_community.portal.cards import Shortcut, register_shortcut

        register_shortcut(Shortcut(_("The community regulation"), "rulebook:regulation", checked_in_only=False))
