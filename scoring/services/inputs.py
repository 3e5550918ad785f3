"""Quarterly inputs (季度考核数据, 第六章第一条、第三条): residents submit results, staff verify or correct.

The milestones planned and the revenue target are the quarterly plan's (``scoring.services.plans``);
the input holds the results filed against it. Workflow (``INPUT_TRANSITIONS``): a resident saves its
own draft (milestones completed, revenue, awards with certificate, contributions with proof, evidence
files) and submits it before the quarter's deadline (``Quarter.inputs_due_on``, until 23:59
Asia/Shanghai); it may change a submitted input until the deadline. Staff then review every claim
(RULEBOOK §7.1, decision added 2026-12: only verified inputs count): they verify it all, or correct it
with a written reason — changing numbers and rejecting claims (milestones, revenue, an award, a
contribution), a rejected claim scoring as absent. Staff may also record a quarter's results for
everyone from an Excel sheet (:func:`~scoring.services.input_sheets.inputs_import`), all rows or none. Once a quarter is confirmed,
its inputs change only through an upheld appeal (``scoring.services.signoff.apply_upheld_appeal``).
Nobody verifies, corrects or imports their own inputs (``opc_community.accounts.conflicts``).

Bad numbers — a negative revenue or milestone count, a missing value; more milestones completed than
planned is *allowed* (over-achievement scores the top band) — are refused with a message naming the
field, and nothing is written.
"""

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.i18n import community_language
from opc_community.core.moments import format_day
from opc_community.core.money import quantize_money
from opc_community.core.transitions import lock, move
from opc_community.core.uploads import validate_upload
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from residents.models import Resident, ResidentStatus
from scoring import quarters
from scoring.models import (
    INPUT_TRANSITIONS,
    AwardClaim,
    AwardLevel,
    Contribution,
    ContributionKind,
    EvidenceKind,
    InputEvidence,
    InputStatus,
    Quarter,
    QuarterInput,
    QuarterPlan,
    QuarterStatus,
)
from scoring.selectors import inputs as selectors
from scoring.selectors import plans as plan_selectors
from scoring.selectors.inputs import in_cohort

#: The numbers of an input (the results), in the order of the form and of the Excel sheet.
NUMBER_FIELDS = ("milestones_done", "revenue")
#: The results claims staff may reject, and the input's flag of each.
RESULT_CLAIMS = {"completion": "completion_rejected", "revenue": "revenue_rejected"}
#: Largest milestone count stored (PositiveSmallIntegerField).
MAX_MILESTONES = 32767
#: What a member of staff may not verify, correct or import: their own inputs (conflict of interest).
OWN_INPUTS = gettext_lazy("quarterly inputs of your own account")
#: Quarter states in which staff may still verify or correct inputs before confirmation.
STAFF_EDITABLE = (QuarterStatus.OPEN, QuarterStatus.DRAFTED)


def may_manage_inputs(user: Any) -> bool:
    """Staff who verify and correct inputs: holders of ``scoring.change_quarterinput`` (the administrator)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("scoring.change_quarterinput"))


def _require_staff(actor: Actor) -> None:
    if not may_manage_inputs(actor):
        raise PermissionDenied(_("Only the administrator verifies or corrects quarterly inputs (Chapter 6)."))


# --- Validation (pure) -------------------------------------------------------------------------------


def _count(value: Any, *, field: str, label: str) -> int:
    if value is None or value == "":
        raise DomainError(_("%(field)s is required.") % {"field": label}, field=field)
    try:
        number = int(Decimal(str(value)))
        exact = Decimal(str(value)) == number
    except (InvalidOperation, ValueError):
        exact = False
    if not exact:
        raise DomainError(_("%(field)s must be a whole number.") % {"field": label}, field=field)
    if number < 0:
        raise DomainError(_("%(field)s cannot be negative.") % {"field": label}, field=field)
    if number > MAX_MILESTONES:
        raise DomainError(_("%(field)s is too large.") % {"field": label}, field=field)
    return number


def _money(value: Any, *, field: str, label: str) -> Decimal:
    if value is None or value == "":
        raise DomainError(_("%(field)s is required.") % {"field": label}, field=field)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite():
        raise DomainError(_("%(field)s must be an amount in yuan.") % {"field": label}, field=field)
    if amount < 0:
        raise DomainError(_("%(field)s cannot be negative.") % {"field": label}, field=field)
    if amount >= Decimal("1e12"):
        raise DomainError(_("%(field)s is too large.") % {"field": label}, field=field)
    return quantize_money(amount)


def field_label(name: str) -> str:
    return str(QuarterInput._meta.get_field(name).verbose_name)


def clean_numbers(values: Mapping[str, Any]) -> dict[str, Any]:
    """The results of 第六章第一条 维度二、三, checked: the milestone count whole and not negative, revenue
    not negative, both given. Raises a DomainError naming the first bad field."""
    return {
        "milestones_done": _count(values.get("milestones_done"), field="milestones_done",
                                  label=field_label("milestones_done")),
        "revenue": _money(values.get("revenue"), field="revenue", label=field_label("revenue")),
    }


def clean_plan_numbers(values: Mapping[str, Any]) -> dict[str, Any]:
    """The plan's numbers (``scoring.services.plans``), checked like the results: milestones planned whole
    and not negative, the revenue target not negative, both given (a zero is allowed; it counts as 100 %
    only once staff accept the plan, RULEBOOK §7.1)."""
    label = {name: str(QuarterPlan._meta.get_field(name).verbose_name)
             for name in ("milestones_planned", "revenue_target")}
    return {
        "milestones_planned": _count(values.get("milestones_planned"), field="milestones_planned",
                                     label=label["milestones_planned"]),
        "revenue_target": _money(values.get("revenue_target"), field="revenue_target",
                                 label=label["revenue_target"]),
    }


# --- Quarters ----------------------------------------------------------------------------------------


def check_deadline(*, year: int, number: int, inputs_due_on: Any) -> None:
    """The inputs deadline falls after the quarter has begun (residents report on the quarter itself)."""
    if number not in (1, 2, 3, 4):
        raise DomainError(_("A year has quarters 1 to 4."), field="number")
    if inputs_due_on < quarters.first_day(year, number):
        raise DomainError(
            _("The inputs deadline must not be before the quarter begins (%(date)s).")
            % {"date": quarters.first_day(year, number).isoformat()},
            field="inputs_due_on",
        )


@transaction.atomic
def quarter_open(*, year: int, number: int, inputs_due_on: Any, actor: Actor) -> Quarter:
    """Add a quarter for residents to report on, with its inputs deadline (administrator)."""
    _require_staff(actor)
    check_deadline(year=year, number=number, inputs_due_on=inputs_due_on)
    if Quarter.objects.filter(year=year, number=number).exists():
        raise ConflictError(_("Quarter %(year)s Q%(number)s already exists.") % {"year": year, "number": number},
                            field="number")
    with acting_as(actor, action="scoring.quarter_open"):
        return Quarter.objects.create(year=year, number=number, inputs_due_on=inputs_due_on)


@transaction.atomic
def quarter_deadline_move(*, quarter: Quarter, inputs_due_on: Any, actor: Actor) -> Quarter:
    """Move the inputs deadline while residents are still reporting (open quarter)."""
    _require_staff(actor)
    quarter = lock(quarter)
    if quarter.status != QuarterStatus.OPEN:
        raise InvalidTransition(_("The inputs deadline moves only while the quarter is open."))
    check_deadline(year=quarter.year, number=quarter.number, inputs_due_on=inputs_due_on)
    with acting_as(actor, action="scoring.quarter_deadline_move"):
        Quarter.objects.filter(pk=quarter.pk).update(inputs_due_on=inputs_due_on)
    quarter.refresh_from_db()
    return quarter


@transaction.atomic
def quarter_open_scheduled(*, today: date) -> tuple[Quarter, bool]:
    """The scheduled job (daily, just after midnight): the quarter containing ``today`` exists, so that
    residents report from its first day (第六章第一条). Added when staff have not added it ahead, with its
    **last day** as the inputs deadline (the run on day 1 of the next quarter scores what was submitted by
    then). While it takes inputs, every resident who may report is told once (dedupe key). Returns the
    quarter and whether it was created; a second run changes nothing."""
    year, number = quarters.containing(today)
    with acting_as(None, action="scoring.quarter_open"):
        quarter, created = Quarter.objects.get_or_create(
            year=year, number=number, defaults={"inputs_due_on": quarters.last_day(year, number)}
        )
    if open_for_residents(quarter, today=today):
        _tell_quarter_open(quarter)
    return quarter, created


def _tell_quarter_open(quarter: Quarter) -> None:
    """The quarter-start message to the residents checked in and not leaving: first the plan, due by their
    own deadline (the quarter's 10th working day, or later after a mid-quarter check-in; RULEBOOK §7.1),
    then the results. One message per distinct plan deadline (normally one): five queries and the inserts."""
    residents = list(selectors.cohort(quarter).filter(status__in=(ResidentStatus.ACTIVE, ResidentStatus.EXITING))
                     .select_related("user"))
    by_date: dict[date, list[Any]] = {}
    deadlines = plan_selectors.filing_deadlines(quarter, residents)
    for resident in residents:
        by_date.setdefault(deadlines[resident.pk], []).append(resident.user)
    for plan_due, users in sorted(by_date.items()):
        with community_language():
            notify(
                recipients=users,
                title=_("Quarter %(quarter)s is open: file your plan by %(date)s")
                % {"quarter": quarter, "date": format_day(plan_due)},
                body=_("File your quarterly plan — milestones planned and the revenue target — by %(plan_date)s, 23:59; "
                       "staff accept it or return it. Without an accepted plan, completion and revenue score 0. At "
                       "quarter end enter your results, awards and contributions and submit them by %(date)s, 23:59. "
                       "Staff verify everything before the quarter is scored (Chapter 6, Article 1).")
                % {"plan_date": format_day(plan_due),
                   "date": format_day(quarter.inputs_due_on)},
                link=reverse("scoring:plan_detail", args=[quarter.pk]),
                kind="scoring.quarter_open",
                dedupe_key=f"scoring:quarter:{quarter.pk}:open",
            )


# --- Residents ---------------------------------------------------------------------------------------


def open_for_residents(quarter: Quarter, *, today: Any = None) -> bool:
    """Residents enter data until the deadline, also after the scheduled run drafted the quarter (day 1 of
    the next quarter, 02:00): a draft is only a draft, and it is run again after the deadline."""
    today = today or local_date(timezone.now())
    return quarter.status in STAFF_EDITABLE and today <= quarter.inputs_due_on


#: The inputs a resident may still change (staff have not checked them).
RESIDENT_EDITABLE = (InputStatus.DRAFT, InputStatus.SUBMITTED)


def resident_may_edit(quarter: Quarter, data: QuarterInput | None) -> bool:
    """Whether the resident may save or submit its inputs now: the predicate the page shows its form by."""
    return open_for_residents(quarter) and (data is None or data.status in RESIDENT_EDITABLE)


def _require_resident_may_edit(quarter: Quarter, data: QuarterInput | None, actor: Actor | None) -> None:
    if not open_for_residents(quarter):
        raise InvalidTransition(
            _("The inputs of %(quarter)s were due on %(date)s; ask the administrator to record a change.")
            % {"quarter": quarter, "date": quarter.inputs_due_on.isoformat()}
        )
    if data is not None and data.status not in RESIDENT_EDITABLE:
        raise InvalidTransition(
            _("Your inputs for %(quarter)s were already checked by staff and can no longer be changed.")
            % {"quarter": quarter}
        )
    if data is not None and data.resident.user_id != getattr(actor, "pk", None):
        raise PermissionDenied


@transaction.atomic
def input_save(*, quarter: Quarter, resident: Resident, values: Mapping[str, Any], actor: Actor | None) -> QuarterInput:
    """The resident's own numbers for the quarter (created on first save, status draft or kept submitted)."""
    if resident.user_id != getattr(actor, "pk", None):
        raise PermissionDenied
    numbers = clean_numbers(values)
    quarter = Quarter.objects.get(pk=quarter.pk)
    if not in_cohort(quarter, resident):
        raise DomainError(_("You were not checked in during %(quarter)s.") % {"quarter": quarter})
    data = QuarterInput.objects.select_for_update(no_key=True).select_related("resident").filter(
        quarter=quarter, resident=resident).first()
    _require_resident_may_edit(quarter, data, actor)
    with acting_as(actor, action="scoring.input_save"):
        if data is None:
            try:
                with transaction.atomic():
                    return QuarterInput.objects.create(quarter=quarter, resident=resident, **numbers)
            except IntegrityError as error:  # a second tab saved first (input_once_per_quarter)
                raise ConflictError(
                    _("Your inputs were saved meanwhile in another window; reload the page.")
                ) from error
        QuarterInput.objects.filter(pk=data.pk).update(**numbers)
        data.refresh_from_db()
        return data


@transaction.atomic
def input_submit(*, input: QuarterInput, actor: Actor) -> QuarterInput:
    """Draft → submitted: the resident hands its inputs to staff (before the deadline)."""
    input = lock(input)
    input = QuarterInput.objects.select_related("quarter", "resident").get(pk=input.pk)
    _require_resident_may_edit(input.quarter, input, actor)
    with acting_as(actor, action="scoring.input_submit"):
        return move(input, InputStatus.SUBMITTED, transitions=INPUT_TRANSITIONS, submitted_at=timezone.now())


def _editable_by_resident(input: QuarterInput, actor: Actor) -> QuarterInput:
    input = QuarterInput.objects.select_for_update(no_key=True).get(pk=input.pk)
    input = QuarterInput.objects.select_related("quarter", "resident").get(pk=input.pk)
    _require_resident_may_edit(input.quarter, input, actor)
    return input


def _upload_rules() -> tuple[tuple[str, ...], int]:
    """Evidence files follow the intake material rules (第三章第二条: PDF/JPEG/PNG, ≤ 10 MB)."""
    intake = rulebook.in_force(on=local_date(timezone.now())).intake
    return tuple(intake.allowed_file_types), intake.max_upload_mb


def _store(instance: Model, field: str, upload: UploadedFile | None, *, required: bool, field_name: str) -> None:
    if not upload:
        if required:
            raise DomainError(
                _("%(field)s is required.") % {"field": instance._meta.get_field(field).verbose_name}, field=field_name
            )
        return
    allowed, max_mb = _upload_rules()
    _content_type, sha256 = validate_upload(upload, field=field_name, allowed=allowed, max_mb=max_mb)
    getattr(instance, field).save(f"{field}-{sha256[:16]}", upload, save=False)


def _required_text(value: str, *, field: str, model: type[Model]) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(_("%(field)s is required.") % {"field": model._meta.get_field(field).verbose_name},
                          field=field)
    return text


@atomic_with_files
def award_add(*, input: QuarterInput, level: str, title: str, certificate: UploadedFile | None,
              actor: Actor) -> AwardClaim:
    """An award of the quarter with its certificate (第六章第一条 维度四); counts once staff verified it."""
    input = _editable_by_resident(input, actor)
    if level not in AwardLevel.values:
        raise DomainError(_("Choose the level of the award."), field="level")
    claim = AwardClaim(input=input, level=level, title=_required_text(title, field="title", model=AwardClaim))
    _store(claim, "certificate", certificate, required=True, field_name="certificate")
    with acting_as(actor, action="scoring.award_add"):
        claim.save()
    return claim


@atomic_with_files
def contribution_add(*, input: QuarterInput, kind: str, description: str, proof: UploadedFile | None,
                     proof_link: str = "", actor: Actor) -> Contribution:
    """A contribution with its proof — a file or a link (第六章第一条 维度五)."""
    input = _editable_by_resident(input, actor)
    if kind not in ContributionKind.values:
        raise DomainError(_("Choose the kind of contribution."), field="kind")
    item = Contribution(input=input, kind=kind, proof_link=(proof_link or "").strip(),
                        description=_required_text(description, field="description", model=Contribution))
    _store(item, "proof", proof, required=not item.proof_link, field_name="proof")
    with acting_as(actor, action="scoring.contribution_add"):
        item.save()
    return item


@atomic_with_files
def evidence_add(*, input: QuarterInput, kind: str, upload: UploadedFile | None, actor: Actor) -> InputEvidence:
    """A progress report or financial statement behind the numbers (第六章第三条 数据透明)."""
    input = _editable_by_resident(input, actor)
    if kind not in EvidenceKind.values:
        raise DomainError(_("Choose the kind of evidence."), field="kind")
    evidence = InputEvidence(input=input, kind=kind, original_name=((upload and upload.name) or kind)[-200:])
    _store(evidence, "file", upload, required=True, field_name="file")
    with acting_as(actor, action="scoring.evidence_add"):
        evidence.save()
    return evidence


@transaction.atomic
def attachment_remove(*, item: AwardClaim | Contribution | InputEvidence, actor: Actor) -> None:
    """The resident removes an award, contribution or evidence file while it may still edit its inputs."""
    _editable_by_resident(item.input, actor)
    with acting_as(actor, action="scoring.attachment_remove"):
        type(item).objects.filter(pk=item.pk).delete()


# --- Staff ---------------------------------------------------------------------------------------------


def _require_staff_editable(quarter: Quarter) -> None:
    if quarter.status not in STAFF_EDITABLE:
        raise InvalidTransition(
            _("Quarter %(quarter)s is “%(status)s”: its inputs change only through an upheld appeal.")
            % {"quarter": quarter, "status": quarter.get_status_display()}
        )


@transaction.atomic
def input_verify(*, input: QuarterInput, actor: Actor) -> QuarterInput:
    """Submitted (or corrected) → verified: the results stand, and every claim — milestones, revenue, each
    award and contribution — counts."""
    _require_staff(actor)
    ensure_not_own(actor, concerned_user=input.resident.user_id, what=OWN_INPUTS)
    input = lock(input)
    _require_staff_editable(Quarter.objects.get(pk=input.quarter_id))
    with acting_as(actor, action="scoring.input_verify"):
        AwardClaim.objects.filter(input=input).update(verified=True)
        Contribution.objects.filter(input=input).update(verified=True)
        return move(input, InputStatus.VERIFIED, transitions=INPUT_TRANSITIONS, verified_by=actor,
                    verified_at=timezone.now(), completion_rejected=False, revenue_rejected=False)


@dataclass(frozen=True)
class Correction:
    """What staff change on an input: any of the results, the awards/contributions they do not accept and
    the results claims they reject (:data:`RESULT_CLAIMS`; None keeps those as they are). Upheld appeals
    may also set the plan's numbers (``plan_values``: milestones_planned, revenue_target)."""

    values: Mapping[str, Any]
    rejected_awards: Collection[int] = ()
    rejected_contributions: Collection[int] = ()
    rejected_results: Collection[str] | None = None
    plan_values: Mapping[str, Any] | None = None


def _rejections(data: QuarterInput, correction: Correction) -> dict[str, bool]:
    if correction.rejected_results is None:
        return {}
    unknown = set(correction.rejected_results) - set(RESULT_CLAIMS)
    if unknown:
        raise DomainError(_("Unknown results claims: %(names)s.") % {"names": ", ".join(sorted(unknown))},
                          field="rejected_results")
    return {flag: claim in correction.rejected_results for claim, flag in RESULT_CLAIMS.items()}


def apply_correction(data: QuarterInput, correction: Correction, *, reason: str, actor: Actor) -> QuarterInput:
    """Write a correction on a locked input (shared by staff corrections and upheld appeals): every claim
    counts except those rejected, which score as absent with ``reason`` (RULEBOOK §7.1)."""
    unknown = set(correction.values) - set(NUMBER_FIELDS)
    if unknown:  # the plan's numbers are ``plan_values`` (an upheld appeal), never the results'
        raise ValueError(f"not results of an input: {sorted(unknown)}")
    current = {name: getattr(data, name) for name in NUMBER_FIELDS}
    numbers = clean_numbers({**current, **correction.values})
    rejections = _rejections(data, correction)
    AwardClaim.objects.filter(input=data).update(verified=True)
    AwardClaim.objects.filter(input=data, pk__in=list(correction.rejected_awards)).update(verified=False)
    Contribution.objects.filter(input=data).update(verified=True)
    Contribution.objects.filter(input=data, pk__in=list(correction.rejected_contributions)).update(verified=False)
    return move(data, InputStatus.CORRECTED, transitions=INPUT_TRANSITIONS, verified_by=actor,
                verified_at=timezone.now(), correction_reason=reason, **numbers, **rejections)


def clean_reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise DomainError(_("Give the reason for the correction."), field="reason")
    return text


def input_for_staff(quarter: Quarter, resident: Resident) -> QuarterInput:
    """The resident's input, locked; an empty one is created when it submitted nothing (staff record it)."""
    data, _created = QuarterInput.objects.get_or_create(quarter=quarter, resident=resident)
    return lock(data)


@transaction.atomic
def input_correct(*, quarter: Quarter, resident: Resident, correction: Correction, reason: str,
                  actor: Actor) -> QuarterInput:
    """Staff correct (or record) a resident's inputs with a reason the resident is told (第六章第三条)."""
    _require_staff(actor)
    ensure_not_own(actor, concerned_user=resident.user_id, what=OWN_INPUTS)
    reason = clean_reason(reason)
    clean_numbers({**dict.fromkeys(NUMBER_FIELDS, 0), **correction.values})  # refuse before anything is written
    quarter = lock(quarter)
    _require_staff_editable(quarter)
    with acting_as(actor, action="scoring.input_correct"):
        data = apply_correction(input_for_staff(quarter, resident), correction, reason=reason, actor=actor)
    _tell_corrected(data, reason)
    return data


def _tell_corrected(data: QuarterInput, reason: str) -> None:
    notify(
        recipients=[data.resident.user],
        title=lambda: _("Your inputs for %(quarter)s were corrected") % {"quarter": data.quarter},
        body=lambda: _("Staff corrected your quarterly inputs: %(reason)s") % {"reason": reason},
        link=reverse("scoring:input_detail", args=[data.quarter_id]),
        kind="scoring.input_corrected",
    )


