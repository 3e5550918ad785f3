"""Submitting an application: eligibility, identity numbers in use and re-application bans (RULEBOOK §4.6)."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook, workdays
from opc_community.accounts.conflicts import ensure_not_staff_applicant
from opc_community.accounts.models import User
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.moments import format_day
from opc_community.core.transitions import lock
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from residents.models import (
    Application,
    ApplicationStatus,
    Ban,
)
from residents.rules import intake as rules
from residents.rules.identity import (
    normalise_identity,
)
from residents.services.applications import (
    _check_identity_in_use,
)
from residents.services.intake_base import (
    NOTIFICATION_KIND,
    _advance,
    _Errors,
    _notify_applicant,
    _refuse,
    _require_applicant,
)


def ban_in_force_for(*, id_number: str, uscc: str, on: date) -> Ban | None:
    """The re-application ban refusing these identity numbers on ``on`` (RULEBOOK §4.6), or None."""
    id_number, uscc = normalise_identity(id_number), normalise_identity(uscc)
    if not id_number and not uscc:
        return None
    query = Q()
    if id_number:
        query |= Q(id_number=id_number)  # stored normalised (a check constraint keeps them so)
    if uscc:
        query |= Q(uscc=uscc)
    return rules.ban_in_force(Ban.objects.filter(query, ends_on__gte=on), id_number=id_number, uscc=uscc, today=on)


def _ban_message(ban: Ban, *, on_uscc: bool) -> str:
    values = {"date": format_day(ban.ends_on), "reason": ban.get_source_display()}
    if on_uscc:
        return _(
            "This unified social credit code may not apply again until %(date)s inclusive "
            "(re-application ban after %(reason)s, 第三章第四条)."
        ) % values
    return _(
        "This ID card number may not apply again until %(date)s inclusive "
        "(re-application ban after %(reason)s, 第三章第四条)."
    ) % values


def _check_ban(application: Application, errors: _Errors, *, today: date) -> None:
    ban = ban_in_force_for(id_number=application.id_number, uscc=application.uscc, on=today)
    if ban is None:
        return
    on_id = bool(application.id_number) and normalise_identity(ban.id_number) == application.id_number
    field = "id_number" if on_id else "uscc"
    errors.add(field, _ban_message(ban, on_uscc=not on_id), lead=True)


def submission_problems(application: Application, *, today: date) -> _Errors:
    """Everything that keeps an application from being submitted (第三章第一条、第二条; RULEBOOK §4.6)."""
    errors = _Errors()
    kinds = [document.kind for document in application.documents.all()]
    for field, message in rules.submission_problems(application, uploaded_kinds=kinds, today=today):
        errors.add(field, message)
    _check_identity_in_use(application, errors)
    _check_ban(application, errors, today=today)
    return errors


@transaction.atomic
def application_submit(*, application: Application, actor: User) -> Application:
    """Submit 《OPC社区入驻申请表》 (first time, or again after being returned: the clock restarts).

    Refused, with every problem named by field, when a requirement is missing or a ban is in
    force (the message names the day the ban ends). The initial review is due by the end of the
    rulebook's ``intake_initial_review_working_days``-th working day after today (第三章第二条).
    """
    application = lock(application)
    _require_applicant(application, actor)
    ensure_not_staff_applicant(actor)
    return submit(application, actor=actor)


def submit(application: Application, *, actor: User, note: str = "") -> Application:
    """The submission itself, on a locked application whose caller checked who submits it (the applicant
    in the portal and API; the intake team for an application received on paper, ``note`` saying so)."""
    under_review = _("This application has been submitted and is under review.")
    _refuse(
        application,
        ApplicationStatus.SUBMITTED,
        {
            ApplicationStatus.SUBMITTED: under_review,
            ApplicationStatus.EVALUATION: under_review,
            ApplicationStatus.EVALUATED: under_review,
            ApplicationStatus.APPROVED: _("This application has already been approved."),
            ApplicationStatus.REJECTED: _("This application was rejected: start a new application instead."),
            ApplicationStatus.WITHDRAWN: _("This application was withdrawn: start a new application instead."),
        },
    )
    now = timezone.now()
    today = local_date(now)
    submission_problems(application, today=today).raise_if_any()
    days = rulebook.in_force(on=today).deadlines.intake_initial_review_working_days
    due = workdays.deadline(now, days)
    submission_round = application.round + 1
    application = _advance(
        application, ApplicationStatus.SUBMITTED, actor=actor, action="residents.application_submit",
        reason=" ".join(part for part in (_("Submission round %(round)d.") % {"round": submission_round}, note) if part),
        round=submission_round, submitted_at=now, review_due_at=due.at, review_due_provisional=due.provisional,
        evaluation_feasibility="", evaluation_fit="", evaluated_at=None, result_due_at=None,
        result_due_provisional=False, decision_reason="",
    )
    due_text = format_day(due.at)
    _notify_applicant(
        application,
        title=lambda: _("Your application was received"),
        body=lambda: _(
            "We received your application (round %(round)d). The intake team completes the initial review "
            "by %(date)s (within %(days)d working days, 第三章第二条)."
        )
        % {"round": application.round, "date": due_text, "days": days},
    )
    flags = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
    notify(
        recipients=members_of(Role.INTAKE),
        title=lambda: _("New application to review: %(name)s") % {"name": application.display_name},
        body=lambda: _("Initial review due by %(date)s (第三章第二条).%(flags)s")
        % {
            "date": due_text,
            "flags": (" " + _("Needs a staff decision: ") + "；".join(str(rules.FLAG_MESSAGES[f]) for f in flags))
            if flags
            else "",
        },
        link=reverse("admin:residents_application_change", args=[application.pk]),
        kind=NOTIFICATION_KIND,
    )
    return application

