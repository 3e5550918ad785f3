"""Celery tasks of the scoring app: the quarter opened for inputs (daily, 00:05: normally acts on day 1 of
each quarter), the quarter run (daily, 02:00: normally acts on day 1 of each quarter; or from the admin),
plan reminders and late plan decisions (daily, 09:00), overdue score appeals."""

from celery import shared_task
from django.utils import timezone

from scoring.models import Quarter
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
def run_quarter_just_ended() -> list[dict[str, object]]:
    """The scheduled run (daily, 02:00): drafts every quarter that ended and was never run — normally the
    one that ended yesterday, on day 1 of a quarter; any later day when beat missed it — and tells the
    administrator that the draft awaits confirmation. A quarter already run is left alone (a draft is
    re-run from the admin; a confirmed one changes only through appeals), so a second run does nothing."""
    from scoring.services.run import quarters_draft_ended

    return [
        {"quarter": str(drafted.quarter), "cards": drafted.result.cards, "eliminated": drafted.result.eliminated,
         "warnings": drafted.result.warnings}
        for drafted in quarters_draft_ended(today=timezone.localdate())
    ]


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


@shared_task
def remind_plans() -> dict[str, int]:
    """Daily (09:00): residents who have not filed their quarterly plan are reminded once, from 3 working days
    before their last day to file; plans and changes staff did not decide in time are flagged to the
    administrators once each (``plans.plans_remind``; RULEBOOK §7.1). A second run sends nothing."""
    from scoring.services.plans import plans_remind

    return plans_remind(today=timezone.localdate())
