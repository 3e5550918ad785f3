"""What a confirmed penalty does (第八章第二条; RULEBOOK §9), measure by measure, through the owning apps'
services: invoices in the residents ledger, suspensions, the forced exit, the deposit forfeited, staff
tasks. ``EFFECTS`` maps each measure type to its handler; a type without one (a warning) is recorded as
applied and does nothing else.

Applied once, on confirmation: a measure with ``applied_at`` is skipped, so re-running applies nothing
twice (the measure rows are locked). Each handler returns the fields the measure row records (the
invoice or suspension it produced, a note).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import CaseStatus, PenaltyMeasure, Suspension, ViolationCase
from discipline.rules.occupants import APPLICATION_BAN
from discipline.selectors import cases as selectors
from discipline.services.case_support import FINE_DUE_DAYS, kind_name
from discipline.services.interim import interim_lift
from opc_community import rulebook
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.errors import InvalidTransition
from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan
from opc_community.portal.services import notify
from residents.models import Invoice, InvoiceKind, Resident

#: Order of application: invoices first (an "until paid" suspension may wait for the fine), then
#: suspensions, then the forced exit (which forfeits the deposit), then a lone deposit forfeiture.
_EFFECT_ORDER = {
    "fine": 0, "compensation": 0, "confiscation": 0, "suspension": 1, "forced_exit": 2, "deposit_forfeiture": 3,
    "eviction": 4,
}


@dataclass
class EffectRun:
    """What the handlers of one case share while its measures are applied."""

    case: ViolationCase
    resident: Resident | None  # None: a case against an occupant (OCCUPANT_EFFECTS)
    today: date
    now: datetime
    kind_name: str
    has_forced_exit: bool
    fine_invoice: Invoice | None = None  # the case's fine, which an "until paid" suspension may wait for


Handler = Callable[[PenaltyMeasure, EffectRun], dict[str, Any]]

#: The ledger's kind of the invoice a measure creates.
INVOICE_KINDS = {"fine": InvoiceKind.FINE, "compensation": InvoiceKind.COMPENSATION, "confiscation": InvoiceKind.FINE}


def _invoice(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """Fine / compensation / gains confiscated (没收违规所得): an invoice due ``FINE_DUE_DAYS`` calendar days
    later (confiscated gains are owed like a fine, as a line of the residents ledger)."""
    from residents.services.ledger import invoice_create

    case = run.case
    description = {
        "fine": _("Fine, case %(number)s (%(kind)s)"),
        "compensation": _("Compensation, case %(number)s (%(kind)s)"),
        "confiscation": _("Gains confiscated, case %(number)s (%(kind)s)"),
    }[measure.type]
    invoice = invoice_create(
        resident=run.resident,
        kind=INVOICE_KINDS[measure.type],
        description=description % {"number": case.number, "kind": run.kind_name},
        amount=measure.amount,
        due_on=run.today + timedelta(days=FINE_DUE_DAYS),
        source_key=f"case:{case.pk}:{measure.type}:{measure.pk}",
        actor=None,
    )
    if measure.type == "fine":
        run.fine_invoice = invoice
    return {"invoice": invoice}


def _suspension(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """A suspension of the measure's scope, for its days or until the invoice it waits for is paid (none
    when that invoice is already paid)."""
    waits_for = None
    if measure.until_paid:
        waits_for = measure.invoice if measure.invoice_id else run.fine_invoice
    if measure.until_paid and waits_for is not None and waits_for.settled_on is not None:
        return {"note": str(_("invoice already paid: no suspension"))}
    suspension = Suspension.objects.create(
        resident=run.resident,
        scope=measure.scope,
        starts_at=run.now,
        ends_at=None if measure.until_paid else run.now + timedelta(days=measure.days or 0),
        until_paid=waits_for,
        reason=(_("Case %(number)s: %(measure)s") % {
            "number": run.case.number, "measure": selectors.describe_measure(measure)})[:300],
        created_by=run.case.decided_by,
    )
    updates: dict[str, Any] = {"suspension": suspension}
    if waits_for is not None:
        updates["invoice"] = waits_for
    return updates


def _forced_exit(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """清退: the forced exit (which forfeits the deposit) with the re-application ban of the measure."""
    from residents.models import BanSource, ResidentStatus
    from residents.services.lifecycle import force_exit

    if run.resident.status == ResidentStatus.EXITED:
        return {"note": str(_("already exited: no forced exit"))}
    source = measure.note.removeprefix("ban:")
    force_exit(
        resident=run.resident,
        reason=_("Case %(number)s: %(kind)s (Chapter 8, Article 2)") % {
            "number": run.case.number, "kind": run.kind_name},
        ban_years=measure.ban_years or rulebook.in_force(on=run.case.occurred_on).bans.forced_exit_years,
        actor=None,
        ban_source=source if source in BanSource.values else BanSource.FORCED_EXIT,
        today=run.today,
    )
    run.resident.refresh_from_db()
    return {}


def _eviction(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """责令立即退出 (1a): an exit ordered today with its clearance steps for the daily management team
    (``residents.services.lifecycle.exit_ordered``); nothing when the resident has already exited."""
    from residents.models import ResidentStatus
    from residents.services.lifecycle import exit_ordered

    if run.resident.status == ResidentStatus.EXITED:
        return {"note": str(_("already exited: no exit ordered"))}
    exit = exit_ordered(
        resident=run.resident,
        reason=_("Case %(number)s: %(kind)s (Chapter 8, Article 2)") % {
            "number": run.case.number, "kind": run.kind_name},
        actor=None,
        today=run.today,
    )
    run.resident.refresh_from_db()
    return {"note": str(_("exit ordered (no. %(exit)s)") % {"exit": exit.pk})}


def _deposit_forfeiture(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """The deposit held is forfeited (with a forced exit of the same case, the exit forfeits it)."""
    from residents.selectors.ledger import deposit_held
    from residents.services.ledger import deposit_record

    if run.has_forced_exit:
        return {"note": str(_("forfeited with the forced exit"))}
    held = deposit_held(run.resident)
    if held <= 0:
        return {"note": str(_("no deposit held"))}
    deposit_record(
        resident=run.resident, kind="forfeited", amount=held, on=run.today,
        note=_("Case %(number)s") % {"number": run.case.number}, actor=None,
    )
    return {"note": str(_("forfeited %(amount)s") % {"amount": format_yuan(held)})}


def _staff_task(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """报请有关部门 / 依法追究法律责任: a task for the administrator, who follows it up outside the system."""
    case = run.case
    what = selectors.describe_type(measure.type)
    notify(
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda: _("Case %(number)s: %(measure)s") % {"number": case.number, "measure": what},
        body=lambda: _("The confirmed penalty of case %(number)s includes “%(measure)s”: please follow it up.")
        % {"number": case.number, "measure": what},
        link=reverse("admin:discipline_violationcase_change", args=[case.pk]),
        kind="discipline.staff_task",
        dedupe_key=f"discipline:measure:{measure.pk}:task",
    )
    return {"note": str(_("staff task sent to the administrator"))}


#: Measure type → what it does. Register a new measure type of the penalty table here.
EFFECTS: dict[str, Handler] = {
    "fine": _invoice,
    "compensation": _invoice,
    "confiscation": _invoice,
    "eviction": _eviction,
    "suspension": _suspension,
    "forced_exit": _forced_exit,
    "deposit_forfeiture": _deposit_forfeiture,
    "report_authorities": _staff_task,
    "legal_liability": _staff_task,
}


def _nothing(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    return {}


# --- A case against an occupant (1a; ``discipline.rules.occupants``) ---------------------------------------


def _staff_note(measure: PenaltyMeasure, run: EffectRun, *, role: str, body: Callable[[], str]) -> None:
    case = run.case
    notify(
        recipients=members_of(role),
        title=lambda: _("Case %(number)s: %(measure)s") % {
            "number": case.number, "measure": selectors.describe_measure(measure)},
        body=body,
        link=reverse("admin:discipline_violationcase_change", args=[case.pk]),
        kind="discipline.staff_task",
        dedupe_key=f"discipline:measure:{measure.pk}:task",
    )


def _occupant_eviction(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """责令立即退出 of someone who is no resident: the daily management team clears the space (no exit record:
    there is no agreement) and is told so."""
    name = run.case.occupant_name
    _staff_note(measure, run, role=Role.DAILY, body=lambda: _(
        "Case %(number)s is confirmed: %(name)s, who is not a resident, must leave at once. Clear the space and "
        "return the desk to use (Chapter 8, Article 2).") % {"number": run.case.number, "name": name})
    return {"note": str(_("clearing of the space sent to the daily management team"))}


def _occupant_payment(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """A fine (or compensation) owed by someone who has no place in the residents ledger: collected by the
    finance team against a receipt, the administrator told."""
    name = run.case.occupant_name
    what = selectors.describe_measure(measure)
    _staff_note(measure, run, role=Role.ADMINISTRATOR, body=lambda: _(
        "Case %(number)s is confirmed: %(name)s, who is not a resident, owes %(measure)s. It is not an invoice of "
        "the residents ledger: collect it against a receipt (Chapter 8, Article 2).")
        % {"number": run.case.number, "name": name, "measure": what})
    return {"note": str(_("to be collected from the occupant, outside the residents ledger"))}


def _occupant_ban(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    """The ban on applying, recorded where intake looks for bans (``residents.models.Ban``, matched on the ID
    number, stored normalised): an application with this ID number is refused until the ban ends."""
    from residents.models import Ban, BanSource
    from residents.rules.term import ban_end

    years = measure.ban_years or rulebook.in_force(on=run.case.occurred_on).bans.occupancy_years
    ban = Ban.objects.create(
        resident=None,
        id_number=run.case.occupant_id_number,
        source=BanSource.UNAUTHORISED_OCCUPANCY,
        note=_("Case %(number)s: %(kind)s (Chapter 8, Article 2)") % {"number": run.case.number, "kind": run.kind_name},
        starts_on=run.today,
        ends_on=ban_end(run.today, years),
        created_by=run.case.decided_by,
    )
    return {"note": str(_("no application until %(date)s") % {"date": format_day(ban.ends_on)})}


def _not_for_occupant(measure: PenaltyMeasure, run: EffectRun) -> dict[str, Any]:
    return {"note": str(_("not applied: the person is not a resident"))}


#: Measure type → what it does against an occupant; anything else is recorded as not applied (the decision
#: never stores a resident-only measure for an occupant: ``discipline.rules.occupants.RESIDENT_ONLY``).
OCCUPANT_EFFECTS: dict[str, Handler] = {
    "eviction": _occupant_eviction,
    "fine": _occupant_payment,
    "compensation": _occupant_payment,
    "confiscation": _occupant_payment,
    APPLICATION_BAN: _occupant_ban,
    "report_authorities": _staff_task,
    "legal_liability": _staff_task,
    "warning": _nothing,
    "apology": _nothing,
    "rectification": _nothing,
}


def apply_effects(*, case: ViolationCase) -> list[PenaltyMeasure]:
    """Apply the effects of a confirmed case through the owning apps' services; idempotent: a measure
    with ``applied_at`` is skipped, so re-running applies nothing twice (measure rows are locked).
    Each measure records what it produced (invoice, suspension) and a note."""
    if case.status != CaseStatus.CONFIRMED:
        raise InvalidTransition(_("Effects apply only to a confirmed case."))
    measures = list(PenaltyMeasure.objects.select_for_update(no_key=True).filter(case=case).order_by("id"))
    measures.sort(key=lambda m: (_EFFECT_ORDER.get(m.type, 9), m.id))
    occupant = case.resident_id is None
    run = EffectRun(
        case=case,
        resident=None if occupant else Resident.objects.select_related("user").get(pk=case.resident_id),
        today=timezone.localdate(),
        now=timezone.now(),
        kind_name=kind_name(case),
        has_forced_exit=any(m.type == "forced_exit" for m in measures),
    )
    for measure in measures:
        if measure.applied_at is not None:
            if measure.type == "fine" and measure.invoice_id:
                run.fine_invoice = measure.invoice
            continue
        handler = OCCUPANT_EFFECTS.get(measure.type, _not_for_occupant) if occupant else EFFECTS.get(measure.type, _nothing)
        updates = {"applied_at": run.now, **handler(measure, run)}
        PenaltyMeasure.objects.filter(pk=measure.pk, applied_at__isnull=True).update(**updates)
    # The final measures have taken effect: an interim suspension of the case ends now (RULEBOOK §9).
    interim_lift(case, at=run.now)
    return list(case.measures.order_by("id"))
