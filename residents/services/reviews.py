"""The review workflow of an application (第三章第二条) and its deadlines that follow the calendar."""


from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.conflicts import ensure_not_staff_applicant
from opc_community.accounts.models import User
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.moments import format_day
from opc_community.core.transitions import lock
from opc_community.portal.services import notify
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date
from opc_community.workdays.services import DeadlineField, recompute_deadlines
from residents.models import (
    APPLICATION_TRANSITIONS,
    Application,
    ApplicationStatus,
    Resident,
    ResidentStatus,
)
from residents.rules import intake as rules
from residents.selectors.intake import (
    evaluation_result_due,
    provisional_results,
    provisional_reviews,
)
from residents.services.intake_base import (
    NOTIFICATION_KIND,
    _advance,
    _notify_applicant,
    _refuse,
    _require_applicant,
    _require_reason,
    _require_reviewer,
)
from residents.services.submission import (
    submission_problems,
)


def _not_under_review_messages() -> dict[str, str]:
    return {
        ApplicationStatus.DRAFT: _("This application has not been submitted yet."),
        ApplicationStatus.RETURNED: _(
            "This application was returned for more material and has not been resubmitted yet."
        ),
        ApplicationStatus.APPROVED: _("This application has already been approved."),
        ApplicationStatus.REJECTED: _("This application has already been rejected."),
        ApplicationStatus.WITHDRAWN: _("The applicant has withdrawn this application."),
    }


@transaction.atomic
def application_start_evaluation(
    *, application: Application, actor: User, reason: str = "", eligibility_override: str = ""
) -> Application:
    """Initial review passed (初审通过, 第三章第二条): the project evaluation begins.

    An application with eligibility flags passes only with an ``eligibility_override``
    reason given here; it is stored on the application and in the transition row.
    """
    _require_reviewer(actor, application)
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.EVALUATION,
        {
            **_not_under_review_messages(),
            ApplicationStatus.EVALUATION: _("The initial review of this application has already been passed."),
            ApplicationStatus.EVALUATED: _("This application has already been evaluated."),
        },
    )
    flags = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
    override = (eligibility_override or "").strip()
    if flags and not override:
        raise DomainError(
            _("Eligibility needs a staff decision: %(flags)s Give the reason for admitting it as an eligibility override.")
            % {"flags": " ".join(str(rules.FLAG_MESSAGES[f]) for f in flags)},
            field="eligibility_override",
            code="eligibility_override_required",
        )
    note = (reason or "").strip()
    if flags:
        note = "\n".join(
            filter(None, [note, _("Eligibility override: %(reason)s") % {"reason": override}])
        )
    application = _advance(
        application, ApplicationStatus.EVALUATION, actor=actor, action="residents.application_start_evaluation",
        reason=note, reviewer=actor, **({"eligibility_override": override} if flags else {}),
    )
    _notify_applicant(
        application,
        title=lambda: _("Initial review passed"),
        body=lambda: _(
            "Your application passed the initial review. The intake team now evaluates the project "
            "(feasibility and fit with the community, 第三章第二条)."
        ),
    )
    return application


@transaction.atomic
def application_return(*, application: Application, actor: User, reason: str) -> Application:
    """Return for more material (退回补充材料): the applicant adds what is asked and resubmits."""
    _require_reviewer(actor, application)
    reason = _require_reason(reason)
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.RETURNED,
        {
            **_not_under_review_messages(),
            ApplicationStatus.RETURNED: _("This application has already been returned for more material."),
            ApplicationStatus.EVALUATED: _(
                "This application has been evaluated: decide it (approve or reject) within the result deadline."
            ),
        },
    )
    application = _advance(
        application, ApplicationStatus.RETURNED, actor=actor, action="residents.application_return", reason=reason,
        reviewer=actor, decision_reason=reason,
    )
    _notify_applicant(
        application,
        title=lambda: _("Your application needs more material"),
        body=lambda: _(
            "The intake team returned your application for more material: %(reason)s "
            "Add what is asked and submit it again; the review period starts again then (第三章第二条)."
        )
        % {"reason": reason},
    )
    return application


@transaction.atomic
def application_reject(*, application: Application, actor: User, reason: str) -> Application:
    """Reject, with the reasons the applicant reads (第三章第二条)."""
    _require_reviewer(actor, application)
    reason = _require_reason(reason)
    application = lock(application)
    _refuse(application, ApplicationStatus.REJECTED, _not_under_review_messages())
    application = _advance(
        application, ApplicationStatus.REJECTED, actor=actor, action="residents.application_reject", reason=reason,
        reviewer=actor, decided_at=timezone.now(), decision_reason=reason,
    )
    _notify_applicant(
        application,
        title=lambda: _("Your application was not approved"),
        body=lambda: _("The community did not approve your application. Reasons: %(reason)s") % {"reason": reason},
    )
    return application


@transaction.atomic
def application_record_evaluation(
    *, application: Application, actor: User, feasibility: str, fit: str
) -> Application:
    """Record the project evaluation (项目评估: feasibility, fit); the result is due within the
    rulebook's ``intake_evaluation_result_working_days`` working days (第三章第二条: 2 个工作日)."""
    _require_reviewer(actor, application)
    feasibility = _require_reason(
        feasibility, field="feasibility", message=_("Evaluation: describe the project's feasibility.")
    )
    fit = _require_reason(fit, field="fit", message=_("Evaluation: describe the project's fit with the community."))
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.EVALUATED,
        {
            **_not_under_review_messages(),
            ApplicationStatus.SUBMITTED: _(
                "Pass the initial review first: the project is evaluated after the initial review (第三章第二条)."
            ),
            ApplicationStatus.EVALUATED: _("The evaluation of this application has already been recorded."),
        },
    )
    now = timezone.now()
    due = evaluation_result_due(now)
    application = _advance(
        application, ApplicationStatus.EVALUATED, actor=actor, action="residents.application_record_evaluation",
        reviewer=actor, evaluation_feasibility=feasibility, evaluation_fit=fit, evaluated_at=now,
        result_due_at=due.at, result_due_provisional=due.provisional,
    )
    _notify_applicant(
        application,
        title=lambda: _("Your project has been evaluated"),
        body=lambda: _("The project evaluation is done. You will be told the result by %(date)s (第三章第二条).")
        % {"date": format_day(due.at)},
    )
    return application


@transaction.atomic
def application_approve(*, application: Application, actor: User, reason: str = "") -> Resident:
    """Approve an evaluated application: the applicant becomes a resident (status ONBOARDING) and
    joins the resident role group. The agreement (《OPC社区入驻协议》) follows (第三章第二条).
    """
    _require_reviewer(actor, application)
    ensure_not_staff_applicant(application.applicant)  # the account may have joined the staff since
    application = lock(application)
    _refuse(
        application,
        ApplicationStatus.APPROVED,
        {
            **_not_under_review_messages(),
            ApplicationStatus.SUBMITTED: _(
                "This application has not passed the initial review and the project evaluation yet: "
                "it cannot be approved (第三章第二条)."
            ),
            ApplicationStatus.EVALUATION: _(
                "The project evaluation has not been recorded yet: record it before approving (第三章第二条)."
            ),
            ApplicationStatus.RETURNED: _(
                "This application is still missing material (returned, not resubmitted): it cannot be approved."
            ),
        },
    )
    now = timezone.now()
    errors = submission_problems(application, today=local_date(now))
    errors.raise_if_any()
    flags = rules.eligibility_flags(entity_type=application.entity_type, direction=application.direction)
    if flags and not application.eligibility_override:
        raise DomainError(
            _("Eligibility needs a staff decision first (eligibility override)."), field="eligibility_override"
        )
    if Resident.objects.filter(user_id=application.applicant_id).exclude(status=ResidentStatus.EXITED).exists():
        raise DomainError(_("The applicant's account already has a resident record."))
    reason = (reason or "").strip()
    application = _advance(application, ApplicationStatus.APPROVED, actor=actor, action="residents.application_approve",
                           reason=reason, reviewer=actor, decided_at=now, decision_reason=reason)
    with acting_as(actor, action="residents.application_approve"):
        resident = Resident.objects.create(user=application.applicant, application=application,
                                           name=application.display_name, status=ResidentStatus.ONBOARDING)
        application.applicant.groups.add(Group.objects.get(name=Role.RESIDENT))
    _notify_applicant(
        application,
        title=lambda: _("Your application was approved"),
        body=lambda: _(
            "Welcome to the community. Next: the intake team issues 《OPC社区入驻协议》 (term, fees and deposit); "
            "you accept it in the portal, pay the fees and deposit, then check in."
        ),
    )
    return resident


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    """The applicant withdraws a draft, a submitted application or one returned for more material."""
    application = lock(application)
    _require_applicant(application, actor)
    _refuse(
        application,
        ApplicationStatus.WITHDRAWN,
        {
            ApplicationStatus.EVALUATION: _(
                "The project is being evaluated; please contact the intake team to withdraw."
            ),
            ApplicationStatus.EVALUATED: _(
                "The project has been evaluated; please contact the intake team to withdraw."
            ),
            ApplicationStatus.APPROVED: _("This application has already been approved."),
            ApplicationStatus.REJECTED: _("This application has already been rejected."),
            ApplicationStatus.WITHDRAWN: _("This application has already been withdrawn."),
        },
    )
    reason = (reason or "").strip()
    from_status = application.status
    application = _advance(application, ApplicationStatus.WITHDRAWN, actor=actor,
                           action="residents.application_withdraw", reason=reason)
    _notify_applicant(
        application,
        title=lambda: _("Your application was withdrawn"),
        body=lambda: _("You withdrew your application. You may apply again at any time."),
    )
    if from_status != ApplicationStatus.DRAFT:
        notify(
            recipients=members_of(Role.INTAKE),
            title=lambda: _("Application withdrawn: %(name)s") % {"name": application.display_name},
            body=lambda: reason or _("The applicant gave no reason."),
            link=reverse("admin:residents_application_change", args=[application.pk]),
            kind=NOTIFICATION_KIND,
        )
    return application


#: Named review steps for the admin and the API: name → target status.
REVIEW_STEPS = {
    "start_evaluation": ApplicationStatus.EVALUATION,
    "return": ApplicationStatus.RETURNED,
    "reject": ApplicationStatus.REJECTED,
    "record_evaluation": ApplicationStatus.EVALUATED,
    "approve": ApplicationStatus.APPROVED,
}


def available_steps(application: Application) -> list[str]:
    """The review steps the state machine allows from the application's status (for buttons)."""
    allowed = APPLICATION_TRANSITIONS.get(application.status, frozenset())
    return [name for name, target in REVIEW_STEPS.items() if target in allowed]


def application_review_step(*, application: Application, step: str, actor: User, **inputs: str) -> Application:
    """Run a named review step (the admin's and the API's entry point) with its form's inputs."""
    if step == "start_evaluation":
        return application_start_evaluation(
            application=application,
            actor=actor,
            reason=inputs.get("reason", ""),
            eligibility_override=inputs.get("eligibility_override", ""),
        )
    if step == "return":
        return application_return(application=application, actor=actor, reason=inputs.get("reason", ""))
    if step == "reject":
        return application_reject(application=application, actor=actor, reason=inputs.get("reason", ""))
    if step == "record_evaluation":
        return application_record_evaluation(
            application=application, actor=actor, feasibility=inputs.get("feasibility", ""), fit=inputs.get("fit", "")
        )
    if step == "approve":
        return application_approve(application=application, actor=actor, reason=inputs.get("reason", "")).application
    raise DomainError(_("Unknown review step."), field="step")


# --- Deadlines that follow the calendar (RULEBOOK §2, registered in residents/apps.py) -------------


def reviews_recompute_provisional() -> Recomputed:
    """Provisional initial-review deadlines computed again from their submissions, after a calendar change."""
    rules_on = rulebook.in_force_by_day()
    _moves, result = recompute_deadlines(provisional_reviews(), provisional="review_due_provisional", fields=[
        DeadlineField("review_due_at", "submitted_at",
                      lambda day: rules_on(day).deadlines.intake_initial_review_working_days),
    ])
    return result


def results_recompute_provisional() -> Recomputed:
    """Provisional result deadlines computed again from their evaluations, after a calendar change."""
    rules_on = rulebook.in_force_by_day()
    _moves, result = recompute_deadlines(provisional_results(), provisional="result_due_provisional", fields=[
        DeadlineField("result_due_at", "evaluated_at",
                      lambda day: rules_on(day).deadlines.intake_evaluation_result_working_days),
    ])
    return result

