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
