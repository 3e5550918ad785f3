"""Publication, confirmation and annulment of a penalty decision (第八章第二条; RULEBOOK §10), and the
hooks other apps call: the close of a publication window, the settlement of an invoice."""

from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from discipline.models import (
    AppealStatus,
    CaseStatus,
    LedgerKind,
    PenaltyMeasure,
    Suspension,
    ViolationCase,
)
from discipline.selectors import cases as selectors
from discipline.services import counting
from discipline.services.case_support import (
    DECIDERS,
    PUBLIC_FACTS_MAX_LENGTH,
    move_case,
    require,
    tell_resident,
)
from discipline.services.effects import apply_effects
from discipline.services.interim import interim_lift
from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.masking import mask_person_name
from opc_community.core.moments import format_day, format_moment
from opc_community.core.transitions import lock
from opc_community.notices.models import Publication, PublicationKind, PublicationStatus
from opc_community.portal.services import notify
from residents.models import Invoice
from residents.rules.naming import public_name

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
    if case.resident_id is None:  # an occupant: always masked, and named as not a resident (RULEBOOK §10)
        who = _("Occupant (not a resident): %(name)s") % {"name": mask_person_name(case.occupant_name)}
        review = _("The person concerned may ask the administrator in writing for review (复核) during the publication "
                   "window; it is answered within %(days)d working days.")
    else:
        who = _("Resident: %(name)s") % {"name": public_name(case.resident.application)}
        review = _("The resident concerned may ask for review (复核) during the publication window; it is answered "
                   "within %(days)d working days.")
    lines = [
        who,
        _("Violation: %(kind)s") % {"kind": f"{case.kind} {kind.name}（{kind.category}）"},
        _("Date: %(day)s") % {"day": format_day(case.occurred_on)},
        _("Facts: %(facts)s") % {"facts": facts},
        _("Penalty: %(measures)s") % {"measures": "、".join(selectors.describe_measure(m) for m in measures)},
        _("Basis: the penalty table of %(article)s (same-kind violation no. %(count)d in %(days)d days).")
        % {"article": selectors.ARTICLE, "count": case.same_kind_count or 1, "days": book.violations.lookback_days},
        review % {"days": book.deadlines.appeal_answer_working_days},
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
def case_publish(*, case: ViolationCase, actor: Actor, public_facts: str | None = None) -> Publication:
    """Decided → published: the penalty decision goes on the notice board for the publication window
    (``publication_window_working_days``), during which the resident may ask for review.

    The board names the resident by its public name (RULEBOOK §10) and shows the facts as
    ``public_facts`` — by default the start of the case's facts (``selectors.facts_summary``). Either is
    scanned before publication: while it holds an ID, phone, bank card number, an e-mail address or the
    name of anyone the system knows, publication is refused naming each span (RULEBOOK §10, decisions
    added 2026-12), and staff publish again with the facts rewritten."""
    from opc_community.notices.services import publication_open

    require(actor, DECIDERS, case.resident)
    case = (  # locked (core.transitions.lock) and read with what the board names, in one query
        ViolationCase.objects.select_for_update(no_key=True, of=("self",))
        .select_related("resident", "resident__application", "resident__user")
        .get(pk=case.pk)
    )
    facts = _public_facts(case, public_facts)
    measures = list(case.measures.order_by("id"))
    book = rulebook.in_force(on=timezone.localdate())
    with acting_as(actor, action="discipline.case_publish"):
        case = move_case(case, CaseStatus.PUBLISHED)
        publication = publication_open(
            kind=PublicationKind.PENALTY_DECISION,
            title=_("Penalty decision %(number)s") % {"number": case.number},
            body=publication_body(case, measures, facts=facts),
            staff_text={"public_facts": facts},
            subject=case,
            concerned_user=case.resident.user if case.resident_id is not None else None,
            window_days=book.deadlines.publication_window_working_days,
            actor=actor or system_publisher(),
        )
    tell_resident(
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
        case = move_case(case, CaseStatus.CONFIRMED, confirmed_at=timezone.now())
        apply_effects(case=case)
        measures = list(case.measures.order_by("id"))
        ledger_append(kind=LedgerKind.PENALTY, object_id=case.pk, content=penalty_content(case, measures))
    tell_resident(
        case,
        title=lambda: _("Penalty decision %(number)s confirmed") % {"number": case.number},
        body=lambda: _("The decision took effect: %(measures)s.")
        % {"measures": "、".join(selectors.describe_measure(m) for m in measures)},
        step="confirmed",
    )
    return case


@transaction.atomic
def case_annul(*, case: ViolationCase, reason: str, actor: Actor) -> ViolationCase:
    """Published / confirmed → annulled (an appeal or an objection upheld): the case no longer counts for
    escalation or renewal; an open publication is withdrawn from the board; effects already applied are
    reversed where possible. Internal: called inside the appeal decision or the close hook."""
    from opc_community.notices.services import publication_withdraw

    case = lock(case)
    was_confirmed = case.status == CaseStatus.CONFIRMED
    with acting_as(actor, action="discipline.case_annul"):
        case = move_case(case, CaseStatus.ANNULLED, annulled_at=timezone.now())
        interim_lift(case)
        publication = selectors.publication_of(case)
        if publication is not None and publication.status in (PublicationStatus.OPEN,
                                                               PublicationStatus.AWAITING_DECISION):
            publication_withdraw(publication=publication, reason=reason, actor=actor or system_publisher())
        if was_confirmed:
            _reverse_effects(case, reason=reason)
    counting.recount_after(case)
    tell_resident(
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
    manual += [m for m in measures if m.type in ("forced_exit", "deposit_forfeiture", "application_ban") and m.applied_at]
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

