"""The work desk (运营工作台): the admin home shows today's work of the signed-in staff member's role(s)
(UI.md) — counts that link to pre-filtered lists, red when late.

Extension point: each domain app registers its own :class:`DeskItem` in its ``AppConfig.ready()`` (the core
never imports a domain app). An item's ``tally`` is ONE query (a COUNT, or one aggregate counting both all
rows and the late ones) over indexed filters: the desk runs one query per item the person sees.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role


@dataclass(frozen=True)
class Tally:
    """What an item counts now: ``count`` rows, ``late`` of them past their deadline (shown red)."""

    count: int
    late: int = 0


@dataclass(frozen=True)
class DeskItem:
    """One line of the desk. ``roles``: the staff roles whose work it is (the administrator, who runs the
    whole operation, sees every item). ``tally(now)``: one query. ``link(now)``: the pre-filtered list;
    ``late_link(now)``: the list of the late ones, used while any is late. ``always_late``: every counted row
    is late (an "overdue" count), so any count is red."""

    key: str
    label: Any
    roles: tuple[str, ...]
    tally: Callable[[datetime], Tally]
    link: Callable[[datetime], str]
    order: int
    late_link: Callable[[datetime], str] | None = None
    always_late: bool = False


@dataclass(frozen=True)
class DeskLine:
    """An item as the desk shows it."""

    key: str
    label: Any
    count: int
    late: bool
    link: str


_ITEMS: dict[str, DeskItem] = {}


def register_desk_item(item: DeskItem) -> None:
    _ITEMS[item.key] = item


def desk_items() -> list[DeskItem]:
    return sorted(_ITEMS.values(), key=lambda item: (item.order, item.key))


def items_for(user: Any) -> list[DeskItem]:
    """The items of the user's role(s): every item for the administrator (and superusers), none for a
    person without a staff role (the role names: one query, cached on the user)."""
    if has_role(user, Role.ADMINISTRATOR):
        return desk_items()
    return [item for item in desk_items() if has_role(user, *item.roles)]


def desk_lines(user: Any, now: datetime) -> list[DeskLine]:
    """The user's desk: one query per item (plus the role names)."""
    lines = []
    for item in items_for(user):
        tally = item.tally(now)
        late = tally.late > 0 or (item.always_late and tally.count > 0)
        link = item.late_link(now) if tally.late and item.late_link else item.link(now)
        lines.append(DeskLine(item.key, item.label, tally.count, late, link))
    return lines


# --- Helpers for the domain apps' items ------------------------------------------------------------------


def tally_of(queryset: QuerySet, late: Q | None = None) -> Tally:
    """The rows of ``queryset`` and, when ``late`` is given, how many of them match it — one query."""
    if late is None:
        return Tally(queryset.count())
    counts = queryset.aggregate(count=Count("pk"), late=Count("pk", filter=late))
    return Tally(counts["count"], counts["late"])


def today_starts(now: datetime) -> datetime:
    """00:00 (Asia/Shanghai) of ``now``'s day."""
    return datetime.combine(
        timezone.localdate(now), time.min, tzinfo=timezone.get_default_timezone()
    )


def tomorrow_starts(now: datetime) -> datetime:
    """00:00 (Asia/Shanghai) of the day after ``now``: "due today" is a deadline before this moment."""
    return today_starts(now) + timedelta(days=1)


def admin_list(url_name: str, **filters: Any) -> str:
    """The address of an admin list with its filters in the query string."""
    url = reverse(url_name)
    return f"{url}?{urlencode(filters)}" if filters else url
