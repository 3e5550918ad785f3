"""Reads of compute and model vouchers (RULEBOOK §6): the resident's grants, the staff queue, the ledger,
the per-programme uptake report and the archive section — each in a fixed number of queries."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DecimalField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from residents.models import Resident
from resources.models import (
    ApplicationStatus,
    EntryKind,
    VoucherApplication,
    VoucherEntry,
    VoucherGrant,
    VoucherProgramme,
)
from resources.rules import vouchers as rules

ARCHIVE_LABEL = gettext_lazy("Compute and model vouchers")

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


def open_programmes(*, today: Any = None) -> QuerySet[VoucherProgramme]:
    """Published programmes taking applications today."""
    today = today or timezone.localdate()
    return VoucherProgramme.objects.filter(
        published_at__isnull=False, opens_on__lte=today, closes_on__gte=today
    ).select_related("provider").order_by("closes_on", "title")


def published_programmes() -> QuerySet[VoucherProgramme]:
    return VoucherProgramme.objects.filter(published_at__isnull=False).select_related("provider")


def grants_of(resident: Resident) -> QuerySet[VoucherGrant]:
    return VoucherGrant.objects.filter(resident=resident).select_related("programme__provider")


def applications_of(resident: Resident) -> QuerySet[VoucherApplication]:
    return VoucherApplication.objects.filter(resident=resident).select_related("programme__provider", "grant")


def entries_of(resident: Resident) -> QuerySet[VoucherEntry]:
    return VoucherEntry.objects.filter(grant__resident=resident).select_related("grant").order_by("-at", "-id")


@dataclass(frozen=True)
class GrantLine:
    grant: VoucherGrant
    state: str  # active / frozen / expired / ended
    last_day: Any
    expiring: bool


def grant_state(grant: VoucherGrant, *, now: datetime) -> str:
    if grant.ended_at is not None:
        return "ended"
    if grant.expired_at is not None or rules.is_expired(expiry=grant.expires_at, now=now):
        return "expired"
    if grant.frozen_at is not None:
        return "frozen"
    return "active"


STATE_LABELS = {
    "active": gettext_lazy("usable"),
    "frozen": gettext_lazy("frozen"),
    "expired": gettext_lazy("expired"),
    "ended": gettext_lazy("ended at exit"),
}


def grant_lines(resident: Resident, *, now: datetime | None = None) -> list[GrantLine]:
    """The resident's grants with their state and whether they expire soon (one query)."""
    now = now or timezone.now()
    days = rulebook.in_force(on=timezone.localdate(now)).vouchers.expiry_warning_days
    lines = []
    for grant in grants_of(resident):
        state = grant_state(grant, now=now)
        lines.append(GrantLine(
            grant=grant, state=state, last_day=rules.last_day(grant.expires_at),
            expiring=state == "active" and rules.expires_soon(expiry=grant.expires_at, balance=grant.balance,
                                                             now=now, warning_days=days),
        ))
    return lines


def balances(lines: list[GrantLine]) -> dict[str, Decimal]:
    """Usable balance per unit label."""
    totals: dict[str, Decimal] = {}
    for line in lines:
        if line.state == "active":
            label = line.grant.get_unit_display()
            totals[label] = totals.get(label, Decimal("0")) + line.grant.balance
    return totals


def queue(*, status: str | None = ApplicationStatus.SUBMITTED) -> QuerySet[VoucherApplication]:
    """The review queue, the soonest deadline first."""
    applications = VoucherApplication.objects.select_related("programme__provider", "resident", "decided_by")
    if status:
        applications = applications.filter(status=status)
    return applications.order_by("review_due_at", "pk").annotate(file_count=Count("files"))


def sla_of(application: VoucherApplication, *, now: datetime | None = None) -> rules.Sla:
    return rules.review_sla(due_at=application.review_due_at, decided_at=application.decided_at,
                            now=now or timezone.now())


@dataclass(frozen=True)
class Uptake:
    programme: VoucherProgramme
    applications: int
    approved: int
    refused: int
    pending: int
    granted: Decimal
    used: Decimal
    expired: Decimal
    balance: Decimal

    @property
    def percent(self) -> Decimal | None:
        return rules.uptake_percent(granted=self.granted, used=self.used)

    @property
    def budget_left(self) -> Decimal:
        return rules.budget_left(budget=self.programme.budget, granted_total=self.granted)


def uptake(programmes: QuerySet[VoucherProgramme] | None = None) -> list[Uptake]:
    """Per programme: applications by outcome, amount granted, used, expired and left (three queries)."""
    programmes = list((programmes if programmes is not None else VoucherProgramme.objects.all())
                      .select_related("provider"))
    ids = [p.pk for p in programmes]
    counts = {
        row["programme"]: row for row in VoucherApplication.objects.filter(programme__in=ids).values("programme")
        .annotate(
            total=Count("pk"),
            approved=Count("pk", filter=Q(status=ApplicationStatus.APPROVED)),
            refused=Count("pk", filter=Q(status=ApplicationStatus.REFUSED)),
            pending=Count("pk", filter=Q(status=ApplicationStatus.SUBMITTED)),
        )
    }
    amounts = {
        row["grant__programme"]: row for row in VoucherEntry.objects.filter(grant__programme__in=ids)
        .values("grant__programme").annotate(
            granted=Coalesce(Sum(Case(When(kind__in=(EntryKind.ISSUE, EntryKind.REWARD), then="amount"))), ZERO),
            used=Coalesce(Sum(Case(When(kind=EntryKind.USE, then="amount"))), ZERO),
            expired=Coalesce(Sum(Case(When(kind__in=(EntryKind.EXPIRY, EntryKind.EXIT), then="amount"))), ZERO),
            balance=Coalesce(Sum("amount"), ZERO),
        )
    }
    rows = []
    for programme in programmes:
        c = counts.get(programme.pk, {})
        a = amounts.get(programme.pk, {})
        rows.append(Uptake(
            programme=programme, applications=c.get("total", 0), approved=c.get("approved", 0),
            refused=c.get("refused", 0), pending=c.get("pending", 0),
            granted=a.get("granted", Decimal("0")), used=-a.get("used", Decimal("0")),
            expired=-a.get("expired", Decimal("0")), balance=a.get("balance", Decimal("0")),
        ))
    return rows


def archive_entries(resident: Any) -> list[Any]:
    """The resident's voucher history as archive lines: applications and their decisions, grants and the
    movements that closed them (two queries)."""
    from residents.selectors.archive import Entry, _name

    entries = []
    for application in VoucherApplication.objects.filter(resident=resident).select_related("programme",
                                                                                          "decided_by"):
        entries.append(Entry(
            at=application.submitted_at, section="voucher",
            title=_("Voucher application: %(programme)s, %(status)s")
            % {"programme": application.programme.title, "status": application.get_status_display()},
            detail=" · ".join(part for part in (application.purpose[:120], application.refusal_reason) if part),
            actor=_name(application.decided_by) if application.decided_by_id else str(resident),
        ))
    for entry in VoucherEntry.objects.filter(grant__resident=resident).exclude(kind=EntryKind.USE).select_related(
        "grant", "recorded_by"
    ):
        entries.append(Entry(
            at=entry.at, section="voucher",
            title=_("Voucher %(number)s %(kind)s: %(amount)s %(unit)s")
            % {"number": entry.grant.number, "kind": entry.get_kind_display(), "amount": entry.amount,
               "unit": entry.grant.get_unit_display()},
            detail=entry.note, actor=_name(entry.recorded_by) if entry.recorded_by_id else "",
        ))
    return sorted(entries, key=lambda entry: entry.at)
