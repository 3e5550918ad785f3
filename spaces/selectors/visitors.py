"""Reads of the visitor log: the host's visitors, the front desk's board of the day, the searchable log
(each one query for a page of rows, whatever their number)."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from spaces.models import Visitor, VisitorStatus

_RELATED = ("host", "registered_by", "confirmed_by")


def visitor_log() -> QuerySet[Visitor]:
    """Every visitor with the host and the staff who registered and answered (one query per page)."""
    return Visitor.objects.select_related(*_RELATED).order_by("-expected_at", "-pk")


def visitors_of_host(resident: Any) -> QuerySet[Visitor]:
    """The resident's own visitors: those awaiting its answer first, then the newest."""
    awaiting_first = Case(When(status=VisitorStatus.AWAITING_HOST, then=Value(0)), default=Value(1))
    return (
        Visitor.objects.filter(host=resident)
        .select_related("host")
        .order_by(awaiting_first, "-expected_at", "-pk")
    )


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar day in the site's time zone (Asia/Shanghai), as aware datetimes."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    return start, end


def front_desk_board(day: date) -> QuerySet[Visitor]:
    """The front desk's day: visitors expected that day, plus anyone admitted and not yet signed out."""
    start, end = day_bounds(day)
    return (
        visitor_log()
        .filter(Q(expected_at__gte=start, expected_at__lt=end) | Q(status=VisitorStatus.ADMITTED))
        .order_by("expected_at", "pk")
    )


def search_log(
    queryset: QuerySet[Visitor],
    *,
    name: str = "",
    host: str = "",
    status: str = "",
    expected_from: date | None = None,
    expected_to: date | None = None,
) -> QuerySet[Visitor]:
    """The log narrowed by visitor name, host name, status and expected day range (both days included)."""
    if name:
        queryset = queryset.filter(name__icontains=name)
    if host:
        queryset = queryset.filter(host__name__icontains=host)
    if status:
        queryset = queryset.filter(status=status)
    if expected_from:
        queryset = queryset.filter(expected_at__gte=day_bounds(expected_from)[0])
    if expected_to:
        queryset = queryset.filter(expected_at__lt=day_bounds(expected_to)[1])
    return queryset
