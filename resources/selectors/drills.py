"""Reads of safety drills (第七章第四条): the drill list and the summary the spaces safety dashboard shows."""

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from resources.models import SafetyDrill
from spaces.extensions import DrillSummary


def drills() -> QuerySet[SafetyDrill]:
    """Drills with their activity, the reporter and the number of people who attended (one query)."""
    return (SafetyDrill.objects.select_related("activity", "reported_by")
            .annotate(attended=Count("activity__attendances", distinct=True)).order_by("-activity__starts_at"))


def drills_of_year(year: int) -> QuerySet[SafetyDrill]:
    return drills().filter(activity__starts_at__year=year, activity__cancelled_at__isnull=True)


def drill_summary(*, year: int, now: datetime) -> DrillSummary:
    """The drill source of the safety dashboard (``spaces.extensions.register_drill_source``): drills of the
    calendar year not cancelled — held (ended by ``now``) and planned (not yet ended) — and the next drill to
    start after ``now`` (whatever its year). Two queries."""
    live = SafetyDrill.objects.filter(activity__cancelled_at__isnull=True)
    counts = live.filter(activity__starts_at__year=year).aggregate(
        held=Count("pk", filter=Q(activity__ends_at__lte=now)),
        planned=Count("pk", filter=Q(activity__ends_at__gt=now)),
    )
    upcoming: Any = (live.filter(activity__starts_at__gt=now).select_related("activity")
                     .order_by("activity__starts_at").first())
    if upcoming is None:
        return DrillSummary(held=counts["held"], planned=counts["planned"])
    return DrillSummary(
        held=counts["held"], planned=counts["planned"], next_at=upcoming.activity.starts_at,
        next_title=upcoming.activity.title, next_url=reverse("admin:resources_safetydrill_change", args=[upcoming.pk]),
    )
