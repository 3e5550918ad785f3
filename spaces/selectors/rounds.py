"""Reads of the cleaning and closing rounds (第四章第一条 3、4): a day's schedule against the log, the
day's logged rounds. A fixed number of queries whatever the number of areas or rounds."""

from datetime import date

from django.db.models import Count, Max, QuerySet

from opc_community import rulebook
from spaces.models import CleaningKind, CleaningRound, ClosingRound, MissedRound
from spaces.rules import rounds as rules


def schedule(day: date) -> list[rules.Due]:
    """Every round due on ``day`` with how many were logged (four queries)."""
    spec = rulebook.in_force(on=day).rounds
    counts = dict(
        CleaningRound.objects.filter(day=day, kind=CleaningKind.CLEANING).values("area")
        .annotate(n=Count("pk")).values_list("area", "n")
    )
    longest = max(area.disinfection_every_days for area in spec.cleaning_areas.values())
    earliest = day.fromordinal(day.toordinal() - longest + 1)
    last = dict(
        CleaningRound.objects.filter(kind=CleaningKind.DISINFECTION, day__range=(earliest, day)).values("area")
        .annotate(last=Max("day")).values_list("area", "last")
    )
    closing_done = ClosingRound.objects.filter(day=day).exists()
    return rules.day_schedule(day=day, rounds=spec, cleanings=counts, last_disinfections=last,
                              closing_done=closing_done)


def area_names(day: date) -> dict[str, str]:
    """The areas of the rulebook in force on ``day``: code → name (one query)."""
    return {code: area.name for code, area in rulebook.in_force(on=day).rounds.cleaning_areas.items()}


def cleaning_log(day: date) -> QuerySet[CleaningRound]:
    return CleaningRound.objects.filter(day=day).select_related("done_by").order_by("-done_at", "-pk")


def closing_round_of(day: date) -> ClosingRound | None:
    return ClosingRound.objects.filter(day=day).select_related("done_by").prefetch_related("exceptions").first()


def missed_rounds() -> QuerySet[MissedRound]:
    return MissedRound.objects.order_by("-day", "kind", "area")
