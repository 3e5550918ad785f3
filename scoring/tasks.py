"""Celery tasks of the scoring app: the quarter run (day 1 of each quarter, 02:00, or from the admin)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from scoring import quarters
from scoring.models import Quarter, QuarterStatus
from scoring.services.run import quarter_run


@shared_task
def run_quarter(quarter_id: int) -> dict[str, int]:
    """Compute (or recompute) one quarter's draft; the admin starts it and follows its progress."""
    result = quarter_run(quarter=Quarter.objects.get(pk=quarter_id))
    return {"cards": result.cards, "eliminated": result.eliminated, "warnings": result.warnings}


@shared_task
def run_quarter_just_ended() -> dict[str, int] | None:
    """The scheduled run: the quarter that ended yesterday, created if needed; a quarter already
    confirmed is left alone (its scores change only through appeals), so a second run is harmless."""
    yesterday = timezone.localdate() - timedelta(days=1)
    year, number = quarters.containing(yesterday)
    quarter, _ = Quarter.objects.get_or_create(
        year=year, number=number, defaults={"inputs_due_on": quarters.last_day(year, number)}
    )
    if quarter.status not in (QuarterStatus.OPEN, QuarterStatus.DRAFTED):
        return None
    return run_quarter(quarter.pk)
