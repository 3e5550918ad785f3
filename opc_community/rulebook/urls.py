"""Public URLs of the rulebook (/notices/regulation/…): the regulation's text (第九章第一条)."""

from opc_community.rulebook.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
