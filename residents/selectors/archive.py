"""The resident's archive (档案, 第三章第五条; RULEBOOK §4.7), read for the staff page and its PDF.

:func:`resident_archive` reads every source table once — one query per table, whatever
the number of rows — and merges the rows into one timeline in time order:

 1. the resident with its application and accounts      9. renewal requests
 2. application materials                               10. exits
 3. application review transitions                      11. exit clearances
 4. agreements                                          12. re-application bans
 5. invoices (with balances)                            13. audit trail of the resident's rows
 6. payments                                            14. audit trail of the application's rows
 7. deposit entries                                     15. the rulebook in force (retention years)
 8. orientation acknowledgements

Then the sections other apps register (``residents.extensions.register_archive_section``):
violations and rewards (discipline), quarterly progress reports and scores (scoring), desks
(spaces) — each in its own fixed number of queries. Identity numbers are masked.

Also here: the retention test shared by the admin (:func:`retention_passed`).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import BigIntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opc_community import rulebook
from opc_community.accounts.models import User
from opc_community.accounts.permissions import has_role
from opc_community.accounts.roles import Role
from opc_community.core.masking import mask_identity_number
from opc_community.core.models import AuditEvent
from opc_community.core.moments import format_day
from opc_community.core.money import format_yuan
from residents import extensions
from residents.models import (
    Agreement,
    ApplicationDocument,
    ApplicationTransition,
    Ban,
    DepositEntry,
    DepositEntryKind,
    Exit,
    ExitClearance,
    Invoice,
    OrientationAcknowledgement,
    Payment,
    RenewalRequest,
    Resident,
    ResidentStatus,
)

#: Who may take an archive away as a PDF: the team that keeps the archives, the operations lead and
#: oversight (RULEBOOK §1). Other staff read the archive page for their work, but a copy of a whole
#: person's file leaves with no one else (PIPL Art. 6: no more than the purpose needs).
ARCHIVE_EXPORTERS = (Role.INTAKE, Role.ADMINISTRATOR, Role.OVERSIGHT)


def may_export_archive(user: Any) -> bool:
    return has_role(user, *ARCHIVE_EXPORTERS)


SECTIONS = {
    "application": gettext_lazy("Application and materials"),
    "review": gettext_lazy("Application review"),
    "agreement": gettext_lazy("Agreements"),
    "invoice": gettext_lazy("Invoices"),
    "payment": gettext_lazy("Payments"),
    "deposit": gettext_lazy("Deposit"),
    "orientation": gettext_lazy("Orientation"),
    "renewal": gettext_lazy("Renewals"),
    "exit": gettext_lazy("Exits and clearance"),
    "ban": gettext_lazy("Re-application bans"),
}

# --- The archive ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: when, which section, what, by whom; ``link`` to the record (staff)."""

    at: datetime
    section: str
    title: str
    detail: str = ""
    actor: str = ""
    link: str = ""
    date_only: bool = False

    @property
    def section_label(self) -> str:
        if self.section in SECTIONS:
            return str(SECTIONS[self.section])
        registered = {section.key: section.label for section in extensions.archive_sections()}
        return str(registered.get(self.section, self.section))


@dataclass(frozen=True)
class AuditRow:
    """One change of the audit trail: when, created/changed/deleted, which record, what changed, by whom."""

    at: datetime
    action: str
    record: str
    changes: tuple[tuple[str, Any, Any], ...]
    actor: str
    source: str

    @property
    def sentence(self) -> str:
        """“张三 changed 入驻主体 #3: 状态 已入驻 → 退出中; …” — the row as one sentence."""
        changes = "；".join(f"{name} {before} → {after}" for name, before, after in self.changes)
        text = _("%(actor)s %(action)s %(record)s") % {"actor": self.actor, "action": self.action, "record": self.record}
        return f"{text}：{changes}" if changes else text


AUDIT_ACTIONS = {"insert": gettext_lazy("created"), "update": gettext_lazy("changed"),
                 "delete": gettext_lazy("deleted")}


def _short(value: Any, limit: int = 120) -> Any:
    """Long values (JSON lists, texts) shortened for reading; the audit trail admin keeps them whole."""
    if value is None or isinstance(value, int | float | bool):
        return value
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _model(label: str) -> Any:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _field_label(model: Any, name: str) -> str:
    """A changed field as people call it ("状态", not ``status``)."""
    if model is None:
        return name
    try:
        return str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
    except FieldDoesNotExist:
        return name


def _value(model: Any, name: str, value: Any) -> Any:
    """A stored value as people read it: the label of a choice, yes / no, a date; else the value shortened."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if model is not None and isinstance(value, str | int):
        try:
            choices = dict(model._meta.get_field(name).flatchoices)
        except (FieldDoesNotExist, AttributeError):
            choices = {}
        if value in choices:
            return str(choices[value])
    return _short(value)


def _audit_row(event: Any) -> AuditRow:
    context = event.pgh_context or {}
    model = _model(event.pgh_obj_model)
    changes = tuple(
        (_field_label(model, name), _value(model, name, before), _value(model, name, after))
        for name, (before, after) in sorted((event.pgh_diff or {}).items())
        if name not in ("updated_at",)
    )
    record = f"{model._meta.verbose_name} #{event.pgh_obj_id}" if model else f"{event.pgh_obj_model} #{event.pgh_obj_id}"
    return AuditRow(
        at=event.pgh_created_at,
        action=str(AUDIT_ACTIONS.get(event.pgh_label, event.pgh_label)),
        record=record,
        changes=changes,
        actor=event.actor_name or str(_("system")),
        source=context.get("action") or context.get("url") or "",
    )


@dataclass
class Archive:
    resident: Resident
    entries: list[Entry]
    audit: list[AuditRow]
    #: The registered sections in their order: (key, label, entries).
    sections: list[tuple[str, str, list[Entry]]] = field(default_factory=list)
    id_number_masked: str = ""
    uscc_masked: str = ""
    deposit_held: Decimal = Decimal("0.00")
    balance: Decimal = Decimal("0.00")
    generated_at: datetime | None = None
    retention_years: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _on(day: date) -> datetime:
    """A date-only record sorts at the start of its day (Asia/Shanghai)."""
    return datetime.combine(day, time.min, tzinfo=_tz())


def _name(user: Any) -> str:
    if user is None:
        return str(_("system"))
    return user.get_full_name() or user.get_username()


def _admin_link(obj: Any) -> str:
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except Exception:  # not registered in the admin (yet)
        return ""


def _audit(obj: Any) -> list[Any]:
    """Audit events of every row referencing ``obj`` (one query), the actor's name in the same query."""
    user_id = Cast(KeyTextTransform("user", OuterRef("pgh_context")), BigIntegerField())
    names = User.objects.filter(pk=user_id).values("full_name")[:1]
    return list(AuditEvent.objects.references(obj).annotate(actor_name=Subquery(names)).order_by("pgh_created_at"))


def resident_archive(resident: Resident, *, now: datetime | None = None) -> Archive:
    """Everything of §4.7 for one resident, in time order: 15 queries whatever the number of rows, plus
    those of the registered sections (each fixed too)."""
    from residents.selectors.ledger import with_balance

    now = now or timezone.now()
    resident = Resident.objects.select_related("application__applicant", "user", "checked_in_by").get(
        pk=resident.pk
    )  # 1
    application = resident.application
    entries: list[Entry] = []
    counts: dict[str, int] = {}

    def add(section: str, rows: list[Any], make: Any) -> None:
        counts[section] = counts.get(section, 0) + len(rows)
        for row in rows:
            entries.extend(make(row))

    # --- application, materials, review -------------------------------------------------------
    entries.append(Entry(
        at=application.created_at, section="application",
        title=_("Application created: %(name)s") % {"name": application.display_name},
        detail=f"{application.get_entity_type_display()} · {application.get_direction_display()}",
        actor=_name(application.applicant), link=_admin_link(application),
    ))
    if application.submitted_at:
        entries.append(Entry(at=application.submitted_at, section="application",
                             title=_("Application submitted (round %(round)s)") % {"round": application.round},
                             actor=_name(application.applicant)))
    documents = list(ApplicationDocument.objects.filter(application=application).select_related("uploaded_by"))  # 2
    add("application", documents, lambda d: [Entry(
        at=d.uploaded_at, section="application",
        title=_("Material uploaded: %(kind)s") % {"kind": d.get_kind_display()},
        detail=d.original_name, actor=_name(d.uploaded_by),
        link=reverse("residents:application_document", args=[d.pk]),
    )])
    transitions = list(ApplicationTransition.objects.filter(application=application).select_related("actor"))  # 3
    add("review", transitions, lambda t: [Entry(
        at=t.at, section="review",
        title=_("Application: %(before)s → %(after)s") % {
            "before": t.get_from_status_display() or "—", "after": t.get_to_status_display()},
        detail=t.reason, actor=_name(t.actor),
    )])
    if resident.checked_in_at:
        entries.append(Entry(at=resident.checked_in_at, section="orientation", title=_("Checked in"),
                             actor=_name(resident.checked_in_by)))

    # --- agreements ------------------------------------------------------------------------------
    agreements = list(Agreement.objects.filter(resident=resident).select_related("issued_by"))  # 4

    def agreement_rows(a: Agreement) -> list[Entry]:
        rows = [Entry(
            at=a.issued_at, section="agreement",
            title=_("Agreement %(number)s issued: %(start)s to %(end)s") % {
                "number": a.number, "start": format_day(a.starts_on), "end": format_day(a.ends_on)},
            detail=_("fee %(fee)s (%(period)s), deposit %(deposit)s") % {
                "fee": format_yuan(a.fee_amount), "period": a.get_fee_period_display(),
                "deposit": format_yuan(a.deposit_amount)},
            actor=_name(a.issued_by), link=_admin_link(a),
        )]
        if a.accepted_at:
            rows.append(Entry(at=a.accepted_at, section="agreement",
                              title=_("Agreement %(number)s accepted") % {"number": a.number},
                              actor=resident.name))
        if a.renewal_reminder_sent_at:
            rows.append(Entry(at=a.renewal_reminder_sent_at, section="renewal",
                              title=_("Renewal reminder sent for %(number)s") % {"number": a.number}))
        if a.ended_on:
            rows.append(Entry(at=_on(a.ended_on), section="agreement", date_only=True,
                              title=_("Agreement %(number)s ended") % {"number": a.number}, detail=a.end_reason))
        return rows

    add("agreement", agreements, agreement_rows)

    # --- ledger ----------------------------------------------------------------------------------
    invoices = list(with_balance(Invoice.objects.filter(resident=resident)).select_related("created_by"))  # 5
    add("invoice", invoices, lambda i: [Entry(
        at=_on(i.issued_on), section="invoice", date_only=True,
        title=_("Invoice %(number)s: %(amount)s, due %(due)s") % {
            "number": i.number, "amount": format_yuan(i.amount), "due": format_day(i.due_on)},
        detail=i.description + ("" if i.balance <= 0 else " · " + _("open %(balance)s") % {
            "balance": format_yuan(i.balance)}),
        actor=_name(i.created_by), link=_admin_link(i),
    )])
    payments = list(Payment.objects.filter(resident=resident).select_related("invoice", "recorded_by"))  # 6
    add("payment", payments, lambda p: [Entry(
        at=_on(p.paid_on), section="payment", date_only=True,
        title=_("Payment %(amount)s on %(number)s") % {"amount": format_yuan(p.amount), "number": p.invoice.number},
        detail=" · ".join(part for part in (p.get_method_display(), p.reference, p.note) if part),
        actor=_name(p.recorded_by),
    )])
    deposits = list(DepositEntry.objects.filter(resident=resident).select_related("recorded_by"))  # 7
    add("deposit", deposits, lambda d: [Entry(
        at=_on(d.on), section="deposit", date_only=True,
        title=f"{d.get_kind_display()} {format_yuan(d.amount)}", detail=d.note, actor=_name(d.recorded_by),
    )])

    # --- orientation, renewals, exits, bans ------------------------------------------------------------
    acknowledgements = list(
        OrientationAcknowledgement.objects.filter(resident=resident).select_related("acknowledged_by")
    )  # 8
    add("orientation", acknowledgements, lambda a: [Entry(
        at=a.acknowledged_at, section="orientation",
        title=_("Rules acknowledged (rulebook version %(version)s)") % {"version": a.rulebook_version},
        actor=_name(a.acknowledged_by),
    )])
    renewals = list(
        RenewalRequest.objects.filter(resident=resident).select_related("agreement", "new_agreement", "decided_by")
    )  # 9

    def renewal_rows(r: RenewalRequest) -> list[Entry]:
        rows = [Entry(at=r.requested_at, section="renewal",
                      title=_("Renewal of %(number)s requested") % {"number": r.agreement.number},
                      detail=r.note, actor=resident.name, link=_admin_link(r))]
        if r.decided_at:
            detail = r.decision_reason
            if r.new_agreement:
                detail = _("new agreement %(number)s") % {"number": r.new_agreement.number}
            rows.append(Entry(at=r.decided_at, section="renewal",
                              title=_("Renewal %(status)s") % {"status": r.get_status_display()},
                              detail=detail, actor=_name(r.decided_by)))
        return rows

    add("renewal", renewals, renewal_rows)
    exits = list(Exit.objects.filter(resident=resident).select_related("created_by", "completed_by"))  # 10

    def exit_rows(e: Exit) -> list[Entry]:
        rows = [Entry(at=e.created_at, section="exit",
                      title=_("%(kind)s: exit on %(date)s (%(status)s)") % {
                          "kind": e.get_kind_display(), "date": format_day(e.exit_on), "status": e.get_status_display()},
                      detail=e.reason, actor=_name(e.created_by) if e.created_by_id else str(_("system")),
                      link=_admin_link(e))]
        if e.completed_at:
            rows.append(Entry(at=e.completed_at, section="exit", title=_("Exit completed"),
                              actor=_name(e.completed_by)))
        return rows

    add("exit", exits, exit_rows)
    clearances = list(ExitClearance.objects.filter(resident=resident).select_related("cleared_by"))  # 11
    add("exit", clearances, lambda c: [Entry(
        at=c.cleared_at, section="exit",
        title=_("Cleared: %(item)s") % {"item": c.get_item_display()}, detail=c.note, actor=_name(c.cleared_by),
    )])
    bans = list(Ban.objects.filter(resident=resident).select_related("created_by"))  # 12
    add("ban", bans, lambda b: [Entry(
        at=b.created_at, section="ban",
        title=_("Re-application ban until %(date)s") % {"date": format_day(b.ends_on)},
        detail=f"{b.get_source_display()} · {b.note}".strip(" ·"), actor=_name(b.created_by),
    )])

    entries.sort(key=lambda entry: entry.at)
    # The resident's own events reference its application too: each event once (by its slug).
    events = {event.pgh_slug: event for event in _audit(resident) + _audit(application)}  # 13, 14
    audit = sorted((_audit_row(event) for event in events.values()), key=lambda row: row.at)

    held = sum(
        (d.amount if d.kind == DepositEntryKind.PAID else -d.amount for d in deposits), Decimal("0.00")
    )
    balance = sum((i.balance for i in invoices if i.balance > 0), Decimal("0.00"))
    sections = [(section.key, str(section.label), section.entries(resident))
                for section in extensions.archive_sections()]
    return Archive(
        resident=resident,
        entries=entries,
        audit=audit,
        sections=sections,
        id_number_masked=mask_identity_number(application.id_number),
        uscc_masked=mask_identity_number(application.uscc),
        deposit_held=held,
        balance=balance,
        generated_at=now,
        retention_years=rulebook.in_force(timezone.localdate(now)).term.archive_retention_years,
        counts=counts,
    )


# --- Retention ------------------------------------------------------------------------------


def retention_passed(resident: Resident | None, *, today: date) -> bool:
    """May the resident's archive be deleted today? Only after exit and after ``retain_until`` (第三章第五条).

    Mirrors the database trigger (residents/models/archive.py): rows of no resident are not archived.
    """
    if resident is None:
        return True
    return resident.status == ResidentStatus.EXITED and resident.retain_until is not None and (
        resident.retain_until < today
    )
