"""Scale data of the residents app (``manage.py seed_scale``; opc_community/core/scale.py): per resident an
approved application, the resident checked in 2 to 11 months ago, the orientation acknowledged, an accepted
12-month agreement with its fee invoices (``fee_schedule``, as the agreement service issues them) and the
deposit paid, payments of the invoices due, and about one complaint.

Proportions (per 1,000 residents): 5 in 6 pay monthly (12 invoices), 1 in 6 per term (1 invoice);
1 in 15 paid invoices in two instalments; 10 residents with their latest fee unpaid (the overdue-fee ladder's
daily work, 1–30 days) and 2 more with the two latest (31–60 days); complaints: 1 per resident, most
closed, a few open, in progress or awaiting the resident's confirmation, deadlines from the working-day
calendar as the complaint service computes them.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from opc_community import rulebook, workdays
from opc_community.core.scale import BATCH, Scale, ScaleResident
from residents.models import (
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Complaint,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintStatus,
    DepositEntry,
    DepositEntryKind,
    Direction,
    EntityType,
    FeePeriod,
    Invoice,
    InvoiceKind,
    OrientationAcknowledgement,
    Payment,
    PaymentMethod,
    Resident,
    ResidentStatus,
)
from residents.rules.identity import id_card_check_character
from residents.rules.term import agreement_end, fee_schedule
from residents.services import agreements

MONTHLY_FEE = Decimal("600.00")
TERM_FEE = Decimal("6000.00")
DEPOSIT = Decimal("2000.00")
METHODS = (
    PaymentMethod.BANK_TRANSFER,
    PaymentMethod.WECHAT,
    PaymentMethod.ALIPAY,
    PaymentMethod.CASH,
)
CATEGORIES = ComplaintCategory.values


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _id_number(n: int) -> str:
    """A well-formed ID card number of its own for the n-th scale resident (area 440183, born 1970–1997)."""
    born = date(1970, 1, 1) + timedelta(days=n // 500)
    first17 = f"440183{born:%Y%m%d}{n % 500 + 100:03d}"
    return first17 + id_card_check_character(first17)


def _checked_in_on(scale: Scale, n: int) -> date:
    """Spread over 2 weeks to ~11.5 months ago, so that a few agreements near their end (renewal reminders)."""
    return scale.today - timedelta(days=14 + (n * 7919) % 332)


def _residents(scale: Scale) -> None:
    zone = _zone()
    applications = []
    for n, user in enumerate(scale.users, start=scale.first):
        decided = datetime.combine(
            _checked_in_on(scale, n) - timedelta(days=10), time(15), tzinfo=zone
        )
        applications.append(
            Application(
                applicant=user,
                status=ApplicationStatus.APPROVED,
                entity_type=EntityType.INDIVIDUAL,
                direction=(Direction.AI_NATIVE, Direction.DIGITAL_ECONOMY, Direction.CROSS_BORDER)[
                    n % 3
                ],
                person_name=user.full_name,
                id_number=_id_number(n),
                phone=user.phone,
                project_summary="规模数据：一人公司项目",
                declares_no_dishonesty=True,
                consent_id_processing_at=decided - timedelta(days=20),
                consent_public_naming=True,
                consent_public_naming_at=decided - timedelta(days=20),
                round=1,
                submitted_at=decided - timedelta(days=20),
                evaluated_at=decided - timedelta(days=5),
                decided_at=decided,
                reviewer=scale.staff,
            )
        )
    applications = Application.objects.bulk_create(applications, batch_size=BATCH)
    residents = Resident.objects.bulk_create(
        [
            Resident(
                user=user,
                application=application,
                name=user.full_name,
                status=ResidentStatus.ACTIVE,
                checked_in_at=datetime.combine(_checked_in_on(scale, n), time(9, 30), tzinfo=zone),
                checked_in_by=scale.staff,
            )
            for n, (user, application) in enumerate(
                zip(scale.users, applications, strict=True), start=scale.first
            )
        ],
        batch_size=BATCH,
    )
    scale.residents = [
        ScaleResident(
            pk=resident.pk,
            user_id=resident.user_id,
            sequence=n,
            checked_in_at=resident.checked_in_at,
        )
        for n, resident in enumerate(residents, start=scale.first)
    ]


def _agreements(scale: Scale, version: int, months: int) -> list[Agreement]:
    """Accepted agreements starting on the check-in day, numbered on from the year's last number."""
    zone = _zone()
    next_numbers: dict[int, int] = {}
    rows = []
    for resident in scale.residents:
        starts_on = resident.checked_in_at.date()
        issued_on = starts_on - timedelta(days=7)
        if issued_on.year not in next_numbers:
            prefix = f"OPC-{issued_on.year}-"
            next_numbers[issued_on.year] = int(
                agreements._next_number(issued_on.year).removeprefix(prefix)
            )
        sequence = next_numbers[issued_on.year]
        next_numbers[issued_on.year] += 1
        monthly = resident.sequence % 6 != 0
        rows.append(
            Agreement(
                resident_id=resident.pk,
                number=f"OPC-{issued_on.year}-{sequence:04d}",
                status=AgreementStatus.ACCEPTED,
                starts_on=starts_on,
                ends_on=agreement_end(starts_on, months),
                fee_amount=MONTHLY_FEE if monthly else TERM_FEE,
                fee_period=FeePeriod.MONTHLY if monthly else FeePeriod.TERM,
                deposit_amount=DEPOSIT,
                rulebook_version=version,
                issued_by=scale.staff,
                accepted_at=datetime.combine(
                    issued_on + timedelta(days=2), time(20, 15), tzinfo=zone
                ),
            )
        )
    return Agreement.objects.bulk_create(rows, batch_size=BATCH)


def _reserve_invoice_ids(count: int) -> list[int]:
    """Ids from the invoice sequence, so that numbers carry them as ``invoice_create`` numbers them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Invoice._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _invoices(scale: Scale, contracts: list[Agreement], months: int) -> list[Invoice]:
    schedules = [
        (
            agreement,
            fee_schedule(
                starts_on=agreement.starts_on,
                months=months,
                fee_period=agreement.fee_period,
                fee_amount=agreement.fee_amount,
            ),
        )
        for agreement in contracts
    ]
    ids = iter(_reserve_invoice_ids(sum(len(charges) for _agreement, charges in schedules)))
    rows = []
    for agreement, charges in schedules:
        issued_on = agreement.starts_on - timedelta(days=7)
        for charge in charges:
            invoice_id = next(ids)
            rows.append(
                Invoice(
                    pk=invoice_id,
                    resident_id=agreement.resident_id,
                    agreement=agreement,
                    number=f"INV-{issued_on.year}-{invoice_id:06d}",
                    kind=InvoiceKind.FEE,
                    description=agreements._fee_description(agreement, charge),
                    amount=charge.amount,
                    issued_on=issued_on,
                    due_on=charge.due_on,
                    period_start=charge.period_start,
                    period_end=charge.period_end,
                    source_key=f"agreement:{agreement.pk}:fee:{charge.index}",
                    created_by=scale.staff,
                )
            )
    return Invoice.objects.bulk_create(rows, batch_size=BATCH)


def _unpaid(scale: Scale, invoices: list[Invoice]) -> set[int]:
    """The invoices left open: the latest due fee of 1 % of the residents, the two latest of 0.2 %."""
    due: dict[int, list[Invoice]] = {}
    for invoice in invoices:
        if invoice.due_on < scale.today:
            due.setdefault(invoice.resident_id, []).append(invoice)
    sequence = {resident.pk: resident.sequence for resident in scale.residents}
    unpaid: set[int] = set()
    for resident_id, owed in due.items():
        owed.sort(key=lambda invoice: invoice.due_on)
        n = sequence[resident_id]
        if n % 100 == 7 or n % 500 == 11:
            unpaid.update(invoice.pk for invoice in owed[-(2 if n % 500 == 11 else 1) :])
    return unpaid


def _payments(scale: Scale, invoices: list[Invoice]) -> None:
    """Every fee due before today paid (a few in two instalments, some late) except :func:`_unpaid`; then
    ``settled_on`` set as the payment service sets it (one UPDATE: the audit trail records each)."""
    unpaid = _unpaid(scale, invoices)
    rows = []
    for i, invoice in enumerate(invoices):
        if invoice.due_on >= scale.today or invoice.pk in unpaid:
            continue
        paid_on = min(invoice.due_on + timedelta(days=i % 7 - 4), scale.today)
        method = METHODS[i % len(METHODS)]
        reference = f"SCALE{invoice.pk:07d}"
        if i % 15 == 0:
            half = (invoice.amount / 2).quantize(Decimal("0.01"))
            rows.append(
                Payment(
                    invoice=invoice,
                    resident_id=invoice.resident_id,
                    amount=half,
                    paid_on=paid_on,
                    method=method,
                    reference=reference,
                    recorded_by=scale.staff,
                )
            )
            rows.append(
                Payment(
                    invoice=invoice,
                    resident_id=invoice.resident_id,
                    amount=invoice.amount - half,
                    paid_on=min(paid_on + timedelta(days=5), scale.today),
                    method=method,
                    reference=reference,
                    recorded_by=scale.staff,
                )
            )
        else:
            rows.append(
                Payment(
                    invoice=invoice,
                    resident_id=invoice.resident_id,
                    amount=invoice.amount,
                    paid_on=paid_on,
                    method=method,
                    reference=reference,
                    recorded_by=scale.staff,
                )
            )
    Payment.objects.bulk_create(rows, batch_size=BATCH)
    first, last = invoices[0].pk, invoices[-1].pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE residents_invoice i SET settled_on = p.last
              FROM (SELECT invoice_id, max(paid_on) AS last, sum(amount) AS paid FROM residents_payment
                     WHERE invoice_id BETWEEN %s AND %s GROUP BY invoice_id) p
             WHERE p.invoice_id = i.id AND p.paid >= i.amount AND i.settled_on IS NULL
            """,
            [first, last],
        )


def _deposits_and_orientation(scale: Scale, contracts: list[Agreement], version: int) -> None:
    DepositEntry.objects.bulk_create(
        [
            DepositEntry(
                resident_id=agreement.resident_id,
                agreement=agreement,
                kind=DepositEntryKind.PAID,
                amount=agreement.deposit_amount,
                on=agreement.starts_on - timedelta(days=1),
                note="入驻前银行转账缴纳",
                recorded_by=scale.staff,
            )
            for agreement in contracts
        ],
        batch_size=BATCH,
    )
    OrientationAcknowledgement.objects.bulk_create(
        [
            OrientationAcknowledgement(
                resident_id=resident.pk,
                rulebook_version=version,
                acknowledged_by_id=resident.user_id,
            )
            for resident in scale.residents
        ],
        batch_size=BATCH,
    )


def _complaints(scale: Scale) -> None:
    """One complaint per resident, filed after check-in; 92 % closed, the rest in every open state."""
    deadlines = rulebook.in_force(on=scale.today).deadlines
    zone = _zone()
    memo: dict[date, tuple[datetime, datetime, bool]] = {}

    def due(filed_at: datetime) -> tuple[datetime, datetime, bool]:
        day = filed_at.date()
        if day not in memo:
            response = workdays.deadline(filed_at, deadlines.complaint_response_working_days)
            solution = workdays.deadline(filed_at, deadlines.complaint_solution_working_days)
            memo[day] = (response.at, solution.at, response.provisional or solution.provisional)
        return memo[day]

    rows = []
    for resident in scale.residents:
        n = resident.sequence
        since = (scale.today - resident.checked_in_at.date()).days
        state = n % 50
        if state < 46:  # closed: filed weeks ago, answered, solved and confirmed
            filed_at = datetime.combine(
                scale.today - timedelta(days=7 + n % max(since - 6, 1)), time(10), tzinfo=zone
            )
        else:  # open (46, 47), in progress (48), solved awaiting confirmation (49): filed in the last days
            filed_at = datetime.combine(
                scale.today - timedelta(days=n % 4), time(9, 15), tzinfo=zone
            )
        response_due, solution_due, provisional = due(filed_at)
        complaint = Complaint(
            resident_id=resident.pk,
            filed_by_id=resident.user_id,
            channel=ComplaintChannel.PORTAL,
            category=CATEGORIES[n % len(CATEGORIES)],
            subject=f"规模数据诉求 {n}",
            text="工位附近空调温度偏低，请协助调整。",
            status=ComplaintStatus.OPEN,
            filed_at=filed_at,
            response_due_at=response_due,
            solution_due_at=solution_due,
            due_provisional=provisional,
        )
        if state < 46 or state >= 48:
            complaint.assigned_to = scale.staff
            complaint.responded_at = min(filed_at + timedelta(hours=20), scale.now)
            complaint.status = ComplaintStatus.IN_PROGRESS
        if state < 46 or state == 49:
            complaint.solved_at = min(filed_at + timedelta(days=3), scale.now)
            complaint.status = ComplaintStatus.SOLVED
        if state < 46:
            complaint.closed_at = filed_at + timedelta(days=5)
            complaint.status = ComplaintStatus.CLOSED
        rows.append(complaint)
    Complaint.objects.bulk_create(rows, batch_size=BATCH)


def seed_scale(scale: Scale) -> None:
    rules = rulebook.in_force(on=scale.today)
    months = rules.term.agreement_months
    _residents(scale)
    contracts = _agreements(scale, rules.version, months)
    invoices = _invoices(scale, contracts, months)
    _payments(scale, invoices)
    _deposits_and_orientation(scale, contracts, rules.version)
    _complaints(scale)
