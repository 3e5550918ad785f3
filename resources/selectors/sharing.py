"""Reads of the sharing board (资源共享平台、AI能力共享池, 第四章第二条 3): the board a resident sees, its own
posts, interests and matches, the per-quarter report and the archive section — each in a fixed number
of queries.

Who sees what: a resident sees the posts on the board (open, not expired) and all its own; the
interests in a post only its author (and staff); a match only its two sides (and staff). Staff read
everything through the operations desk and the API. Nothing here is ever public.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from residents.models import Resident
from resources.models import (
    MatchStatus,
    PostStatus,
    SharingCategory,
    SharingInterest,
    SharingKind,
    SharingMatch,
    SharingPost,
)
from resources.rules.quarters import quarter_of
from resources.selectors.activities import quarter_bounds

ARCHIVE_LABEL = gettext_lazy("Sharing board")


def on_board(*, now: datetime | None = None) -> Q:
    """Posts on the board now: open and not past their expiry."""
    return Q(status=PostStatus.OPEN, expires_at__gt=now or timezone.now())


def open_post_count(resident: Resident, *, now: datetime | None = None) -> int:
    return SharingPost.objects.filter(on_board(now=now), resident=resident).count()


def board(*, now: datetime | None = None, kind: str | None = None, category: str | None = None,
          search: str | None = None) -> QuerySet[SharingPost]:
    """The board: posts on it, newest first, with their authors."""
    posts = SharingPost.objects.filter(on_board(now=now)).select_related("resident")
    if kind:
        posts = posts.filter(kind=kind)
    if category:
        posts = posts.filter(category=category)
    if search:
        posts = posts.filter(Q(title__icontains=search) | Q(body__icontains=search))
    return posts.order_by("-created_at", "-pk")


def visible_to(resident: Resident, *, now: datetime | None = None) -> QuerySet[SharingPost]:
    """What a resident may open: the posts on the board and all of its own (closed, expired, hidden)."""
    return SharingPost.objects.filter(on_board(now=now) | Q(resident=resident)).select_related("resident")


def posts_of(resident: Resident) -> QuerySet[SharingPost]:
    """The resident's own posts with their number of interests (one query)."""
    return (SharingPost.objects.filter(resident=resident).select_related("resident")
            .annotate(interest_count=Count("interests")).order_by("-created_at", "-pk"))


def interests_in(post: SharingPost) -> QuerySet[SharingInterest]:
    """Who expressed interest in a post (its author and staff only)."""
    return SharingInterest.objects.filter(post=post).select_related("resident").order_by("created_at", "pk")


def interests_of(resident: Resident) -> QuerySet[SharingInterest]:
    """The interests the resident expressed, with their posts."""
    return SharingInterest.objects.filter(resident=resident).select_related("post__resident").order_by(
        "-created_at", "-pk")


def matches_of(resident: Resident) -> QuerySet[SharingMatch]:
    """The matches in which the resident is a side, waiting ones first."""
    return (SharingMatch.objects.filter(Q(author=resident) | Q(counterpart=resident))
            .select_related("post", "other_post", "author", "counterpart")
            .order_by("-proposed_at", "-pk"))


# --- The per-quarter report (第五章: resources used and matched) ---------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    category: str
    label: str
    offers: int
    needs: int
    interests: int
    proposed: int
    confirmed: int

    @property
    def posts(self) -> int:
        return self.offers + self.needs


def quarter_report(quarter_start: date) -> list[ReportRow]:
    """Per category, in the quarter holding ``quarter_start``: offers and needs posted, interests
    expressed, matches proposed and matches confirmed (confirmed in the quarter). Three queries."""
    start, end = quarter_bounds(*quarter_of(quarter_start))
    posts = {row["category"]: row for row in SharingPost.objects.filter(created_at__gte=start, created_at__lt=end)
             .values("category").annotate(offers=Count("pk", filter=Q(kind=SharingKind.OFFER)),
                                          needs=Count("pk", filter=Q(kind=SharingKind.NEED)))}
    interests = {row["post__category"]: row["total"] for row in SharingInterest.objects.filter(
        created_at__gte=start, created_at__lt=end).values("post__category").annotate(total=Count("pk"))}
    matches = {row["post__category"]: row for row in SharingMatch.objects.filter(
        Q(proposed_at__gte=start, proposed_at__lt=end)
        | Q(status=MatchStatus.CONFIRMED, decided_at__gte=start, decided_at__lt=end)
    ).values("post__category").annotate(
        proposed=Count("pk", filter=Q(proposed_at__gte=start, proposed_at__lt=end)),
        confirmed=Count("pk", filter=Q(status=MatchStatus.CONFIRMED, decided_at__gte=start, decided_at__lt=end)),
    )}
    rows = []
    for category in SharingCategory:
        p, m = posts.get(category.value, {}), matches.get(category.value, {})
        rows.append(ReportRow(
            category=category.value, label=str(category.label), offers=p.get("offers", 0), needs=p.get("needs", 0),
            interests=interests.get(category.value, 0), proposed=m.get("proposed", 0),
            confirmed=m.get("confirmed", 0),
        ))
    return rows


def report_total(rows: list[ReportRow]) -> ReportRow:
    return ReportRow(
        category="", label=_("total"), offers=sum(r.offers for r in rows), needs=sum(r.needs for r in rows),
        interests=sum(r.interests for r in rows), proposed=sum(r.proposed for r in rows),
        confirmed=sum(r.confirmed for r in rows),
    )


# --- Archive (第三章第五条) --------------------------------------------------------------------------------


def archive_entries(resident: Any) -> list[Any]:
    """The resident's posts (with how they ended) and its matches as archive lines (two queries)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for post in SharingPost.objects.filter(resident=resident).select_related("hidden_by"):
        detail = " · ".join(part for part in (post.get_category_display(), post.hidden_reason, post.close_note)
                            if part)
        entries.append(Entry(
            at=post.created_at, section="sharing",
            title=_("Sharing post (%(kind)s): %(title)s, %(status)s")
            % {"kind": post.get_kind_display(), "title": post.title, "status": post.get_status_display()},
            detail=detail, actor=_name(post.hidden_by) if post.hidden_by_id else str(resident),
        ))
    for match in SharingMatch.objects.filter(Q(author=resident) | Q(counterpart=resident)).select_related(
        "post", "author", "counterpart", "proposed_by"
    ):
        other = match.counterpart if match.author_id == resident.pk else match.author
        entries.append(Entry(
            at=match.proposed_at, section="sharing",
            title=_("Sharing match with %(other)s on “%(title)s”: %(status)s")
            % {"other": other.name, "title": match.post.title, "status": match.get_status_display()},
            detail=match.cancel_reason, actor=_name(match.proposed_by),
        ))
    return sorted(entries, key=lambda entry: entry.at)
