"""Intake rules (第三章第一条 入驻条件, 第三章第二条 入驻流程) as pure functions: no database, no clock.

- which materials an entity type must upload;
- what keeps an application's fields and materials from being submitted (:func:`submission_problems`;
  the service adds what needs the database: an identity number in use, a re-application ban);
- which eligibility points staff must decide (flags an override reason must answer);
- which ban, among those recorded, refuses an application on a given day (RULEBOOK §4.6);
- which deadline is the current one of an application in review.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from residents.models.intake import ApplicationStatus, Direction, DocumentKind, EntityType
from residents.rules.identity import (
    id_card_problem,
    id_number_message,
    normalise_identity,
    uscc_message,
    uscc_problem,
)


def required_materials(entity_type: str) -> tuple[str, ...]:
    """第三章第二条 / RULEBOOK §3: ID card and project plan always, the business licence when registered.

    Qualification certificates are optional and never required.
    """
    kinds = [DocumentKind.ID_CARD, DocumentKind.PROJECT_PLAN]
    if entity_type in EntityType.registered():
        kinds.insert(1, DocumentKind.BUSINESS_LICENCE)
    return tuple(kinds)


def missing_materials(entity_type: str, uploaded_kinds: Iterable[str]) -> tuple[str, ...]:
    """The required kinds of material not uploaded yet, in the order of the form."""
    present = set(uploaded_kinds)
    return tuple(kind for kind in required_materials(entity_type) if kind not in present)


class ApplicationLike(Protocol):
    """The fields of an application the submission checks read (``residents.models.Application``)."""

    entity_type: str
    direction: str
    direction_note: str
    person_name: str
    id_number: str
    phone: str
    project_summary: str
    company_name: str
    uscc: str
    declares_no_dishonesty: bool
    consent_id_processing_at: datetime | None


#: Fields every application fills in (第三章第一条), in the order of the form, with the applicant's message.
REQUIRED_FIELDS: dict[str, Promise] = {
    "entity_type": _("Entity type: required (第三章第一条)."),
    "direction": _("Direction: required (第三章第一条)."),
    "person_name": _("Name as on the ID card: required."),
    "id_number": _("ID card number: required."),
    "phone": _("Mobile phone: required."),
    "project_summary": _("Project summary: required."),
}


def submission_problems(
    application: ApplicationLike, *, uploaded_kinds: Iterable[str], today: date
) -> list[tuple[str, str]]:
    """What in an application's own fields and materials keeps it from being submitted (第三章第一条、
    第二条): (field, message) pairs in the order of the form; empty when nothing does."""
    problems: list[tuple[str, str]] = [
        (field, str(message)) for field, message in REQUIRED_FIELDS.items() if not getattr(application, field)
    ]
    if application.id_number and (id_problem := id_card_problem(application.id_number, today=today)):
        problems.append(("id_number", id_number_message(id_problem)))
    if application.entity_type in EntityType.registered():
        if not application.company_name:
            problems.append(("company_name", str(_("Registered name: required for a registered entity (第三章第一条)."))))
        if not application.uscc:
            problems.append(
                ("uscc", str(_("Unified social credit code: required for a registered entity (第三章第一条).")))
            )
        elif uscc_fault := uscc_problem(application.uscc):
            problems.append(("uscc", uscc_message(uscc_fault)))
    if application.direction == Direction.OTHER and not application.direction_note:
        problems.append(("direction_note", str(_(
            "Direction “other”: explain how the project fits the community; staff read it (第三章第一条)."))))
    if not application.declares_no_dishonesty:
        problems.append(("declares_no_dishonesty",
                         str(_("Declare that you have no record of serious dishonesty (第三章第一条)."))))
    if application.consent_id_processing_at is None:
        problems.append(("consent_id_processing", str(_(
            "Consent to the processing of your ID number is required to apply "
            "(Personal Information Protection Law, Art. 29)."))))
    for kind in missing_materials(application.entity_type, uploaded_kinds):
        problems.append((kind, _("%(material)s: required material, not uploaded yet (第三章第二条).")
                         % {"material": DocumentKind(kind).label}))
    return problems


class EligibilityFlag(StrEnum):
    """Points of 第三章第一条 that the automatic checks cannot settle: staff decide them.

    An application with a flag passes initial review only when the reviewer writes an
    eligibility override (a reason) in that same step; the reason is kept on the
    application and in its transition history.
    """

    DIRECTION_OTHER = "direction_other"
    INDIVIDUAL_NOT_AI = "individual_not_ai"


FLAG_MESSAGES: dict[EligibilityFlag, Promise] = {
    EligibilityFlag.DIRECTION_OTHER: _(
        "Direction “other”: staff must confirm that the project fits the community (第三章第一条)."
    ),
    EligibilityFlag.INDIVIDUAL_NOT_AI: _(
        "Unregistered individual whose direction is not AI-native: staff must confirm a clear "
        "AI-based venture (第三章第一条)."
    ),
}


def eligibility_flags(*, entity_type: str, direction: str) -> tuple[EligibilityFlag, ...]:
    """The flags staff must answer with an override reason before the application passes initial review."""
    flags = []
    if direction == Direction.OTHER:
        flags.append(EligibilityFlag.DIRECTION_OTHER)
    if entity_type == EntityType.INDIVIDUAL and direction != Direction.AI_NATIVE:
        flags.append(EligibilityFlag.INDIVIDUAL_NOT_AI)
    return tuple(flags)


class BanLike(Protocol):
    ends_on: date
    id_number: str
    uscc: str


def ban_in_force(bans: Iterable[BanLike], *, id_number: str, uscc: str, today: date) -> BanLike | None:
    """The ban that refuses an application today, or None (RULEBOOK §4.6).

    A ban matches on the ID number or on the unified social credit code (both compared
    as :func:`~residents.rules.identity.normalise_identity` writes them, empty values never
    match) and is in force while ``today <= ends_on``. Where several apply, the one ending
    last wins (RULEBOOK §4.6 decision: the longer ban).
    """
    id_number, uscc = normalise_identity(id_number), normalise_identity(uscc)
    matching = [
        ban
        for ban in bans
        if today <= ban.ends_on
        and (
            (id_number and normalise_identity(ban.id_number) == id_number)
            or (uscc and normalise_identity(ban.uscc) == uscc)
        )
    ]
    return max(matching, key=lambda ban: ban.ends_on, default=None)


@dataclass(frozen=True)
class CurrentStep:
    """The step an application waits for, and its deadline (None: the regulation sets none)."""

    label: Promise
    due_at: datetime | None
    provisional: bool
    article: str


def current_step(
    *,
    status: str,
    review_due_at: datetime | None,
    review_due_provisional: bool,
    result_due_at: datetime | None,
    result_due_provisional: bool,
) -> CurrentStep | None:
    """第三章第二条: initial review within 7 working days of submission; the evaluation's result
    within 2 working days of the evaluation. The evaluation itself has no deadline of its own.
    """
    if status == ApplicationStatus.SUBMITTED:
        return CurrentStep(_("initial review"), review_due_at, review_due_provisional, "第三章第二条")
    if status == ApplicationStatus.EVALUATION:
        return CurrentStep(_("project evaluation"), None, False, "第三章第二条")
    if status == ApplicationStatus.EVALUATED:
        return CurrentStep(_("result to the applicant"), result_due_at, result_due_provisional, "第三章第二条")
    return None


@dataclass(frozen=True)
class ProgressStep:
    """One step of the intake procedure as the applicant sees it: ``state`` is "done", "current" or "next"."""

    label: Promise
    state: str


#: 第三章第二条 办理入驻: the applicant's way in, in order, with the statuses each step covers.
PROGRESS = (
    (_("Fill in and submit"), (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)),
    (_("Initial review"), (ApplicationStatus.SUBMITTED,)),
    (_("Project evaluation"), (ApplicationStatus.EVALUATION, ApplicationStatus.EVALUATED)),
    (_("Intake result"), (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)),
)


def progress_steps(status: str) -> tuple[ProgressStep, ...]:
    """The steps of :data:`PROGRESS` marked done, current or next for an application in ``status`` (a
    returned application is back at the first step; the result is done once given; a withdrawn one has none)."""
    position = next((index for index, (_label, statuses) in enumerate(PROGRESS) if status in statuses), None)
    if position is None:
        return ()
    final = position == len(PROGRESS) - 1
    return tuple(
        ProgressStep(label, "done" if index < position or (final and index == position) else
                     "current" if index == position else "next")
        for index, (label, _statuses) in enumerate(PROGRESS)
    )
