"""Agreements, check-in and orientation (第三章第二条、第三条).

- :func:`agreement_issue` — the intake team issues 《OPC社区入驻协议》 to an approved
  resident: 12 months (rulebook ``term.agreement_months``) from the start date, a
  unique number ``OPC-<year>-<NNNN>``, the rulebook version, the invoices of the term,
  the deposit expected; the PDF is rendered after commit into the archive.
- :func:`agreement_accept` — the resident accepts it in the portal.
- :func:`agreement_cancel` — an issued agreement with wrong terms is cancelled before
  acceptance (its invoices become void) and a corrected one issued.
- :func:`resident_check_in` — the daily management team checks the resident in (办理入驻).
- :func:`orientation_acknowledge` — the resident acknowledges the rules (岗前告知).

Fee schedule (decision, documented here and on the agreement; the pure function is
:func:`residents.rules.term.fee_schedule`): a monthly fee is billed
in ``agreement_months`` invoices, one per month of the term; month *i* runs from
``add_months(start, i)`` to the day before ``add_months(start, i + 1)`` and is **due on
its first day** — the first invoice on the start date. A fee per term is one invoice for
the whole term, due on the start date. A fee of zero makes no invoice (费用“如有”). The
deposit is not an invoice: it is expected as ``deposit_amount`` and recorded as deposit
entries; check-in needs the deposit held to reach it.
"""

from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import IntegerField, Max, Sum
from django.db.models.functions import Cast, Substr
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError
from opc_community.core.files import atomic_with_files
from opc_community.core.i18n import render_stored
from opc_community.core.money import format_yuan
from opc_community.core.transitions import lock, move
from opc_community.portal.services import notify
from residents.extensions import check_in_steps
from residents.models import (
    AGREEMENT_TRANSITIONS,
    RESIDENT_TRANSITIONS,
    Agreement,
    AgreementStatus,
    FeePeriod,
    InvoiceKind,
    OrientationAcknowledgement,
    Payment,
    Resident,
    ResidentStatus,
)
from residents.rules.term import FeeCharge, agreement_end, fee_schedule
from residents.selectors import agreements as agreement_selectors
from residents.services.ledger import invoice_create, money

#: Nobody issues, cancels or checks in on their own residency (conflict of interest).
OWN_AGREEMENT = gettext_lazy("the agreement or check-in of your own residency")
#: Key of the advisory lock serialising agreement numbers (second key: the year).
_NUMBER_LOCK = 0x0A61




# --- Numbers ------------------------------------------------------------------------------------


def _next_number(year: int) -> str:
    """``OPC-<year>-<NNNN>``, sequential per year of issue.

    A transaction-scoped advisory lock on (agreements, year) serialises concurrent
    issuers: the second waits until the first commits, then reads its number (each
    statement sees committed rows) — no duplicates, and the unique column would catch
    one anyway.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NUMBER_LOCK, year])
    prefix = f"OPC-{year}-"
    last = (
        Agreement.objects.filter(number__regex=rf"^OPC-{year}-[0-9]+$")
        .annotate(sequence=Cast(Substr("number", len(prefix) + 1), IntegerField()))
        .aggregate(last=Max("sequence"))["last"]
    )
    return f"{prefix}{(last or 0) + 1:04d}"


# --- Agreements ---------------------------------------------------------------------------------


@transaction.atomic
def agreement_issue(
    *,
    resident: Resident,
    starts_on: date,
    fee_amount: Any,
    fee_period: str,
    deposit_amount: Any,
    actor: Actor,
    renews: Agreement | None = None,
) -> Agreement:
    """Issue 《OPC社区入驻协议》 to ``resident`` (第三章第二条 签约入驻; 第三章第三条 12 个月).

    A first agreement goes to an approved resident awaiting check-in (ONBOARDING). A
    renewal passes ``renews``: the accepted agreement it follows, and it must start the day
    after that one ends (RULEBOOK §4.3) — possibly in the past when approved during the
    grace period; then no invoice falls due before the day of issue. The term and the
    rulebook version are those in force on the day of issue. A first agreement cannot
    start in the past (a backdated start would make its first invoices overdue at once).
    Creates the fee invoices of the term
    (keyed ``agreement:<id>:fee:<i>``), tells the resident, and renders the PDF after commit.
    """
    today = timezone.localdate()
    resident = lock(resident)
    ensure_not_own(actor, concerned_user=resident.user_id, what=OWN_AGREEMENT)
    if renews is None:
        if resident.status != ResidentStatus.ONBOARDING:
            raise DomainError(
                _("%(resident)s is “%(status)s”: a first agreement is issued to an approved resident who has not checked in yet (第三章第二条).")
                % {"resident": resident, "status": resident.get_status_display()},
                field="resident",
            )
    else:
        renews = lock(renews)
        if renews.resident_id != resident.pk or renews.status not in (AgreementStatus.ACCEPTED, AgreementStatus.ENDED):
            raise DomainError(_("Only the resident's accepted agreement can be renewed."), field="renews")
        if starts_on != renews.ends_on + timedelta(days=1):
            raise DomainError(
                _("A renewal starts the day after the current agreement ends: %(date)s (第三章第三条).")
                % {"date": renews.ends_on + timedelta(days=1)},
                field="starts_on",
            )
    if starts_on < today and renews is None:
        raise DomainError(_("The start date cannot be in the past."), field="starts_on")
    if fee_period not in FeePeriod.values:
        raise DomainError(_("Choose monthly or per term."), field="fee_period")
    fee = money(fee_amount, field="fee_amount")
    deposit = money(deposit_amount, field="deposit_amount")
    if fee < 0:
        raise DomainError(_("The fee cannot be negative."), field="fee_amount")
    if deposit < 0:
        raise DomainError(_("The deposit cannot be negative."), field="deposit_amount")
    rules = rulebook.in_force(on=today)
    months = rules.term.agreement_months
    ends_on = agreement_end(starts_on, months)
    overlapping = resident.agreements.filter(
        status__in=[AgreementStatus.ISSUED, AgreementStatus.ACCEPTED], starts_on__lte=ends_on, ends_on__gte=starts_on
    ).first()
    if overlapping is not None:
        raise ConflictError(
            _("%(resident)s already holds agreement %(number)s for part of this period.")
            % {"resident": resident, "number": overlapping.number},
            field="starts_on",
        )
    try:
        with transaction.atomic(), acting_as(actor, action="residents.agreement_issue"):
            agreement = Agreement.objects.create(
                resident=resident,
                number=_next_number(today.year),
                starts_on=starts_on,
                ends_on=ends_on,
                fee_amount=fee,
                fee_period=fee_period,
                deposit_amount=deposit,
                rulebook_version=rules.version,
                renews=renews,
                issued_by=actor,
            )
    except IntegrityError as error:  # the exclusion constraint: a concurrent issue for the same days
        raise ConflictError(
            _("%(resident)s already holds an agreement for part of this period.") % {"resident": resident},
            field="starts_on",
        ) from error
    for charge in fee_schedule(starts_on=starts_on, months=months, fee_period=fee_period, fee_amount=fee):
        invoice_create(
            resident=resident,
            agreement=agreement,
            kind=InvoiceKind.FEE,
            description=_fee_description(agreement, charge),
            amount=charge.amount,
            # A renewal approved after the old term ended starts in the past: nothing is due before today.
            due_on=max(charge.due_on, today),
            period_start=charge.period_start,
            period_end=charge.period_end,
            source_key=f"agreement:{agreement.pk}:fee:{charge.index}",
            issued_on=today,
            actor=actor,
        )
    notify(
        recipients=[resident.user],
        title=lambda: _("Your residency agreement %(number)s is ready") % {"number": agreement.number},
        body=lambda: _(
            "Please read 《OPC社区入驻协议》 %(number)s (%(start)s to %(end)s) in the portal and accept it. "
            "Check-in follows once the first fee and the deposit of %(deposit)s are paid (第三章第二条)."
        )
        % {"number": agreement.number, "start": agreement_selectors.day(starts_on),
           "end": agreement_selectors.day(ends_on), "deposit": format_yuan(deposit)},
        link=reverse("residents:agreement_detail", args=[agreement.pk]),
        kind="residents.agreement_issued",
        dedupe_key=f"agreement-issued:{agreement.pk}",
    )
    transaction.on_commit(lambda: agreement_document_store(agreement=agreement))
    return agreement


def _fee_description(agreement: Agreement, charge: FeeCharge) -> str:
    """Short: the period is on the invoice's own fields (period_start / period_end)."""
    if agreement.fee_period == FeePeriod.TERM:
        return _("Fee for agreement %(number)s, whole term") % {"number": agreement.number}
    return _("Fee for agreement %(number)s, month %(month)s") % {"number": agreement.number, "month": charge.index + 1}


def agreement_document_store(*, agreement: Agreement) -> Agreement:
    """Render the agreement PDF and keep it in the agreement's private ``document`` (the archive).

    Called after commit (issue, acceptance), never inside the decision's transaction; also
    by the download view when a rendering is missing. Re-rendering after acceptance keeps
    the accepted text with its acceptance record; earlier files stay in storage and the
    audit trail keeps their names.
    """
    from residents.documents.agreement import agreement_pdf

    agreement = Agreement.objects.select_related("resident__application", "issued_by").get(pk=agreement.pk)
    pdf = agreement_pdf(agreement)
    suffix = "-accepted" if agreement.status == AgreementStatus.ACCEPTED else ""
    field = agreement.document
    with atomic_with_files(), acting_as(None, action="residents.agreement_document"):
        name = field.storage.save(field.field.generate_filename(agreement, f"{agreement.number}{suffix}.pdf"),
                                  ContentFile(pdf))
        Agreement.objects.filter(pk=agreement.pk).update(document=name)
    agreement.document.name = name
    return agreement


@transaction.atomic
def agreement_accept(*, agreement: Agreement, actor: Actor | None) -> Agreement:
    """The resident accepts its issued agreement in the portal; acceptance time recorded.

    Only the resident's own portal account accepts. Tells the intake and daily management
    teams (check-in follows payment), and re-renders the PDF with the acceptance after commit.
    """
    agreement = lock(agreement)
    resident = Resident.objects.select_related("user").get(pk=agreement.resident_id)
    if getattr(actor, "pk", None) != resident.user_id:
        raise DomainError(_("Only the resident accepts its own agreement."), field="agreement")
    with acting_as(actor, action="residents.agreement_accept"):
        agreement = move(agreement, AgreementStatus.ACCEPTED, transitions=AGREEMENT_TRANSITIONS,
                         accepted_at=timezone.now())
    notify(
        recipients=members_of(Role.INTAKE, Role.DAILY),
        title=lambda: _("%(resident)s accepted agreement %(number)s") % {"resident": resident, "number": agreement.number},
        body=lambda: _("Check-in (办理入驻) can follow once the first invoice and the deposit are paid (第三章第二条)."),
        link=reverse("admin:residents_agreement_change", args=[agreement.pk]),
        kind="residents.agreement_accepted",
        dedupe_key=f"agreement-accepted:{agreement.pk}",
        email=False,
    )
    transaction.on_commit(lambda: agreement_document_store(agreement=agreement))
    return agreement


@transaction.atomic
def agreement_cancel(*, agreement: Agreement, reason: str, actor: Actor) -> Agreement:
    """Cancel an issued agreement before acceptance (wrong terms: issue a corrected one).

    Its invoices stay in the ledger but become void (nobody owes them; see
    ``residents.selectors.ledger.owed_invoices``); refused while payments stand on them
    (reverse them first).
    """
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the cancellation."), field="reason")
    agreement = lock(agreement)
    ensure_not_own(actor, concerned_user=agreement.resident.user_id, what=OWN_AGREEMENT)
    paid = Payment.objects.filter(invoice__agreement=agreement).aggregate(total=Sum("amount"))["total"]
    if paid:
        raise DomainError(
            _("Payments of %(amount)s stand on the invoices of agreement %(number)s; reverse them before cancelling.")
            % {"amount": format_yuan(paid), "number": agreement.number},
            field="agreement",
        )
    with acting_as(actor, action="residents.agreement_cancel"):
        return move(
            agreement, AgreementStatus.CANCELLED, transitions=AGREEMENT_TRANSITIONS,
            ended_on=timezone.localdate(), end_reason=reason.strip()[:200],
        )


# --- Check-in (办理入驻) -----------------------------------------------------------------------


@transaction.atomic
def resident_check_in(*, resident: Resident, actor: Actor, **choices: Any) -> Resident:
    """Check an approved resident in (第三章第二条 办理入驻): desk assigned, portal opened, archive created.

    Conditions (all checked, all missing ones named in one Chinese message): the
    agreement is accepted and in force today; every invoice due on or before today is
    settled (the first fee is due on the start date); the deposit held reaches the
    agreement's deposit; and whatever the registered check-in steps need
    (``residents.extensions.register_check_in_step``) — the spaces app's step assigns the
    desk: ``desk=`` a free desk, or None for the first free one. ``choices`` are the steps'
    keywords; an unknown one is a programming error (TypeError).

    Status ACTIVE opens the portal (``residents.access`` checks it) — the resident then
    has to acknowledge the rules before anything else (岗前告知). "Archive created" needs
    no copying: the Resident row with everything linked to it (application and materials,
    agreements, ledger, desk assignments, acknowledgements, later violations and scores)
    *is* the archive (第三章第五条), kept by the database's archive triggers.
    """
    steps = check_in_steps()
    unknown = set(choices) - {step.choice for step in steps}
    if unknown:
        raise TypeError(f"resident_check_in() got unexpected choices: {', '.join(sorted(unknown))}")
    today = timezone.localdate()
    resident = lock(resident)
    ensure_not_own(actor, concerned_user=resident.user_id, what=OWN_AGREEMENT)
    if resident.status != ResidentStatus.ONBOARDING:
        raise DomainError(
            _("%(resident)s is “%(status)s”: only an approved resident awaiting check-in can be checked in.")
            % {"resident": resident, "status": resident.get_status_display()},
            field="resident",
        )
    problems = agreement_selectors.check_in_problems(resident, today=today, choices=choices)
    if problems:
        fields = {problem.field for problem in problems}
        raise DomainError(
            _("Check-in refused (第三章第二条): %(problems)s")
            % {"problems": "；".join(problem.message for problem in problems)},
            field=fields.pop() if len(fields) == 1 else None,
            details={"problems": {problem.code: problem.message for problem in problems}},
        )
    notes = [step.apply(resident, choice=choices.get(step.choice), actor=actor) for step in steps]
    with acting_as(actor, action="residents.check_in"):
        resident = move(
            resident, ResidentStatus.ACTIVE, transitions=RESIDENT_TRANSITIONS,
            checked_in_at=timezone.now(), checked_in_by=actor,
        )
    notify(
        recipients=[resident.user],
        title=lambda: _("Welcome to the community: you are checked in"),
        body=lambda: " ".join([*(render_stored(note) for note in notes if note), _(
            "Before using the portal, please read the community rules and the reward and penalty mechanism, "
            "and confirm that you have read them (岗前告知, 第三章第二条)."
        )]),
        link=reverse("residents:orientation"),
        kind="residents.checked_in",
        dedupe_key=f"checked-in:{resident.pk}",
    )
    return resident


# --- Orientation (岗前告知) ----------------------------------------------------------------------


@transaction.atomic
def orientation_acknowledge(*, resident: Resident, actor: Actor) -> OrientationAcknowledgement:
    """Record that the resident acknowledged the rules and the reward/penalty mechanism of the
    rulebook version in force today (第三章第二条 岗前告知) — the basis of later penalties.

    Once per version: acknowledging again returns the existing record.
    """
    resident = Resident.objects.get(pk=resident.pk)
    if resident.status not in (ResidentStatus.ACTIVE, ResidentStatus.EXITING):
        raise DomainError(_("The rules are acknowledged after check-in."), field="resident")
    version = rulebook.in_force().version
    existing = resident.acknowledgements.filter(rulebook_version=version).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic(), acting_as(actor, action="residents.orientation_acknowledge"):
            return OrientationAcknowledgement.objects.create(
                resident=resident, rulebook_version=version, acknowledged_by=actor
            )
    except IntegrityError:  # a double click: the first one won
        return resident.acknowledgements.get(rulebook_version=version)
