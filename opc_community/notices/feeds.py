"""The notice board as an Atom feed (UI.md: "readable without login on any device; … an Atom feed")."""

from datetime import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html, format_html_join, linebreaks
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community.core.moments import format_day
from opc_community.notices import selectors
from opc_community.notices.models import Publication

FEED_SIZE = 30


def window_text(publication: Publication) -> str:
    """公示期：2026年10月8日至2026年10月12日 (the same wording as the board's pages)."""
    start, end = (
        format_day(moment)
        for moment in (publication.window_starts_at, publication.window_ends_at)
    )
    return _("Publication window: %(start)s to %(end)s") % {"start": start, "end": end}


class LatestPublicationsFeed(Feed):
    """The latest publications, newest first; public like the board itself (RULEBOOK §10)."""

    feed_type = Atom1Feed
    title = format_lazy("{} · {}", settings.SITE_NAME, gettext_lazy("Public notice board"))
    subtitle = gettext_lazy("Decisions, rules and notices published for objection (RULEBOOK §10).")
    link = reverse_lazy("notices:list")

    def items(self) -> QuerySet[Publication]:
        return selectors.public_publications(now=timezone.now())[:FEED_SIZE]

    def item_title(self, item: Publication) -> str:
        return f"[{item.get_kind_display()}] {item.title}"

    def item_description(self, item: Publication) -> str:
        # Atom summaries are HTML: the plain, already-masked body is escaped, then paragraphed.
        status = _("Status: %(status)s") % {"status": item.public_status_label}
        text = linebreaks(f"{window_text(item)}\n{status}\n\n{item.body}", autoescape=True)
        if not item.table_rows:
            return text
        # Results published as a table (quarterly scores) travel as one, every cell escaped.
        head = format_html_join("", "<th>{}</th>", ((column,) for column in item.table_columns))
        body = format_html_join("", "<tr>{}</tr>", (
            (format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in item.table_rows))
        return text + format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)

    def item_author_name(self, item: Publication) -> str:
        return str(settings.NOTICE_BOARD_PUBLISHER)  # the publishing body (发布单位), never a person

    def item_pubdate(self, item: Publication) -> datetime:
        return item.window_starts_at

    def item_updateddate(self, item: Publication) -> datetime:
        return item.updated_at

    def item_categories(self, item: Publication) -> tuple[str, ...]:
        return (item.get_kind_display(),)
