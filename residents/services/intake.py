"""Intake (第三章第一条、第二条): sign-up, the application draft and its materials, and the review workflow.

The review is an explicit state machine (``APPLICATION_TRANSITIONS``)::

    draft → submitted → evaluation (initial review passed) → evaluated → approved
                      ↘ returned (more material) → submitted (round + 1, the clock restarts)
                      ↘ rejected (reasons)        evaluation/evaluated → rejected
    draft / submitted / returned → withdrawn (by the applicant)

Every transition is one function here: it locks the row, moves it with a
compare-and-set (:func:`opc_community.core.transitions.move`), writes an
:class:`~residents.models.ApplicationTransition` row (who, from, to, why),
runs inside ``acting_as`` so the audit trail names the actor, and notifies the
applicant (inbox + email after commit); a submission also notifies the intake team.

Deadlines (第三章第二条, numbers from the rulebook in force on the day of the event):
initial review by the end of the 7th working day after the submission; the result
by the end of the 2nd working day after the evaluation (RULEBOOK §2).

Eligibility (第三章第一条) is checked at submission. Hard requirements refuse the
submission (the applicant fixes them): entity type and direction given, a
justification for direction "other", the no-dishonesty declaration, valid
identity numbers (in their one ASCII spelling, ``residents.rules.identity``), no
other live application or resident holding the same ID number or credit code, the
consent to process the ID number, the required materials, and no ban in force
(RULEBOOK §4.6). Points only staff can judge are *flags*
(:func:`residents.rules.intake.eligibility_flags`): the application passes
initial review only when the reviewer gives an ``eligibility_override`` reason in
that step; the reason is stored on the application and in the transition row.

Authorisation: portal views and the API decide who may call; the services check
it again (the applicant for their own draft, the intake team or the
administrator for review steps) so no interface can skip it. Staff accounts never apply, and
nobody reviews an application of their own (``opc_community.accounts.conflicts``).

This module gathers the public names of the modules of each concern —
``signup``, ``applications``, ``submission``, ``reviews`` and ``intake_base`` — so that
callers import from one place.
"""


from residents.services.applications import (
    ApplicationDetails,
    application_document_add,
    application_document_remove,
    application_save_draft,
    details_of,
    document_filename,
)
from residents.services.intake_base import (
    EDITABLE,
    LIVE,
    NOTIFICATION_KIND,
    PHONE_PATTERN,
    REVIEWERS,
)
from residents.services.reviews import (
    REVIEW_STEPS,
    application_approve,
    application_record_evaluation,
    application_reject,
    application_return,
    application_review_step,
    application_start_evaluation,
    application_withdraw,
    available_steps,
    results_recompute_provisional,
    reviews_recompute_provisional,
)
from residents.services.signup import (
    SIGN_UP_ACTIVATE,
    SIGN_UP_EMAIL_TAKEN,
    SIGN_UP_PHONE_REUSED,
    applicant_activate,
    applicant_sign_up,
    sign_up_email_send,
)
from residents.services.submission import (
    application_submit,
    ban_in_force_for,
    submission_problems,
)

__all__ = [
    "REVIEWERS",
    "EDITABLE",
    "LIVE",
    "PHONE_PATTERN",
    "NOTIFICATION_KIND",
    "SIGN_UP_ACTIVATE",
    "SIGN_UP_EMAIL_TAKEN",
    "SIGN_UP_PHONE_REUSED",
    "applicant_sign_up",
    "applicant_activate",
    "sign_up_email_send",
    "ApplicationDetails",
    "details_of",
    "application_save_draft",
    "document_filename",
    "application_document_add",
    "application_document_remove",
    "ban_in_force_for",
    "submission_problems",
    "application_submit",
    "application_start_evaluation",
    "application_return",
    "application_reject",
    "application_record_evaluation",
    "application_approve",
    "application_withdraw",
    "REVIEW_STEPS",
    "available_steps",
    "application_review_step",
    "reviews_recompute_provisional",
    "results_recompute_provisional",
]
