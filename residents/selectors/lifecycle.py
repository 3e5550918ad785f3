"""Reads of the resident's term: renewal state and conditions, expiries, exits, grace (第三章第三条、第四条).

Every list here has a fixed number of queries whatever the number of rows; the
daily jobs select their work set-based (one query) and hand ids to the services.

The §4.3 renewal conditions are the registered ones (``residents.extensions``): this app
judges the fees and the staff's answer on the project (:func:`fees_on_time`,
:func:`direction_fit`, registered in ``ResidentsConfig.ready()``); the discipline app
registers the penalties and rectification notices.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.utils.translation import gettext_lazy as _

from opc_community import rulebook
from residents import extensions
from residents.extensions import Judgement, RenewalCondition, RenewalContext
from residents.models import (
    Agreement,
    AgreementStatus,
    ClearanceItem,
    DepositOutcome,
    Exit,
    ExitClearance,
    ExitKind,
    ExitStatus,
    RenewalRequest,
    RenewalStatus,
    Resident,
    ResidentStatus,
)
from residents.rules import term

ARTICLE_TERM = _("Chapter 3, Article 3")  # 第三章第三条: term and renewal
ARTICLE_EXIT = _("Chapter 3, Article 4")  # 第三章第四条: exits
ARTICLE_ARCHIVE = _("Chapter 3, Article 5")  # 第三章第五条: archive

LIVE_AGREEMENT = (AgreementStatus.ISSUED, AgreementStatus.ACCEPTED)
OPEN_EXIT = (ExitStatus.REQUESTED, ExitStatus.SCHEDULED)

#: The exit checklist, in the order the regulation lists it (第三章第四条: 结清费用、清理物品、注销权限、释放工位).
CHECKLIST = (
    ClearanceItem.FEES_SETTLED,
    ClearanceItem.DEPOSIT_SETTLED,
    ClearanceItem.ITEMS_CLEARED,
    ClearanceItem.DESK_RELEASED,
    ClearanceItem.PERMISSIONS_REVOKED,
)


# --- Agreements -----------------------------------------------------------------------------


def current_agreement(resident: Resident, *, today: date) -> Agreement | None:
    """The accepted agreement the resident is living under: the latest one that has started (one query)."""
    return (
        Agreement.objects.filter(resident=resident, status=AgreementStatus.ACCEPTED, starts_on__lte=today)
        .order_by("-starts_on")
        .first()
    )


def _renewals() -> QuerySet[Agreement]:
    return Agreement.objects.filter(renews=OuterRef("pk"), status__in=LIVE_AGREEMENT)


def renewal_agreement(agreement: Agreement) -> Agreement | None:
    """The live agreement that renews ``agreement`` (issued or accepted), if any (one query)."""
    return Agreement.objects.filter(renews=agreement, status__in=LIVE_AGREEMENT).first()


def last_day_covered(resident: Resident) -> date | None:
    """The end of the resident's last live agreement (a renewal included), or None (one query)."""
    return (
        Agreement.objects.filter(resident=resident, status__in=LIVE_AGREEMENT)
        .order_by("-ends_on")
        .values_list("ends_on", flat=True)
        .first()
    )


# --- Renewal (第三章第三条; RULEBOOK §4.2, §4.3) -----------------------------------------------


@dataclass(frozen=True)
class ConditionView:
    """One §4.3 condition as a person reads it: met (True), failed (False) or waiting for staff (None)."""

    code: str
    met: bool | None
    title: str
    explanation: str
    article: str = ""


def fees_on_time(context: RenewalContext) -> Judgement:
    """All fees paid on time this term (RULEBOOK §4.3): no invoice of the term paid after its due date,
    none overdue and unpaid (ledger: two queries)."""
    from django.utils.formats import date_format

    from residents.selectors import ledger

    since = context.agreement.starts_on
    late = _count(ledger.invoices_paid_late(context.resident, since=since))
    overdue = sum(
        1 for invoice in ledger.outstanding_invoices(context.resident)
        if since <= invoice.due_on < context.today
    )
    start = date_format(since, "DATE_FORMAT")
    if term.fees_paid_on_time(paid_late=late, overdue_unpaid=overdue):
        return Judgement(True, _("Every invoice since %(start)s was paid by its due date.") % {"start": start})
    return Judgement(False, _(
        "Since %(start)s: %(late)d invoice(s) paid after the due date, %(overdue)d overdue and still unpaid."
    ) % {"start": start, "late": late, "overdue": overdue})


def direction_fit(context: RenewalContext) -> Judgement:
    """The project still fits the community's direction: the intake team's answer (None: not yet; no query)."""
    if context.direction_confirmed is None:
        return Judgement(None, str(_("Waiting for the intake team to confirm.")))
    if context.direction_confirmed:
        return Judgement(True, str(_("The intake team confirmed that the project still fits.")))
    return Judgement(False, str(_("The intake team found that the project no longer fits the community's direction.")))


#: This app's conditions (registered in ``ResidentsConfig.ready()``); the order is the regulation's,
#: leaving room for the discipline app's "no violation" (10) and "cooperation" (30).
RESIDENTS_CONDITIONS = (
    RenewalCondition("fees_on_time", 20, _("All fees paid on time this term"), fees_on_time),
    RenewalCondition("direction_fit", 40, _("The project still fits the community's direction"), direction_fit),
)


def _count(rows: Any) -> int:
    if isinstance(rows, int):
        return rows
    if isinstance(rows, QuerySet):
        return rows.count()
    return len(list(rows))


def renewal_conditions_for(
    *, resident: Resident, agreement: Agreement, today: date, direction_confirmed: bool | None
) -> list[ConditionView]:
    """Every registered §4.3 condition, in the regulation's order, with its plain-Chinese explanation."""
    context = RenewalContext(resident=resident, agreement=agreement, today=today,
                             direction_confirmed=direction_confirmed)
    views = []
    for condition in extensions.renewal_conditions():
        judged = condition.judge(context)
        views.append(ConditionView(code=condition.code, met=judged.met, title=str(condition.title),
                                   explanation=str(judged.explanation), article=str(ARTICLE_TERM)))
    return views


def stored_conditions(renewal: RenewalRequest) -> list[ConditionView]:
    """The conditions as they stood when staff decided (kept on the request), titled in today's language."""
    titles = {condition.code: condition.title for condition in extensions.renewal_conditions()}
    return [
        ConditionView(
            code=row["code"],
            met=row["met"],
            title=str(titles.get(row["code"], row.get("title", row["code"]))),
            explanation=row.get("explanation", ""),
            article=str(ARTICLE_TERM),
        )
        for row in renewal.conditions
    ]


@dataclass
class RenewalState:
    """What the renewal page shows: the agreement, the window, the conditions, open and past requests."""

    agreement: Agreement | None
    renewed_by: Agreement | None = None
    opens_on: date | None = None
    open_request: RenewalRequest | None = None
    requests: list[RenewalRequest] = field(default_factory=list)
    conditions: list[ConditionView] = field(default_factory=list)
    can_request: bool = False
    why_not: str = ""

    @property
    def allowed(self) -> bool:
        return bool(self.conditions) and term.renewal_allowed(self.conditions)


def renewal_state(resident: Resident, *, today: date) -> RenewalState:
    """The resident's renewal situation (fixed number of queries: rulebook, agreement, renewal,
    requests, ledger ×2)."""
    rules = rulebook.in_force(today).term
    agreement = current_agreement(resident, today=today)
    requests = list(
        RenewalRequest.objects.filter(resident=resident).select_related("agreement", "new_agreement")
    )
    state = RenewalState(agreement=agreement, requests=requests)
    if agreement is None:
        state.why_not = str(_("You have no agreement in force to renew."))
        return state
    state.renewed_by = renewal_agreement(agreement)
    state.opens_on = term.renewal_reminder_date(agreement.ends_on, rules.renewal_reminder_days)
    state.open_request = next(
        (r for r in requests if r.agreement_id == agreement.pk and r.status == RenewalStatus.REQUESTED), None
    )
    direction = state.open_request.direction_confirmed if state.open_request else None
    state.conditions = renewal_conditions_for(
        resident=resident, agreement=agreement, today=today, direction_confirmed=direction
    )
    state.why_not = renewal_refusal_reason(
        resident=resident, agreement=agreement, today=today, opens_on=state.opens_on,
        reminder_days=rules.renewal_reminder_days,
        renewed=state.renewed_by is not None, open_request=state.open_request is not None,
    )
    state.can_request = not state.why_not
    return state


def renewal_refusal_reason(
    *,
    resident: Resident,
    agreement: Agreement,
    today: date,
    opens_on: date,
    reminder_days: int,
    renewed: bool,
    open_request: bool,
) -> str:
    """Why a renewal request cannot be made now ("" when it can): shared by the page and the service."""
    from django.utils.formats import date_format

    if resident.status != ResidentStatus.ACTIVE:
        return str(_("An exit is in progress: a renewal can no longer be requested."))
    if renewed:
        return str(_("This agreement has already been renewed."))
    if open_request:
        return str(_("Your renewal request is waiting for the intake team's decision."))
    if term.expired(agreement.ends_on, today):
        return str(_("The agreement ended on %(date)s: it can no longer be renewed (Chapter 3, Article 4).")) % {
            "date": date_format(agreement.ends_on, "DATE_FORMAT")
        }
    if today < opens_on:
        return str(
            _("Renewal opens with the reminder on %(date)s, %(days)d days before the end (Chapter 3, Article 3).")
        ) % {"date": date_format(opens_on, "DATE_FORMAT"), "days": reminder_days}
    return ""


# --- Daily jobs: set-based selection ------------------------------------------------------------


def agreement_ids_due_for_reminder(*, today: date, reminder_days: int) -> list[int]:
    """Accepted agreements whose reminder is due and not yet sent (RULEBOOK §4.2): one query.

    Same window as :func:`residents.rules.term.renewal_reminder_due`: from the reminder date
    (end − 30 days) up to the end date. Skipped: agreements already renewed, residents with an exit applied for or in progress.
    """
    return list(
        Agreement.objects.filter(
            status=AgreementStatus.ACCEPTED,
            renewal_reminder_sent_at__isnull=True,
            ends_on__gte=today,
            ends_on__lte=today + timedelta(days=reminder_days),
            resident__status=ResidentStatus.ACTIVE,
        )
        .exclude(Exists(_renewals()))
        .exclude(Exists(Exit.objects.filter(resident=OuterRef("resident"), status__in=OPEN_EXIT)))
        .order_by("ends_on", "pk")
        .values_list("pk", flat=True)
    )


def agreement_ids_expired(*, today: date) -> list[int]:
    """Accepted agreements whose end date has passed (RULEBOOK §4.4): one query.

    The service decides for each: renewed (closed as such), renewal still undecided
    (left for staff), or not renewed (expiry exit with a grace period).
    """
    return list(
        Agreement.objects.filter(status=AgreementStatus.ACCEPTED, ends_on__lt=today)
        .order_by("ends_on", "pk")
        .values_list("pk", flat=True)
    )


class _DaysBetween(Func):
    """``today - date_column`` in days (PostgreSQL date subtraction gives an integer)."""

    arg_joiner = " - "
    template = "(%(expressions)s)"
    output_field = IntegerField()


def overdue_exits(*, today: date) -> QuerySet[Exit]:
    """Expiry exits still open after their grace period, with ``days_after_grace`` (≥ 1) annotated.

    For the discipline app's 逾期退出 ladder (RULEBOOK §9 1b: 1–3 → warning, 4–7 → fine,
    > 7 → forced exit). Set-based: one query whatever the number of exits; the count equals
    :func:`residents.rules.term.days_after` (grace day 7 → 0, not listed; day 8 → 1).
    """
    return (
        Exit.objects.filter(
            kind=ExitKind.EXPIRY, status=ExitStatus.SCHEDULED, grace_ends_on__lt=today
        )
        .select_related("resident")
        .annotate(days_after_grace=_DaysBetween(Value(today), F("grace_ends_on")))
        .order_by("grace_ends_on", "pk")
    )


# --- Exits ------------------------------------------------------------------------------------


def open_exit(resident: Resident) -> Exit | None:
    """The resident's exit in progress (requested or scheduled), if any (one query)."""
    return Exit.objects.filter(resident=resident, status__in=OPEN_EXIT).first()


def exits_of(resident: Resident) -> QuerySet[Exit]:
    """The resident's exits, newest first, with their clearances (two queries)."""
    return Exit.objects.filter(resident=resident).prefetch_related("clearances__cleared_by")


@dataclass(frozen=True)
class ChecklistRow:
    item: str
    label: str
    clearance: ExitClearance | None


def exit_checklist(exit: Exit) -> list[ChecklistRow]:
    """The five clearance items in the regulation's order, each with who cleared it (uses prefetched rows)."""
    done = {clearance.item: clearance for clearance in exit.clearances.all()}
    return [ChecklistRow(item=item, label=str(item.label), clearance=done.get(item)) for item in CHECKLIST]


def deposit_outcome_label(exit: Exit) -> str:
    return str(DepositOutcome(exit.deposit_outcome).label)


# --- Residents for staff -----------------------------------------------------------------------


def residents_for_staff(*, today: date) -> QuerySet[Resident]:
    """Residents with their current agreement's end and open exit annotated (one query for any number).

    Annotations: ``agreement_ends_on`` (the last live agreement's end, a renewal included),
    ``exit_kind``/``exit_status``/``grace_ends_on`` of the exit in progress.
    """
    live = Agreement.objects.filter(resident=OuterRef("pk"), status__in=LIVE_AGREEMENT).order_by("-ends_on")
    in_progress = Exit.objects.filter(resident=OuterRef("pk"), status__in=OPEN_EXIT).order_by("-created_at")
    return Resident.objects.select_related("application", "user").annotate(
        agreement_ends_on=Subquery(live.values("ends_on")[:1]),
        exit_kind=Subquery(in_progress.values("kind")[:1]),
        exit_status=Subquery(in_progress.values("status")[:1]),
        grace_ends_on=Subquery(in_progress.values("grace_ends_on")[:1]),
    )


def ending_within(queryset: QuerySet[Resident], *, today: date, days: int) -> QuerySet[Resident]:
    """Residents whose last live agreement ends within ``days`` days (the renewal window)."""
    return queryset.filter(agreement_ends_on__gte=today, agreement_ends_on__lte=today + timedelta(days=days))


def in_grace(queryset: QuerySet[Resident], *, today: date) -> QuerySet[Resident]:
    """Residents in the grace period of an expiry exit (grace not yet over)."""
    return queryset.filter(
        exits__kind=ExitKind.EXPIRY, exits__status=ExitStatus.SCHEDULED, exits__grace_ends_on__gte=today
    )


def grace_over(queryset: QuerySet[Resident], *, today: date) -> QuerySet[Resident]:
    """Residents still there after the grace period (overdue exit, RULEBOOK §9 1b)."""
    return queryset.filter(
        exits__kind=ExitKind.EXPIRY, exits__status=ExitStatus.SCHEDULED, exits__grace_ends_on__lt=today
    )


def outstanding_total(resident: Resident) -> Decimal:
    """What the resident still owes on open invoices (ledger selector; one query)."""
    from residents.selectors import ledger

    return sum((_balance(invoice) for invoice in ledger.outstanding_invoices(resident)), Decimal("0.00"))


def _balance(invoice: Any) -> Decimal:
    """The open balance of an invoice as the ledger selector annotates it."""
    for name in ("balance", "outstanding", "amount_due"):
        value = getattr(invoice, name, None)
        if value is not None:
            return Decimal(value)
    return Decimal(invoice.amount)


def open_renewal_requests(resident: Resident) -> QuerySet[RenewalRequest]:
    return RenewalRequest.objects.filter(resident=resident, status=RenewalStatus.REQUESTED)


def latest_refusal_on(agreement: Agreement) -> date | None:
    """The date of the last refused renewal request of the agreement (grace runs from it if later)."""
    from django.utils import timezone

    decided = (
        RenewalRequest.objects.filter(agreement=agreement, status=RenewalStatus.REFUSED)
        .order_by("-decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    return timezone.localdate(decided) if decided else None


def residents_by_ids(ids: list[int]) -> QuerySet[Resident]:
    return Resident.objects.filter(pk__in=ids)


__all__ = [
    "CHECKLIST", "ChecklistRow", "ConditionView", "RenewalState", "agreement_ids_due_for_reminder",
    "agreement_ids_expired", "current_agreement", "direction_fit", "fees_on_time", "exit_checklist", "exits_of",
    "grace_over", "in_grace", "ending_within", "last_day_covered", "open_exit", "overdue_exits",
    "outstanding_total", "renewal_agreement", "renewal_conditions_for", "renewal_state",
    "residents_for_staff", "stored_conditions",
]
