"""Celery tasks of the discipline app."""

from celery import shared_task

# --- Cases and appeals (处罚流程, 复核: 第八章第二条) ---------------------------------------------------


@shared_task
def render_rectification_notice(notice_id: int) -> bool:
    """Render and store the PDF of a 《违规整改通知书》 (after the issuing transaction committed);
    a stored PDF is kept, so running twice renders once."""
    from discipline.services.cases import notice_render

    notice = notice_render(notice_id=notice_id)
    return bool(notice.document)


@shared_task
def flag_overdue_appeals() -> int:
    """Requests for review not answered within their working days are flagged to the administrator, once each."""
    from discipline.services.appeals import appeals_flag_overdue

    return appeals_flag_overdue()


@shared_task
def mark_unrectified_cases() -> int:
    """Rectification deadlines passed yesterday or earlier → the case is "not rectified", the responsible
    staff told (discipline.services.deadlines). Daily, in the morning; idempotent."""
    from django.utils import timezone

    from discipline.services.deadlines import rectification_overdue_run

    return rectification_overdue_run(today=timezone.localdate())


@shared_task
def flag_late_publications() -> int:
    """Decided cases not published within their working days are flagged to the administrator, once each."""
    from discipline.services.deadlines import publication_overdue_flag

    return publication_overdue_flag()


@shared_task
def watch_decision_ledger() -> dict:
    """Verify the decision ledger (chain, checkpoints, live decisions); alert the administrators once per
    break, or publish the chain's head when it holds and moved (discipline.services.ledger.ledger_watch).
    Daily. Idempotent: a second run alerts nobody again and publishes nothing new."""
    from discipline.services.ledger import ledger_watch

    return ledger_watch()


# --- Automatic ladders (第八章第二条 rows 7 and 1b; RULEBOOK §9) -------------------------------------


@shared_task
def run_overdue_ladders() -> dict:
    """Overdue fees and overdue exit → one case per invoice / exit and band (discipline.services.ladders).

    Daily at 08:00. Idempotent: a second run the same day opens nothing; a run that died half-way
    is completed by the next. Returns the counts (opened per ladder and band, taken up again, already
    there, held back, failed) for the log."""
    import logging

    from django.utils import timezone

    from discipline.services.ladders import ladders_run

    result = ladders_run(today=timezone.localdate()).as_dict()
    logging.getLogger(__name__).info("Overdue ladders: %s", result)
    return result


# --- Rewards (第八章第一条) ------------------------------------------------------------------------------


@shared_task
def flag_overdue_reward_grants() -> int:
    """Approved rewards not granted within their working days are flagged to the administrator, once each
    (the notification's dedupe key: a second run tells nobody again). Returns how many were newly flagged."""
    from django.utils import timezone

    from discipline.services.reward_grants import rewards_flag_overdue

    return rewards_flag_overdue(now=timezone.now())
