"""The 处罚流程 of 第八章第二条 (RULEBOOK §9): every state change of a violation case, and its effects.

    found → verified → 《违规整改通知书》 issued → rectified in time / not rectified → penalty decided
          → published (公示, appeal window) → confirmed (effects applied) / annulled (appeal or objection upheld)
    found / verified → dismissed (not verified)

Each step is one service (keyword-only, typed, ``@transaction.atomic``): it locks the case row and
moves it through ``CASE_TRANSITIONS`` with a compare-and-set (``core.transitions``), refuses bad input
with a Chinese message naming the field and the article, writes under ``acting_as(actor, action=…)``
(the audit trail records who did what), and tells the resident through the inbox (email after commit).
``actor`` is None for the system (the automatic ladders of kinds 1b and 7).

Who may act (checked by the admin, API and views; the penalty decisions also here):
- the daily management team and the administrator open and verify cases, issue notices and record
  the rectification result (日常管理组 runs the site, 第二章第二条);
- only the administrator decides, publishes and answers appeals (RULEBOOK §1: "penalties");
- oversight reads;
- nobody handles a case against their own account (``opc_community.accounts.conflicts``): a case about
  a member of staff who also holds a resident account is handled by the other handlers and decided by
  another administrator; when the only administrator is the subject, nobody in the system can decide
  it and oversight (社区组织) must appoint someone (escalation outside the system).

Decisions taken here (RULEBOOK leaves them open):
- Case numbers are "违〔2026〕0001号", notices "整改〔2026〕0001号": per calendar year of opening,
  gapless, serialised by a transaction-scoped advisory lock.
- The count is taken at decision time over COUNTING cases (verified and later; never dismissed or
  annulled) by ``occurred_on``, whatever the order of decision (``rules.same_kind_count``; RULEBOOK §9,
  decisions added 2026-12), under an advisory lock per resident, so two cases of one resident decided at
  once count each other. A case that starts or stops counting after a later-dated one was decided does
  not rewrite that decision: ``counting.recount_after`` names it to the administrator.
- Effects happen once, on confirmation (the publication window closed without an upheld objection
  and no appeal pending or upheld). A window that closes while an appeal is pending leaves the case
  published: dismissing the appeal confirms it, upholding annuls it — so effects never need undoing
  after an appeal. Annulling a case that was already confirmed lifts its suspensions; an unpaid
  invoice of it is named to the administrator (the ledger has no per-invoice void: see
  ``_reverse_effects``).
- A fine or compensation invoice is due ``FINE_DUE_DAYS`` calendar days after confirmation.
- Compensation amounts are entered at decision time, like a ranged fine (kind 2a defaults to the
  damage value measured).

The steps live in one module per concern — this one (open, verify, dismiss, the rectification notice,
the automatic run), ``decisions``, ``publishing``, ``effects``, with what they share in
``case_support`` — and are all importable from here.
"""

import uuid
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import (
    CaseStatus,
    RectificationNotice,
    ViolationCase,
)
from discipline.rules import rectification_deadline
from discipline.rules.occupants import Occupant
from discipline.services import counting
from discipline.services import occupants as occupant_services
from discipline.services.case_support import (
    CASE_HANDLERS,
    DECIDERS,
    FINE_DUE_DAYS,
    MEASURED_BASES,
    PUBLIC_FACTS_MAX_LENGTH,
    STAFF_FLAGS,
    evidence_add,
    kind_name,
    move_case,
    next_number,
    require,
    tell_resident,
    uploads,
)
from discipline.services.decisions import case_decide, join
from discipline.services.effects import apply_effects
from discipline.services.interim import interim_lift
from discipline.services.publishing import (
    case_annul,
    case_confirm,
    case_publish,
    invoice_settled,
    penalty_publication_closed,
    publication_body,
    system_publisher,
)
from discipline.tasks import render_rectification_notice
from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.files import atomic_with_files
from opc_community.core.jobs import enqueue_on_commit
from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan, quantize_money
from opc_community.core.transitions import lock
from residents.models import Invoice, Resident

# --- Open, verify, dismiss ----------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    resident: Resident | None = None,
    occupant: Occupant | None = None,
    kind: str,
    occurred_on: date,
    facts: str,
    actor: Actor,
    measure: Decimal | None = None,
    flags: Iterable[str] = (),
    flag_reason: str = "",
    source_key: str | None = None,
) -> ViolationCase:
    """Record a violation found by staff (or by a daily job: ``actor`` None) — status "found".

    ``kind`` is a code of the rulebook's penalty table in force on ``occurred_on`` (1a…8); unknown
    codes are refused. ``measure`` is the measured value the kind's basis needs (days overdue, days
    after the grace period, damage value in yuan): required for those kinds, refused for the others.
    ``flags`` are staff judgements ("serious", "loss") and need a written ``flag_reason`` (RULEBOOK §9
    decision); "not_rectified" is set by the workflow, not here.

    Idempotent on ``source_key`` (the automatic ladders: one case per invoice / exit and band):
    calling again with the same key returns the case made the first time, even under a race.
    Numbered "违〔<year>〕0001号" per year of opening, gapless.

    Against exactly one of ``resident`` and ``occupant`` — a person who is no resident (1a 擅自入驻 only;
    ``discipline.rules.occupants``): name and ID card number required, kept as intake keeps them; refused
    when the ID number is that of a current resident (open the case against the resident).
    """
    if (resident is None) == (occupant is None):
        raise DomainError(_("Choose who the case is against: a resident, or an occupant who is not a resident."),
                          field="subject")
    if occupant is not None:
        occupant = occupant_services.checked_occupant(occupant, kind=kind)
    if source_key:
        existing = ViolationCase.objects.filter(source_key=source_key).first()
        if existing is not None:
            return _same_resident(existing, resident)
    require(actor, CASE_HANDLERS, resident)
    today = timezone.localdate()
    if occurred_on > today:
        raise DomainError(_("The day of the violation cannot be in the future."), field="occurred_on")
    book = rulebook.in_force(on=occurred_on)
    kind_rules = book.violations.kinds.get(kind)
    if kind_rules is None:
        raise DomainError(
            _("Unknown violation kind %(kind)s: choose one of the penalty table of Chapter 8, Article 2 (%(kinds)s).")
            % {"kind": kind, "kinds": "、".join(book.violations.kinds)},
            field="kind",
        )
    facts = (facts or "").strip()
    if not facts:
        raise DomainError(_("Describe the facts of the violation."), field="facts")
    flags = sorted(set(flags or ()))
    unknown = set(flags) - STAFF_FLAGS
    if unknown:
        raise DomainError(
            _("Unknown circumstance(s): %(flags)s. Staff may record “serious” or “loss”.")
            % {"flags": "、".join(sorted(unknown))},
            field="flags",
        )
    flag_reason = (flag_reason or "").strip()
    if flags and not flag_reason:
        raise DomainError(
            _("Give the reason for the circumstances (“serious” is a staff judgement recorded with a reason, "
              "Chapter 8, Article 2)."),
            field="flag_reason",
        )
    measure = _measure(measure, basis=kind_rules.basis)
    now = timezone.now()
    try:
        with transaction.atomic(), acting_as(actor, action="discipline.case_open"):
            case = ViolationCase.objects.create(
                resident=resident,
                occupant_name=occupant.name if occupant else "",
                occupant_id_number=occupant.id_number if occupant else "",
                occupant_phone=occupant.phone if occupant else "",
                occupant_description=occupant.description if occupant else "",
                number=next_number(ViolationCase, "违", timezone.localdate(now).year),
                kind=kind,
                occurred_on=occurred_on,
                facts=facts,
                measure=measure,
                flags=flags,
                flag_reason=flag_reason if flags else "",
                source_key=source_key or None,
                found_by=actor,
                found_at=now,
            )
    except IntegrityError:
        existing = ViolationCase.objects.filter(source_key=source_key).first() if source_key else None
        if existing is None:
            raise
        return _same_resident(existing, resident)
    case.resident = resident
    tell_resident(
        case,
        title=lambda: _("Violation case %(number)s opened") % {"number": case.number},
        body=lambda: _("A possible violation (%(kind)s) on %(day)s was recorded and is being verified: %(facts)s")
        % {"kind": kind_name(case), "day": format_day(occurred_on), "facts": facts},
        step="opened",
    )
    return case


def _same_resident(case: ViolationCase, resident: Resident | None) -> ViolationCase:
    if resident is None or case.resident_id != resident.pk:
        raise ConflictError(
            _("The source key %(key)s is already used by a case of another resident.") % {"key": case.source_key},
            field="source_key",
        )
    return case


def _measure(value: Any, *, basis: str) -> Decimal | None:
    if basis not in MEASURED_BASES:
        if value not in (None, ""):
            raise DomainError(_("This kind of violation has no measured value; leave it empty."), field="measure")
        return None
    if value in (None, ""):
        label = {
            "days_after_grace": _("the days after the grace period"),
            "days_overdue": _("the days overdue"),
            "damage_value": _("the value of the damage in yuan"),
        }[basis]
        raise DomainError(_("This kind of violation needs %(what)s.") % {"what": label}, field="measure")
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a number."), field="measure") from None
    if not number.is_finite() or number < 0 or quantize_money(number) != number:
        raise DomainError(_("Enter a number that is not negative, with at most two decimals."), field="measure")
    if basis != "damage_value" and (number != number.to_integral_value() or number < 1):
        raise DomainError(_("Days are a whole number of at least 1."), field="measure")
    return number


@atomic_with_files
def case_verify(*, case: ViolationCase, actor: Actor, evidence: Iterable[UploadedFile] = ()) -> ViolationCase:
    """Found → verified, with the evidence (photos, documents; private files). Staff must attach at
    least one file unless the case already has evidence; the system verifies automatic cases, whose
    evidence is the ledger."""
    require(actor, CASE_HANDLERS, case.resident)
    case = lock(case)
    files = uploads(evidence)
    if actor is not None and not files and not case.evidence.exists():
        raise DomainError(_("Attach the evidence (photos or documents) to verify the case."), field="evidence")
    with acting_as(actor, action="discipline.case_verify"):
        case = move_case(case, CaseStatus.VERIFIED, verified_by=actor, verified_at=timezone.now())
        if files:
            evidence_add(case=case, files=files, actor=actor)
    counting.recount_after(case)  # it counts from now on, for later-dated cases already decided too
    tell_resident(
        case,
        title=lambda: _("Violation case %(number)s verified") % {"number": case.number},
        body=lambda: _("The violation (%(kind)s) was verified; a rectification notice follows.") % {"kind": kind_name(case)},
        step="verified",
    )
    return case


@transaction.atomic
def case_dismiss(*, case: ViolationCase, actor: Actor, reason: str) -> ViolationCase:
    """Found / verified → dismissed (the violation is not confirmed), with the reason; nothing counts."""
    require(actor, CASE_HANDLERS, case.resident)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for dismissing the case."), field="reason")
    case = lock(case)
    counted = case.status == CaseStatus.VERIFIED
    with acting_as(actor, action="discipline.case_dismiss"):
        case = move_case(case, CaseStatus.DISMISSED, dismissal_reason=reason)
        interim_lift(case)
    if counted:
        counting.recount_after(case)
    tell_resident(
        case,
        title=lambda: _("Violation case %(number)s dismissed") % {"number": case.number},
        body=lambda: _("The case was closed without a penalty: %(reason)s") % {"reason": reason},
        step="dismissed",
    )
    return case


# --- The rectification notice (《违规整改通知书》) -------------------------------------------------------


@transaction.atomic
def notice_issue(
    *, case: ViolationCase, requirement: str, deadline: date | None = None, actor: Actor
) -> RectificationNotice:
    """Verified → notice issued: 《违规整改通知书》 numbered "整改〔<year>〕0001号" with the requirement and the
    deadline (default: the issue day + ``violations.rectification_default_days`` calendar days of the
    rulebook in force on the day of the violation). The PDF is rendered after commit and stored; the
    resident is told with a link to the case, where the PDF is."""
    require(actor, CASE_HANDLERS, case.resident)
    requirement = (requirement or "").strip()
    if not requirement:
        raise DomainError(_("Write what the resident must do to rectify."), field="requirement")
    case = lock(case)
    today = timezone.localdate()
    if deadline is None:
        deadline = rectification_deadline(today, rulebook.in_force(on=case.occurred_on).violations)
    if deadline < today:
        raise DomainError(_("The rectification deadline cannot be in the past."), field="deadline")
    now = timezone.now()
    with acting_as(actor, action="discipline.notice_issue"):
        case = move_case(case, CaseStatus.NOTICE_ISSUED)
        notice = RectificationNotice.objects.create(
            case=case,
            number=next_number(RectificationNotice, "整改", timezone.localdate(now).year),
            requirement=requirement,
            deadline=deadline,
            issued_by=actor,
            issued_at=now,
        )
    # The PDF is rendered by the worker; without a broker, when the notice is first opened (views.cases).
    enqueue_on_commit(render_rectification_notice, notice.pk)
    tell_resident(
        case,
        title=lambda: _("Rectification notice %(number)s") % {"number": notice.number},
        body=lambda: _("《Rectification Notice》 %(number)s: %(requirement)s — by %(deadline)s. The notice (PDF) is on the "
               "case page.")
        % {"number": notice.number, "requirement": requirement, "deadline": format_day(deadline)},
        step="notice",
    )
    return notice


def notice_render(*, notice_id: int, force: bool = False) -> RectificationNotice:
    """Render the notice's PDF and store it (outside any decision's transaction; idempotent: a stored
    PDF is kept unless ``force``)."""
    from discipline.documents.notice import render_notice

    notice = RectificationNotice.objects.select_related("case", "case__resident", "case__resident__application").get(
        pk=notice_id
    )
    if notice.document and not force:
        return notice
    pdf = render_notice(notice)
    from django.core.files.base import ContentFile

    with atomic_with_files(), acting_as(None, action="discipline.notice_render"):
        notice = RectificationNotice.objects.select_for_update(no_key=True).get(pk=notice_id)
        if notice.document and not force:
            return notice
        notice.document.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        RectificationNotice.objects.filter(pk=notice.pk).update(document=notice.document.name)
    return notice


@transaction.atomic
def case_mark_rectified(*, case: ViolationCase, actor: Actor, note: str = "") -> ViolationCase:
    """Notice issued → rectified in time (by the deadline; later it is "not rectified")."""
    require(actor, CASE_HANDLERS, case.resident)
    case = lock(case)
    notice = _notice(case)
    today = timezone.localdate()
    if case.status == CaseStatus.NOTICE_ISSUED and today > notice.deadline:
        raise DomainError(
            _("The rectification deadline was %(deadline)s; after it the case is “not rectified” "
              "(Chapter 8, Article 2).") % {"deadline": format_day(notice.deadline)},
            field="status",
        )
    now = timezone.now()
    with acting_as(actor, action="discipline.case_mark_rectified"):
        case = move_case(case, CaseStatus.RECTIFIED)
        RectificationNotice.objects.filter(pk=notice.pk).update(rectified_at=now, result_note=(note or "").strip())
    tell_resident(
        case,
        title=lambda: _("Rectification of case %(number)s recorded") % {"number": case.number},
        body=lambda: _("Thank you: the rectification was recorded as done in time."),
        step="rectified",
    )
    return case


@transaction.atomic
def case_mark_not_rectified(*, case: ViolationCase, actor: Actor, note: str = "") -> ViolationCase:
    """Notice issued → not rectified, once the deadline has passed: adds the "not_rectified" circumstance,
    which escalates per the ladder (e.g. 1c subletting → forced exit; 3c → suspension; 4a → fine)."""
    require(actor, CASE_HANDLERS, case.resident)
    case = lock(case)
    notice = _notice(case)
    today = timezone.localdate()
    if case.status == CaseStatus.NOTICE_ISSUED and today <= notice.deadline:
        raise DomainError(
            _("The resident has until %(deadline)s to rectify.") % {"deadline": format_day(notice.deadline)},
            field="status",
        )
    flags = sorted({*case.flags, "not_rectified"})
    with acting_as(actor, action="discipline.case_mark_not_rectified"):
        case = move_case(case, CaseStatus.NOT_RECTIFIED, flags=flags)
        RectificationNotice.objects.filter(pk=notice.pk).update(result_note=(note or "").strip())
    tell_resident(
        case,
        title=lambda: _("Case %(number)s: not rectified") % {"number": case.number},
        body=lambda: _("The rectification required by notice %(notice)s was not done by %(deadline)s; the penalty "
               "escalates per the penalty table (Chapter 8, Article 2).")
        % {"notice": notice.number, "deadline": format_day(notice.deadline)},
        step="not_rectified",
    )
    return case


def _notice(case: ViolationCase) -> RectificationNotice:
    notice = RectificationNotice.objects.filter(case=case).first()
    if notice is None:
        raise InvalidTransition(_("Issue the rectification notice first."))
    return notice



# --- The automatic ladders (kinds 1b and 7) ------------------------------------------------------------


def automatic_requirement(case: ViolationCase, deadline: date, invoice: Invoice | None = None) -> str:
    """The rectification requirement of an automatic case, generated from its kind."""
    if case.kind == "7":
        if invoice is not None:
            return _("Pay invoice %(number)s (%(amount)s) in full by %(deadline)s.") % {
                "number": invoice.number, "amount": format_yuan(invoice.amount), "deadline": format_day(deadline)}
        return _("Pay all overdue fees in full by %(deadline)s.") % {"deadline": format_day(deadline)}
    if case.kind == "1b":
        return _("Clear out your space and complete the exit by %(deadline)s.") % {"deadline": format_day(deadline)}
    return _("Correct the violation by %(deadline)s.") % {"deadline": format_day(deadline)}


@transaction.atomic
def case_run_automatic(
    *, case: ViolationCase, until_paid_invoice: Invoice | None = None, requirement: str | None = None
) -> ViolationCase:
    """For the ladders: verify → notice (requirement generated, e.g. "请于…前缴清欠费") → decide (automatic kinds
    have fixed amounts: no staff choice) → publish, as the system, in one transaction. Idempotent: a
    case already past "found" is returned as it is. ``until_paid_invoice``: the overdue invoice that an
    "until paid" suspension (kind 7, 16–30 days) waits for."""
    case = lock(case)
    if case.status != CaseStatus.FOUND:
        return case
    case_verify(case=case, actor=None)
    deadline = rectification_deadline(timezone.localdate(), rulebook.in_force(on=case.occurred_on).violations)
    notice_issue(
        case=case, requirement=requirement or automatic_requirement(case, deadline, until_paid_invoice),
        deadline=deadline, actor=None,
    )
    # Each step locks and re-reads the case itself: no re-read in between, one at the end.
    case_decide(case=case, actor=None, until_paid_invoice=until_paid_invoice)
    case_publish(case=case, actor=None)
    case.refresh_from_db()
    return case



#: What the other modules of the case workflow hand out through this one (callers import ``cases``).
__all__ = [
    "CASE_HANDLERS", "DECIDERS", "FINE_DUE_DAYS", "PUBLIC_FACTS_MAX_LENGTH", "STAFF_FLAGS",
    "apply_effects", "automatic_requirement", "case_annul", "case_confirm", "case_decide", "case_dismiss",
    "case_mark_not_rectified", "case_mark_rectified", "case_open", "case_publish", "case_run_automatic",
    "case_verify", "evidence_add", "invoice_settled", "join", "notice_issue", "notice_render",
    "penalty_publication_closed", "publication_body", "system_publisher",
]
