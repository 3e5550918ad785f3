"""Celery tasks of the spaces app."""

from celery import shared_task

# --- Bookings (第四章第一条) -------------------------------------------------------------------------


@shared_task
def release_no_show_bookings() -> int:
    """Every 5 minutes (beat): release confirmed bookings nobody checked in to within the rulebook's
    ``no_show_release_minutes`` of the start, recording the no-shows. One set-based UPDATE; a second
    run finds nothing left to release. Returns how many were released."""
    from django.utils import timezone

    from spaces.services.booking_release import bookings_release_no_shows

    return len(bookings_release_no_shows(now=timezone.now()))


# --- Equipment loans (第四章第二条) --------------------------------------------------------------------


@shared_task
def flag_overdue_loans() -> int:
    """Daily at 08:00 (beat): flag loans still out after their due time and tell the resident and the daily
    management team; reservations never collected lapse. A second run flags nothing twice. Returns how many
    loans this run flagged."""
    from django.utils import timezone

    from spaces.services.equipment import loans_flag_overdue

    return len(loans_flag_overdue(now=timezone.now()))


# --- Safety (第七章) -----------------------------------------------------------------------------------


@shared_task
def flag_safety_due() -> dict[str, int]:
    """Daily (beat): fire equipment overdue for inspection, expiring or expired is told to the daily
    management team, each once (``spaces.services.safety.safety_flag_due``); a second run tells nobody."""
    from django.utils import timezone

    from spaces.services.emergency import patrols_flag_missing, supplies_flag_expiring
    from spaces.services.safety import safety_flag_due

    # Also (第七章第二条、第四条): emergency supplies expiring or expired, and missing patrol rounds of the
    # last two days' shifts — each told once.
    counts = safety_flag_due(today=timezone.localdate())
    counts.update(supplies_flag_expiring(today=timezone.localdate()))
    counts["patrols_missing"] = patrols_flag_missing(now=timezone.now())
    return counts


# --- Cleaning and closing rounds (第四章第一条 3、4) ------------------------------------------------


@shared_task
def flag_missed_rounds() -> int:
    """Daily (beat): yesterday's cleaning, disinfection and closing rounds not logged are recorded and the
    daily management team told, once (``spaces.services.rounds.rounds_flag_missed``); a second run tells
    nobody. Returns how many missed rounds this run recorded."""
    from django.utils import timezone

    from spaces.services.rounds import rounds_flag_missed

    return len(rounds_flag_missed(today=timezone.localdate()))
