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
"""

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline import rules
from discipline.models import (
    CASE_TRANSITIONS,
    AppealStatus,
    CaseStatus,
    EvidenceFile,
    LedgerKind,
    PenaltyMeasure,
    RectificationNotice,
    Suspension,
    ViolationCase,
)
from discipline.selectors import cases as selectors
from discipline.services import counting
from discipline.tasks import render_rectification_notice
from opc_community import rulebook
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.i18n import StoredText, community_language
from opc_community.core.jobs import enqueue_on_commit
from opc_community.core.moments import format_day, format_moment
from opc_community.core.money import format_yuan, quantize_money
from opc_community.core.transitions import lock, move
from opc_community.core.uploads import validate_upload
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.portal.services import notify
from residents.models import Invoice, InvoiceKind, Resident
from residents.rules.naming import public_name

#: Decision: a fine / compensation invoice of a confirmed case is due this many calendar days later.
FINE_DUE_DAYS = 15

#: Who may open and verify cases, issue notices and record rectification (decision, see module doc).
CASE_HANDLERS = (Role.DAILY, Role.ADMINISTRATOR)
#: Who decides, publishes and answers appeals (RULEBOOK §1).
DECIDERS = (Role.ADMINISTRATOR,)

#: Bases whose measured value is required (days overdue / after grace, damage value).
MEASURED_BASES = frozenset({"days_after_grace", "days_overdue", "damage_value"})
#: Flags staff may set when opening a case (not_rectified comes from the workflow).
STAFF_FLAGS = frozenset({"serious", "loss"})
EVIDENCE_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
#: Longest text of the facts as the notice board shows them (staff rewrite them shorter, without names).
PUBLIC_FACTS_MAX_LENGTH = 300


# --- Helpers ------------------------------------------------------------------------------------------


def _require(actor: Any, roles: tuple[str, ...], resident: Resident) -> None:
    """Services for people refuse the wrong role, and anyone handling a case against their own resident
    account (conflict of interest: another handler, or another administrator, acts); ``actor`` None is
    the system (the automatic ladders)."""
    if actor is not None and not has_role(actor, *roles):
        if roles == DECIDERS:
            raise PermissionDenied(_("Only the administrator decides penalties (Chapter 8, Article 2)."))
        raise PermissionDenied(_("Only the daily management team and the administrator handle violation cases."))
    ensure_not_own(actor, concerned_user=resident.user_id, what=_("a violation case against your own account"))


def _advisory_lock(key: str, second: int | None = None) -> None:
    """A transaction-scoped PostgreSQL advisory lock (released at commit / rollback)."""
    with connection.cursor() as cursor:
        if second is None:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", [key, second])


def _next_number(model: type, prefix: str, year: int) -> str:
    """"<prefix>〔2026〕0007号": the year's next number, gapless (serialised by an advisory lock)."""
    _advisory_lock(f"discipline.number.{model._meta.model_name}", year)
    head = f"{prefix}〔{year}〕"
    count = model.objects.filter(number__startswith=head).count()
    return f"{head}{count + 1:04d}号"


def _move(case: ViolationCase, to_status: str, **fields: Any) -> ViolationCase:
    return move(case, to_status, transitions=CASE_TRANSITIONS, **fields)


def _link(case: ViolationCase) -> str:
    return reverse("discipline:case_detail", args=[case.pk])


def _tell_resident(case: ViolationCase, *, title: StoredText, body: StoredText, step: str) -> None:
    """The resident hears of every step (inbox now, email after commit); once per case and step."""
    notify(
        recipients=[case.resident.user], title=title, body=body, link=_link(case),
        kind=f"discipline.case_{step}", dedupe_key=f"discipline:case:{case.pk}:{step}",
    )


def _kind_name(case: ViolationCase) -> str:
    return selectors.kind_label(case.kind, rulebook.in_force(on=case.occurred_on))


def _uploads(files: Iterable[Any]) -> list[UploadedFile]:
    return [f for f in (files or ()) if f]


def evidence_add(
    *, case: ViolationCase, files: Iterable[UploadedFile], actor: Any, by_resident: bool = False
) -> list[EvidenceFile]:
    """Store evidence files of a case privately (checked by content and size: the intake upload rules)."""
    book = rulebook.in_force(on=timezone.localdate())
    stored = []
    for upload in _uploads(files):
        content_type, _digest = validate_upload(
            upload, field="evidence", allowed=book.intake.allowed_file_types, max_mb=book.intake.max_upload_mb
        )
        evidence = EvidenceFile(
            case=case, original_name=(upload.name or "")[:200], content_type=content_type,
            uploaded_by=actor, by_resident=by_resident,
        )
        evidence.file.save(f"{uuid.uuid4().hex}.{EVIDENCE_EXTENSIONS[content_type]}", upload, save=False)
        evidence.save()
        stored.append(evidence)
    return stored


# --- Open, verify, dismiss ----------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    resident: Resident,
    kind: str,
    occurred_on: date,
    facts: str,
    actor: Any,
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
    """
    if source_key:
        existing = ViolationCase.objects.filter(source_key=source_key).first()
        if existing is not None:
            return _same_resident(existing, resident)
    _require(actor, CASE_HANDLERS, resident)
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
                number=_next_number(ViolationCase, "违", timezone.localdate(now).year),
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
    _tell_resident(
        case,
        title=lambda: _("Violation case %(number)s opened") % {"number": case.number},
        body=lambda: _("A possible violation (%(kind)s) on %(day)s was recorded and is being verified: %(facts)s")
        % {"kind": _kind_name(case), "day": format_day(occurred_on), "facts": facts},
        step="opened",
    )
    return case


def _same_resident(case: ViolationCase, resident: Resident) -> ViolationCase:
    if case.resident_id != resident.pk:
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


@transaction.atomic
def case_verify(*, case: ViolationCase, actor: Any, evidence: Iterable[UploadedFile] = ()) -> ViolationCase:
    """Found → verified, with the evidence (photos, documents; private files). Staff must attach at
    least one file unless the case already has evidence; the system verifies automatic cases, whose
    evidence is the ledger."""
    _require(actor, CASE_HANDLERS, case.resident)
    case = lock(case)
    files = _uploads(evidence)
    if actor is not None and not files and not case.evidence.exists():
        raise DomainError(_("Attach the evidence (photos or documents) to verify the case."), field="evidence")
    with acting_as(actor, action="discipline.case_verify"):
        case = _move(case, CaseStatus.VERIFIED, verified_by=actor, verified_at=timezone.now())
        if files:
            evidence_add(case=case, files=files, actor=actor)
    counting.recount_after(case)  # it counts from now on, for later-dated cases already decided too
    _tell_resident(
        case,
        title=lambda: _("Violation case %(number)s verified") % {"number": case.number},
        body=lambda: _("The violation (%(kind)s) was verified; a rectification notice follows.") % {"kind": _kind_name(case)},
        step="verified",
    )
    return case


@transaction.atomic
def case_dismiss(*, case: ViolationCase, actor: Any, reason: str) -> ViolationCase:
    """Found / verified → dismissed (the violation is not confirmed), with the reason; nothing counts."""
    _require(actor, CASE_HANDLERS, case.resident)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for dismissing the case."), field="reason")
    case = lock(case)
    counted = case.status == CaseStatus.VERIFIED
    with acting_as(actor, action="discipline.case_dismiss"):
        case = _move(case, CaseStatus.DISMISSED, dismissal_reason=reason)
    if counted:
        counting.recount_after(case)
    _tell_resident(
        case,
        title=lambda: _("Violation case %(number)s dismissed") % {"number": case.number},
        body=lambda: _("The case was closed without a penalty: %(reason)s") % {"reason": reason},
        step="dismissed",
    )
    return case


# --- The rectification notice (《违规整改通知书》) -------------------------------------------------------


@transaction.atomic
def notice_issue(
    *, case: ViolationCase, requirement: str, deadline: date | None = None, actor: Any
) -> RectificationNotice:
    """Verified → notice issued: 《违规整改通知书》 numbered "整改〔<year>〕0001号" with the requirement and the
    deadline (default: the issue day + ``violations.rectification_default_days`` calendar days of the
    rulebook in force on the day of the violation). The PDF is rendered after commit and stored; the
    resident is told with a link to the case, where the PDF is."""
    _require(actor, CASE_HANDLERS, case.resident)
    requirement = (requirement or "").strip()
    if not requirement:
        raise DomainError(_("Write what the resident must do to rectify."), field="requirement")
    case = lock(case)
    today = timezone.localdate()
    if deadline is None:
        deadline = today + timedelta(days=rulebook.in_force(on=case.occurred_on).violations.rectification_default_days)
    if deadline < today:
        raise DomainError(_("The rectification deadline cannot be in the past."), field="deadline")
    now = timezone.now()
    with acting_as(actor, action="discipline.notice_issue"):
        case = _move(case, CaseStatus.NOTICE_ISSUED)
        notice = RectificationNotice.objects.create(
            case=case,
            number=_next_number(RectificationNotice, "整改", timezone.localdate(now).year),
            requirement=requirement,
            deadline=deadline,
            issued_by=actor,
            issued_at=now,
        )
    # The PDF is rendered by the worker; without a broker, when the notice is first opened (views.cases).
    enqueue_on_commit(render_rectification_notice, notice.pk)
    _tell_resident(
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

    with transaction.atomic(), acting_as(None, action="discipline.notice_render"):
        notice = RectificationNotice.objects.select_for_update().get(pk=notice_id)
        if notice.document and not force:
            return notice
        notice.document.save(f"{uuid.uuid4().hex}.pdf", ContentFile(pdf), save=False)
        RectificationNotice.objects.filter(pk=notice.pk).update(document=notice.document.name)
    return notice


@transaction.atomic
def case_mark_rectified(*, case: ViolationCase, actor: Any, note: str = "") -> ViolationCase:
    """Notice issued → rectified in time (by the deadline; later it is "not rectified")."""
    _require(actor, CASE_HANDLERS, case.resident)
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
        case = _move(case, CaseStatus.RECTIFIED)
        RectificationNotice.objects.filter(pk=notice.pk).update(rectified_at=now, result_note=(note or "").strip())
    _tell_resident(
        case,
        title=lambda: _("Rectification of case %(number)s recorded") % {"number": case.number},
        body=lambda: _("Thank you: the rectification was recorded as done in time."),
        step="rectified",
    )
    return case


@transaction.atomic
def case_mark_not_rectified(*, case: ViolationCase, actor: Any, note: str = "") -> ViolationCase:
    """Notice issued → not rectified, once the deadline has passed: adds the "not_rectified" circumstance,
    which escalates per the ladder (e.g. 1c subletting → forced exit; 3c → suspension; 4a → fine)."""
    _require(actor, CASE_HANDLERS, case.resident)
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
        case = _move(case, CaseStatus.NOT_RECTIFIED, flags=flags)
        RectificationNotice.objects.filter(pk=notice.pk).update(result_note=(note or "").strip())
    _tell_resident(
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


# --- Decision -----------------------------------------------------------------------------------------


def _amount(value: Any, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount in yuan, e.g. 200.00."), field=field) from None
    if not amount.is_finite() or quantize_money(amount) != amount:
        raise DomainError(_("Amounts are in yuan with at most two decimals (fen)."), field=field)
    return quantize_money(amount)


@transaction.atomic
def case_decide(
    *,
    case: ViolationCase,
    actor: Any,
    amounts: Mapping[int, Decimal] | None = None,
    chosen: int | None = None,
    days: Mapping[int, int] | None = None,
    until_paid_invoice: Invoice | None = None,
) -> list[PenaltyMeasure]:
    """Decide the penalty (notice issued / rectified / not rectified → decided) from the rulebook in force on
    the day of the violation, and return the measures stored (one PenaltyMeasure each).

    The same-kind count is computed now over counting cases by ``occurred_on`` — verified ones not yet
    decided included; dismissed and annulled ones not — and stored with the rulebook version. Indices
    below are those of ``rules.decide(...).measures`` (``selectors.decision_preview(case).outcome.measures``):

    - ``amounts[i]``: a fine with a range needs the amount chosen within it (refused outside it with a
      message naming the range); a fixed fine is its amount; compensation needs the amount (kind 2a
      defaults to the damage value);
    - ``chosen``: kind 8's "one of" needs the index of the measure chosen (among ``outcome.alternatives``;
      an escalation after them always applies);
    - ``days[i]``: a suspension without fixed days (kind 8) needs the days;
    - ``until_paid_invoice``: the invoice an "until paid" suspension waits for (the ladders pass the
      overdue invoice of kind 7); default: the fine of this case.

    Refused, with nothing written, on any bad input.
    """
    _require(actor, DECIDERS, case.resident)
    case = lock(case)
    if CaseStatus.DECIDED not in CASE_TRANSITIONS.get(case.status, ()):
        raise InvalidTransition(
            _("Case %(number)s is “%(status)s” and cannot be decided.")
            % {"number": case.number, "status": case.get_status_display()}
        )
    amounts = dict(amounts or {})
    days = dict(days or {})
    # Same resident, same moment: serialise counting so two cases decided at once see each other.
    counting.counting_lock(case.resident_id)
    preview = selectors.decision_preview(case)
    if preview is None:
        raise DomainError(_("Kind %(kind)s is not in the rulebook in force on that day.") % {"kind": case.kind},
                          field="kind")
    outcome = preview.outcome
    if outcome.is_none:
        raise DomainError(_("The penalty table prescribes no measure for these facts; dismiss the case instead."))
    indices = list(range(len(outcome.measures)))
    if outcome.choose_one:  # kind 8: one of the alternatives, plus any escalation ("serious")
        if chosen is None or not (0 <= int(chosen) < outcome.alternatives):
            raise DomainError(
                _("Choose one of the measures: %(measures)s.")
                % {"measures": join(preview.measure_texts[:outcome.alternatives])},
                field="chosen",
            )
        indices = [int(chosen), *indices[outcome.alternatives:]]
    rows: list[dict[str, Any]] = []
    has_fine = any(outcome.measures[i].type == "fine" for i in indices)
    for index in indices:
        rule = outcome.measures[index]
        row: dict[str, Any] = {"type": rule.type}
        if rule.type == "fine":
            row["amount"] = _fine_amount(rule, amounts.get(index), index=index)
        elif rule.type == "compensation":
            value = amounts.get(index)
            if value in (None, "") and preview.kind.basis == "damage_value" and case.measure is not None:
                value = case.measure
            if value in (None, ""):
                raise DomainError(_("Enter the amount of the compensation."), field=f"amounts.{index}")
            amount = _amount(value, field=f"amounts.{index}")
            if amount <= 0:
                raise DomainError(_("The compensation must be more than zero."), field=f"amounts.{index}")
            row["amount"] = amount
        elif rule.type == "suspension":
            row["scope"] = rule.scope
            row["until_paid"] = rule.until_paid
            row["days"] = rule.days
            if not rule.days and not rule.until_paid:
                chosen_days = days.get(index)
                try:
                    chosen_days = int(chosen_days)
                except (TypeError, ValueError):
                    chosen_days = 0
                if chosen_days < 1:
                    raise DomainError(_("Enter the days of the suspension (at least 1)."), field=f"days.{index}")
                row["days"] = chosen_days
            if rule.until_paid:
                if until_paid_invoice is not None:
                    if until_paid_invoice.resident_id != case.resident_id:
                        raise DomainError(_("The invoice belongs to another resident."), field="until_paid_invoice")
                    row["invoice"] = until_paid_invoice
                elif not has_fine:
                    raise DomainError(
                        _("A suspension “until paid” needs the invoice it waits for."), field="until_paid_invoice"
                    )
        elif rule.type == "forced_exit":
            row["ban_years"] = rules.ban_years(rule, preview.bans)
            row["note"] = f"ban:{rule.ban or 'forced_exit'}"
        rows.append(row)
    now = timezone.now()
    with acting_as(actor, action="discipline.case_decide"):
        case = _move(
            case, CaseStatus.DECIDED, same_kind_count=preview.count, rulebook_version=preview.rulebook_version,
            decided_by=actor, decided_at=now,
        )
        measures = [PenaltyMeasure.objects.create(case=case, **row) for row in rows]
    texts = [selectors.describe_measure(m) for m in measures]
    _tell_resident(
        case,
        title=lambda: _("Penalty decided: case %(number)s") % {"number": case.number},
        body=lambda: _("%(rule)s. It will be published on the notice board; you may ask for review (复核) during the "
               "publication window.")
        % {"rule": selectors.rule_sentence(preview.kind, preview.count, texts, code=case.kind)},
        step="decided",
    )
    return measures


def join(texts: Iterable[str]) -> str:
    return "；".join(str(t) for t in texts)


def _fine_amount(rule: Any, value: Any, *, index: int) -> Decimal:
    field = f"amounts.{index}"
    if rule.amount is not None and value in (None, ""):
        return quantize_money(rule.amount)
    if value in (None, ""):
        raise DomainError(
            _("Choose the fine between %(min)s and %(max)s (Chapter 8, Article 2).")
            % {"min": format_yuan(rule.amount_min), "max": format_yuan(rule.amount_max)},
            field=field,
        )
    amount = _amount(value, field=field)
    if not rules.fine_allowed(rule, amount):
        if rule.amount is not None:
            message = _("The fine for this violation is %(amount)s (Chapter 8, Article 2).") % {
                "amount": format_yuan(rule.amount)
            }
        else:
            message = _("The fine must be between %(min)s and %(max)s; %(amount)s is outside the range "
                        "(Chapter 8, Article 2).") % {
                "min": format_yuan(rule.amount_min), "max": format_yuan(rule.amount_max),
                "amount": format_yuan(amount),
            }
        raise DomainError(message, field=field)
    return amount


# --- Publication, confirmation, annulment -------------------------------------------------------------


def system_publisher() -> Any:
    """The account named as publisher of the automatic ladders' publications (the board needs a
    publisher; the system is not a person): an inactive account without a password."""
    from opc_community.accounts.models import User

    user, created = User.objects.get_or_create(
        username="system", defaults={"full_name": "系统（自动）", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def publication_body(case: ViolationCase, measures: list[PenaltyMeasure], *, facts: str) -> str:
    """The public text, from the case's fields: who (the public name), the kind, the day, the facts as
    published (``facts``: staff-typed, scanned by ``publication_open``), the measures and the rule."""
    book = rulebook.in_force(on=case.occurred_on)
    kind = book.violations.kinds[case.kind]
    lines = [
        _("Resident: %(name)s") % {"name": public_name(case.resident.application)},
        _("Violation: %(kind)s") % {"kind": f"{case.kind} {kind.name}（{kind.category}）"},
        _("Date: %(day)s") % {"day": format_day(case.occurred_on)},
        _("Facts: %(facts)s") % {"facts": facts},
        _("Penalty: %(measures)s") % {"measures": "、".join(selectors.describe_measure(m) for m in measures)},
        _("Basis: the penalty table of %(article)s (same-kind violation no. %(count)d in %(days)d days).")
        % {"article": selectors.ARTICLE, "count": case.same_kind_count or 1, "days": book.violations.lookback_days},
        _("The resident concerned may ask for review (复核) during the publication window; it is answered within "
          "%(days)d working days.") % {"days": book.deadlines.appeal_answer_working_days},
    ]
    return "\n".join(str(line) for line in lines)


def _public_facts(case: ViolationCase, public_facts: str | None) -> str:
    if public_facts is None:
        return selectors.facts_summary(case)
    text = public_facts.strip()
    if not text:
        raise DomainError(_("Write the facts as the notice board shows them."), field="public_facts")
    if len(text) > PUBLIC_FACTS_MAX_LENGTH:
        raise DomainError(
            _("The facts as published are at most %(count)d characters long.") % {"count": PUBLIC_FACTS_MAX_LENGTH},
            field="public_facts",
        )
    return text


@transaction.atomic
def case_publish(*, case: ViolationCase, actor: Any, public_facts: str | None = None) -> Publication:
    """Decided → published: the penalty decision goes on the notice board for the publication window
    (``publication_window_working_days``), during which the resident may ask for review.

    The board names the resident by its public name (RULEBOOK §10) and shows the facts as
    ``public_facts`` — by default the start of the case's facts (``selectors.facts_summary``). Either is
    scanned before publication: while it holds an ID, phone, bank card number, an e-mail address or the
    name of anyone the system knows, publication is refused naming each span (RULEBOOK §10, decisions
    added 2026-12), and staff publish again with the facts rewritten."""
    from opc_community.notices.services import publication_open

    _require(actor, DECIDERS, case.resident)
    case = lock(case)
    case = ViolationCase.objects.select_related("resident", "resident__application", "resident__user").get(pk=case.pk)
    facts = _public_facts(case, public_facts)
    measures = list(case.measures.order_by("id"))
    book = rulebook.in_force(on=timezone.localdate())
    with acting_as(actor, action="discipline.case_publish"):
        case = _move(case, CaseStatus.PUBLISHED)
        publication = publication_open(
            kind=PublicationKind.PENALTY_DECISION,
            title=_("Penalty decision %(number)s") % {"number": case.number},
            body=publication_body(case, measures, facts=facts),
            staff_text={"public_facts": facts},
            subject=case,
            concerned_user=case.resident.user,
            window_days=book.deadlines.publication_window_working_days,
            actor=actor or system_publisher(),
        )
    _tell_resident(
        case,
        title=lambda: _("Penalty decision %(number)s published") % {"number": case.number},
        body=lambda: _("The decision is on the notice board until %(end)s. Until then you may ask for review (复核) on the "
               "case page; it is answered within %(days)d working days.")
        % {"end": format_moment(publication.window_ends_at),
           "days": book.deadlines.appeal_answer_working_days},
        step="published",
    )
    return publication


@transaction.atomic
def case_confirm(*, case: ViolationCase) -> ViolationCase:
    """Published → confirmed: the decision takes effect; its effects are applied (once) and the decision is
    appended to the decision ledger. Called by the close hook and by the dismissal of a pending appeal."""
    from discipline.services.ledger import ledger_append, penalty_content

    case = lock(case)
    with acting_as(None, action="discipline.case_confirm"):
        case = _move(case, CaseStatus.CONFIRMED, confirmed_at=timezone.now())
        apply_effects(case=case)
        measures = list(case.measures.order_by("id"))
        ledger_append(kind=LedgerKind.PENALTY, object_id=case.pk, content=penalty_content(case, measures))
    _tell_resident(
        case,
        title=lambda: _("Penalty decision %(number)s confirmed") % {"number": case.number},
        body=lambda: _("The decision took effect: %(measures)s.")
        % {"measures": "、".join(selectors.describe_measure(m) for m in measures)},
        step="confirmed",
    )
    return case


@transaction.atomic
def case_annul(*, case: ViolationCase, reason: str, actor: Any) -> ViolationCase:
    """Published / confirmed → annulled (an appeal or an objection upheld): the case no longer counts for
    escalation or renewal; an open publication is withdrawn from the board; effects already applied are
    reversed where possible. Internal: called inside the appeal decision or the close hook."""
    from opc_community.notices.services import publication_withdraw

    case = lock(case)
    was_confirmed = case.status == CaseStatus.CONFIRMED
    with acting_as(actor, action="discipline.case_annul"):
        case = _move(case, CaseStatus.ANNULLED, annulled_at=timezone.now())
        publication = selectors.publication_of(case)
        if publication is not None and publication.status in (PublicationStatus.OPEN,
                                                               PublicationStatus.AWAITING_DECISION):
            publication_withdraw(publication=publication, reason=reason, actor=actor or system_publisher())
        if was_confirmed:
            _reverse_effects(case, reason=reason)
    counting.recount_after(case)
    _tell_resident(
        case,
        title=lambda: _("Penalty decision %(number)s annulled") % {"number": case.number},
        body=lambda: _("The penalty was annulled: %(reason)s. It no longer counts.") % {"reason": reason},
        step="annulled",
    )
    return case


def _reverse_effects(case: ViolationCase, *, reason: str) -> None:
    """Undo what can be undone of a confirmed case: open suspensions are lifted now. Invoices stay in the
    append-only ledger (it has no per-invoice void); an unpaid or paid invoice of the case is named to
    the administrator to cancel or refund by hand. A forced exit is not undone automatically."""
    now = timezone.now()
    measures = list(case.measures.select_related("invoice").order_by("id"))
    suspension_ids = [m.suspension_id for m in measures if m.suspension_id]
    if suspension_ids:
        Suspension.objects.filter(pk__in=suspension_ids, lifted_at__isnull=True).update(lifted_at=now)
    manual = [m for m in measures if m.invoice_id and m.type in ("fine", "compensation")]
    manual += [m for m in measures if m.type in ("forced_exit", "deposit_forfeiture") and m.applied_at]
    if manual:
        notify(
            recipients=members_of(Role.ADMINISTRATOR),
            title=lambda: _("Annulled case %(number)s: undo by hand") % {"number": case.number},
            body=lambda: _("Case %(number)s was annulled (%(reason)s). Undo by hand: %(items)s.")
            % {"number": case.number, "reason": reason,
               "items": "、".join(
                   (m.invoice.number if m.invoice_id else selectors.describe_measure(m)) for m in manual)},
            link=reverse("admin:discipline_violationcase_change", args=[case.pk]),
            kind="discipline.case_annulled_manual",
            dedupe_key=f"discipline:case:{case.pk}:annul_manual",
        )


# --- Effects (applied once, on confirmation) -----------------------------------------------------------

#: Order of application: invoices first (an "until paid" suspension may wait for the fine), then
#: suspensions, then the forced exit (which forfeits the deposit), then a lone deposit forfeiture.
_EFFECT_ORDER = {"fine": 0, "compensation": 0, "suspension": 1, "forced_exit": 2, "deposit_forfeiture": 3}


def apply_effects(*, case: ViolationCase) -> list[PenaltyMeasure]:
    """Apply the effects of a confirmed case through the owning apps' services; idempotent: a measure
    with ``applied_at`` is skipped, so re-running applies nothing twice (measure rows are locked).
    Each measure records what it produced (invoice, suspension) and a note."""
    from residents.selectors.ledger import deposit_held
    from residents.services.ledger import deposit_record, invoice_create
    from residents.services.lifecycle import force_exit

    if case.status != CaseStatus.CONFIRMED:
        raise InvalidTransition(_("Effects apply only to a confirmed case."))
    resident = Resident.objects.select_related("user").get(pk=case.resident_id)
    measures = list(PenaltyMeasure.objects.select_for_update().filter(case=case).order_by("id"))
    measures.sort(key=lambda m: (_EFFECT_ORDER.get(m.type, 9), m.id))
    today = timezone.localdate()
    now = timezone.now()
    kind_name = _kind_name(case)
    has_forced_exit = any(m.type == "forced_exit" for m in measures)
    fine_invoice: Invoice | None = None
    for measure in measures:
        if measure.applied_at is not None:
            if measure.type == "fine" and measure.invoice_id:
                fine_invoice = measure.invoice
            continue
        updates: dict[str, Any] = {"applied_at": now}
        if measure.type in ("fine", "compensation"):
            invoice = invoice_create(
                resident=resident,
                kind=InvoiceKind.FINE if measure.type == "fine" else InvoiceKind.COMPENSATION,
                description=(_("Fine, case %(number)s (%(kind)s)") if measure.type == "fine"
                             else _("Compensation, case %(number)s (%(kind)s)"))
                % {"number": case.number, "kind": kind_name},
                amount=measure.amount,
                due_on=today + timedelta(days=FINE_DUE_DAYS),
                source_key=f"case:{case.pk}:{measure.type}:{measure.pk}",
                actor=None,
            )
            updates["invoice"] = invoice
            if measure.type == "fine":
                fine_invoice = invoice
        elif measure.type == "suspension":
            waits_for = measure.invoice if measure.until_paid and measure.invoice_id else (
                fine_invoice if measure.until_paid else None)
            if measure.until_paid and waits_for is not None and waits_for.settled_on is not None:
                updates["note"] = str(_("invoice already paid: no suspension"))
            else:
                suspension = Suspension.objects.create(
                    resident=resident,
                    scope=measure.scope,
                    starts_at=now,
                    ends_at=None if measure.until_paid else now + timedelta(days=measure.days or 0),
                    until_paid=waits_for if measure.until_paid else None,
                    reason=(_("Case %(number)s: %(measure)s") % {
                        "number": case.number, "measure": selectors.describe_measure(measure)})[:300],
                    created_by=case.decided_by,
                )
                updates["suspension"] = suspension
                if waits_for is not None:
                    updates["invoice"] = waits_for
        elif measure.type == "forced_exit":
            from residents.models import BanSource, ResidentStatus

            if resident.status == ResidentStatus.EXITED:
                updates["note"] = str(_("already exited: no forced exit"))
            else:
                source = measure.note.removeprefix("ban:")
                ban = source if source in BanSource.values else BanSource.FORCED_EXIT
                force_exit(
                    resident=resident,
                    reason=_("Case %(number)s: %(kind)s (Chapter 8, Article 2)") % {
                        "number": case.number, "kind": kind_name},
                    ban_years=measure.ban_years or rulebook.in_force(on=case.occurred_on).bans.forced_exit_years,
                    actor=None,
                    ban_source=ban,
                    today=today,
                )
                resident.refresh_from_db()
        elif measure.type == "deposit_forfeiture":
            if has_forced_exit:
                updates["note"] = str(_("forfeited with the forced exit"))
            else:
                held = deposit_held(resident)
                if held > 0:
                    deposit_record(
                        resident=resident, kind="forfeited", amount=held, on=today,
                        note=_("Case %(number)s") % {"number": case.number}, actor=None,
                    )
                    updates["note"] = str(_("forfeited %(amount)s") % {"amount": format_yuan(held)})
                else:
                    updates["note"] = str(_("no deposit held"))
        elif measure.type in ("report_authorities", "legal_liability"):
            with community_language():
                notify(
                    recipients=members_of(Role.ADMINISTRATOR),
                    title=_("Case %(number)s: %(measure)s") % {
                        "number": case.number, "measure": selectors.describe_type(measure.type)},
                    body=_("The confirmed penalty of case %(number)s includes “%(measure)s”: please follow it up.")
                    % {"number": case.number, "measure": selectors.describe_type(measure.type)},
                    link=reverse("admin:discipline_violationcase_change", args=[case.pk]),
                    kind="discipline.staff_task",
                    dedupe_key=f"discipline:measure:{measure.pk}:task",
                )
            updates["note"] = str(_("staff task sent to the administrator"))
        PenaltyMeasure.objects.filter(pk=measure.pk, applied_at__isnull=True).update(**updates)
    return list(case.measures.order_by("id"))


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
    deadline = timezone.localdate() + timedelta(
        days=rulebook.in_force(on=case.occurred_on).violations.rectification_default_days
    )
    notice_issue(
        case=case, requirement=requirement or automatic_requirement(case, deadline, until_paid_invoice),
        deadline=deadline, actor=None,
    )
    case.refresh_from_db()
    case_decide(case=case, actor=None, until_paid_invoice=until_paid_invoice)
    case.refresh_from_db()
    case_publish(case=case, actor=None)
    case.refresh_from_db()
    return case


# --- Close hook (registered in discipline/apps.py) and settlement hook ---------------------------------


def penalty_publication_closed(publication: Publication, *, overturned: bool) -> None:
    """The publication window of a penalty decision closed (inside the closing transaction).

    Overturned (an objection upheld) → annulled. Otherwise → confirmed and effects applied — unless an
    appeal is still pending: then the case stays published and the appeal's answer decides (dismissed
    → confirmed, upheld → annulled). A case no longer published (annulled meanwhile) is left alone."""
    case = ViolationCase.objects.filter(pk=publication.object_id).first()
    if case is None or case.status != CaseStatus.PUBLISHED:
        return
    if overturned:
        case_annul(case=case, reason=str(_("an objection to the publication was upheld")), actor=None)
        return
    if case.appeals.filter(status=AppealStatus.PENDING).exists():
        return
    case_confirm(case=case)


def invoice_settled(invoice: Invoice, *, settled_on: date) -> int:
    """Settlement hook (residents.services.ledger): a payment lifts the "until paid" suspensions waiting for
    this invoice the same day (RULEBOOK §9 kind 7). Returns how many were lifted."""
    with acting_as(None, action="discipline.suspension_lift_paid"):
        return Suspension.objects.filter(until_paid=invoice, lifted_at__isnull=True).update(lifted_at=timezone.now())
