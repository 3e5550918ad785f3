"""Mediation between residents (调解, 第四章第三条 2; 第九章第二条 3, 第三条) as pure functions.

No database and no clock. The deadlines are judged exactly like complaints' (one definition of on
time and overdue: :mod:`residents.rules.complaints`): a step is due by the end of its working day.

**Decision (deadlines; the regulation sets none)**: the session is scheduled within
``deadlines.mediation_schedule_working_days`` (5) working days of the request and the mediation is
closed — agreement reached or not — within ``deadlines.mediation_close_working_days`` (15).
A rescheduled session keeps both deadlines.

**Decision (who may do what)**: the requester withdraws while the mediation is not closed; both
parties add statements while it is not closed; only the daily management team and the administrator
schedule and close it. A closed mediation is final: a new dispute is a new request.
"""

from django.utils.translation import gettext as _

from opc_community.rulebook.schema import Deadlines
from residents.models.mediation import MEDIATION_CLOSED, MediationStatus


def is_open(status: str) -> bool:
    """Statements and withdrawal are possible until the mediation is closed."""
    return status not in MEDIATION_CLOSED


def may_schedule(status: str) -> bool:
    """A session is scheduled on a request and may be moved until it is held."""
    return status in (MediationStatus.REQUESTED, MediationStatus.SCHEDULED)


def may_close(status: str) -> bool:
    """The outcome is recorded once a session was scheduled."""
    return status == MediationStatus.SCHEDULED


def promise_text(deadlines: Deadlines) -> str:
    """The team's promise in words, with the numbers of the rulebook in force."""
    return _(
        "The daily management team schedules a mediation session within %(schedule)s working days and closes "
        "the mediation within %(close)s working days of the request (Chapter 4, Article 3)."
    ) % {"schedule": deadlines.mediation_schedule_working_days, "close": deadlines.mediation_close_working_days}


def next_steps_text() -> str:
    """Where the parties go after a failed mediation (第九章第三条, 第二条 3), in plain words."""
    return _(
        "The mediation did not reach an agreement. You may keep negotiating with each other; if that fails, "
        "either of you may bring a lawsuit at the people's court where the community is located (Chapter 9, "
        "Article 3). The community offers mediation as help and bears no legal responsibility for the dispute "
        "(Chapter 9, Article 2)."
    )


def attendance_problem(*, status: str, requester_attended: bool | None, respondent_attended: bool | None,
                       agreed: bool) -> str | None:
    """Why an outcome cannot be recorded as given, or None. An agreement needs both parties present."""
    if not may_close(status):
        return _("Only a mediation with a scheduled session can be closed.")
    if requester_attended is None or respondent_attended is None:
        return _("Record whether each party attended the session.")
    if agreed and not (requester_attended and respondent_attended):
        return _("An agreement needs both parties at the session; record the mediation as failed instead.")
    return None
