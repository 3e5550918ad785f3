"""Celery tasks of the scoring app: the quarter opened for inputs (daily, 00:05: normally acts on day 1 of
each quarter), the quarter run (day 1 of each quarter, 02:00, or from the admin), overdue score appeals."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from scoring import quarters
from scoring.models import Quarter, QuarterStatus
from scoring.services.run import quarter_run


@shared_task
def run_quarter(quarter_id: int, actor_id: int | None = None) -> dict[str, int]:
    """Compute (or recompute) one quarter's draft; the admin starts it (naming its user for the audit
    trail) and follows its progress."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    result = quarter_run(quarter=Quarter.objects.get(pk=quarter_id), actor=actor)
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


@shared_task
def open_current_quarter() -> dict[str, object]:
    """The scheduled opening: the quarter that contains today takes inputs from its first day, deadline its
    last day unless staff added it ahead (``inputs.quarter_open_scheduled``). Daily, so that a missed beat
    on day 1 is made up the next morning; a second run changes nothing."""
    from scoring.services.inputs import quarter_open_scheduled

    quarter, created = quarter_open_scheduled(today=timezone.localdate())
    return {"quarter": quarter.pk, "created": created}


@shared_task
def flag_overdue_score_appeals() -> int:
    """Score appeals not answered in time are flagged to the administrator, once each (第六章第三条)."""
    from scoring.services.appeals import score_appeals_flag_overdue

    return score_appeals_flag_overdue()
