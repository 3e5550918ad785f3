"""Every state change of the notice board (RULEBOOK §10): publish, object, decide, close, withdraw.

Each service is keyword-only and owns its transaction. Transitions lock the
publication row first (``select_for_update``) — submitting, deciding and closing
all take that same lock, so an objection can never slip in while its
publication is being closed — and then move the status with a compare-and-set
(``filter(status=old).update(...)``), refusing a wrong from-state with
:class:`~opc_community.core.errors.InvalidTransition`.

Authorisation: interfaces (admin, views, API) check who may act; services
check the state. Deciding objections also checks the actor's permission here,
because it is the one staff decision this app makes on its own, and refuses the
author of the objection and the person the publication is about (conflict of
interest, ``opc_community.accounts.conflicts``). Oversight does not object: it
writes nothing but rule-revision approvals.
"""

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from opc_community import rulebook, workdays
from opc_community.accounts.conflicts import ensure_not_own
from opc_community.accounts.models import User
from opc_community.accounts.permissions import is_oversight_only
from opc_community.accounts.roles import Role
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import ConflictError, DomainError, InvalidTransition
from opc_community.core.moments import format_moment
from opc_community.core.personal_data import FindingKind, find_personal_data
from opc_community.core.transitions import ensure_can_move, lock, move
from opc_community.notices import registry, rules, selectors
from opc_community.notices.models import (
    ALLOWED_TRANSITIONS,
    Objection,
    ObjectionStatus,
    Publication,
    PublicationKind,
    PublicationOutcome,
    PublicationStatus,
)
from opc_community.notices.rules import PublicationTable
from opc_community.portal.services import notifications_withdraw, notify, notify_overdue
from opc_community.workdays import services as workdays_services
from opc_community.workdays.registry import Recomputed
from opc_community.workdays.rules import local_date

#: Longest objection text accepted (the form and the API say the same).
OBJECTION_MAX_LENGTH = 2000


#: How a refusal names each kind of personal data found.
FINDING_LABELS = {
    FindingKind.ID_NUMBER: pgettext_lazy("personal data", "ID card number"),
    FindingKind.USCC: pgettext_lazy("personal data", "unified social credit code"),
    FindingKind.PHONE: pgettext_lazy("personal data", "mobile number"),
    FindingKind.EMAIL: pgettext_lazy("personal data", "e-mail address"),
    FindingKind.BANK_CARD: pgettext_lazy("personal data", "bank card number"),
    FindingKind.NAME: pgettext_lazy("personal data", "name"),
}


def ensure_publishable(texts: Mapping[str, str]) -> None:
    """Refuse staff-typed text that would put personal data on the public board (RULEBOOK §10,
    decisions added 2026-12), naming every offending span so that it can be rewritten.

    ``texts`` maps the name of the field staff typed into (``"body"``, ``"public_facts"``…) to
    its text; the refusal names the first field with a finding and lists the findings of all,
    e.g. 公示内容含有个人信息，请改写后再公示：手机号「138 0013 8000」、姓名「王小明」. Known names come
    from every registered source (one query each, for all the texts together).
    """
    texts = {field: text for field, text in texts.items() if text}
    if not texts:
        return
    names = selectors.known_names_in("\n".join(texts.values()))
    found = [
        (field, finding)
        for field, text in texts.items()
        for finding in find_personal_data(text, names)
    ]
    if not found:
        return
    spans = "、".join(
        _("%(kind)s “%(text)s”") % {"kind": FINDING_LABELS[finding.kind], "text": finding.text}
        for _field, finding in found
    )
    raise DomainError(
        _("The text to publish contains personal data; rewrite it before publishing: %(spans)s")
        % {"spans": spans},
        field=found[0][0],
        code="personal_data",
        details={
            "findings": [
                {"field": field, "kind": finding.kind.value, "text": finding.text}
                for field, finding in found
            ]
        },
    )


def board_exit(*, kind: str, window_ends_at: datetime, on: date) -> datetime | None:
    """When a publication of ``kind`` leaves the public board, by the rulebook in force on ``on``
    (``publication.public_retention_days``, RULEBOOK §10, decisions added 2026-12); None: it stays."""
    return rules.leaves_board_at(
        kind=kind,
        window_ends_at=window_ends_at,
        retention_days=rulebook.in_force(on=on).publication.public_retention_days,
    )


def _default_window_days(on: date) -> int:
    """The publication window of the rulebook in force on ``on`` (第八章第一条、第九章第一条: 3 个工作日)."""
    return rulebook.in_force(on=on).deadlines.publication_window_working_days


def _move(publication: Publication, to_status: str, **fields: Any) -> Publication:
    return move(publication, to_status, transitions=ALLOWED_TRANSITIONS, **fields)


def _required_text(value: str, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(message, field=field)
    return text


@transaction.atomic
def publication_open(
    *,
    kind: str,
    title: str,
    body: str,
    staff_text: Mapping[str, str],
    subject: models.Model | None = None,
    concerned_user: User | None = None,
    window_days: int | None = None,
    starts_at: datetime | None = None,
    table: PublicationTable | None = None,
    actor: User,
) -> Publication:
    """Publish a notice with its window (RULEBOOK §10).

    The window runs from ``starts_at`` (default: now) to the end (23:59:59 Asia/Shanghai)
    of the ``window_days``-th working day after its local date (RULEBOOK §2); the default
    length is the rulebook's ``publication_window_working_days`` in force on the start date
    (3 个工作日, 第八章第一条、第九章第一条).

    Privacy (RULEBOOK §10): the caller composes ``title`` and ``body`` from structured fields —
    a resident by ``residents.rules.naming.public_name`` — and passes every part that staff
    typed in ``staff_text`` (field name → text; ``{}`` when nothing is typed). Those parts are
    scanned by :func:`ensure_publishable` and the publication is refused while they hold
    personal data. Penalty and score publications get the moment they leave the public
    board (:func:`board_exit`, by the rulebook in force on the start date).
    The owning app passes its object as ``subject`` and registers a close handler for ``kind``.
    ``table`` (results such as quarterly scores) is shown as a table under the text; like the
    body it is composed from masked fields only.
    """
    if kind not in PublicationKind.values:
        raise DomainError(
            _("Unknown kind of publication: %(kind)s.") % {"kind": kind}, field="kind"
        )
    title = _required_text(title, field="title", message=_("A publication needs a title."))
    body = _required_text(body, field="body", message=_("A publication needs a text."))
    if subject is not None and subject.pk is None:
        raise DomainError(_("The subject of a publication must be saved first."))
    starts_at = starts_at or timezone.now()
    if timezone.is_naive(starts_at):
        raise DomainError(_("The start of the window must carry a time zone."), field="starts_at")
    if window_days is None:
        window_days = _default_window_days(local_date(starts_at))
    if window_days < 1:
        raise DomainError(
            _("A publication window lasts at least one working day."), field="window_days"
        )
    ensure_publishable(staff_text)
    window_end = workdays.deadline(starts_at, window_days)
    leaves_board_at = board_exit(kind=kind, window_ends_at=window_end.at, on=local_date(starts_at))
    with acting_as(actor, action="notices.publication_open"):
        return Publication.objects.create(
            kind=kind,
            title=title,
            body=body,
            table={"columns": list(table.columns), "rows": [list(row) for row in table.rows]} if table else {},
            subject=subject,
            concerned_user=concerned_user,
            window_starts_at=starts_at,
            window_ends_at=window_end.at,
            window_days=window_days,
            window_provisional=window_end.provisional,
            leaves_board_at=leaves_board_at,
            published_by=actor,
        )



def windows_recompute_provisional() -> Recomputed:
    """Open windows ending by a provisional deadline, computed again from their start after a calendar
    change (RULEBOOK §2; registered in notices/apps.py); the day a penalty or score publication
    leaves the board moves with its window's end (``rules.leaves_board_at``: a fixed number of days
    after it). The hourly closing job reads the stored end, so a window never closes by a stale date."""
    moves, result = workdays_services.recompute_deadlines(
        selectors.provisional_windows(), provisional="window_provisional",
        fields=[workdays_services.DeadlineField("window_ends_at", "window_starts_at", "window_days")],
    )
    Publication.objects.bulk_update(
        [Publication(pk=move.pk, leaves_board_at=F("leaves_board_at") + Value(move.new - move.old)) for move in moves],
        ["leaves_board_at"], batch_size=1000,
    )
    return result

@transaction.atomic
def publication_withdraw(*, publication: Publication, reason: str, actor: User) -> Publication:
    """Take an open (or awaiting) publication off the board; it never takes effect.

    No close handler is called: the caller — normally the owning app, which knows what a
    withdrawal means for its object — deals with the consequences itself.
    """
    reason = _required_text(
        reason, field="reason", message=_("Give the reason for withdrawing the publication.")
    )
    publication = lock(publication)
    with acting_as(actor, action="notices.publication_withdraw"):
        return _move(
            publication,
            PublicationStatus.WITHDRAWN,
            withdrawn_at=timezone.now(),
            withdrawn_by=actor,
            withdrawal_reason=reason,
        )


@transaction.atomic
def objection_submit(*, publication: Publication, author: User, text: str) -> Objection:
    """Object to a publication during its window (RULEBOOK §10: "anyone logged in may object").

    Accepted from the window's start up to and including its last second (23:59:59 of the
    last working day); refused afterwards with a message naming the window's end. One
    objection per person and publication.
    """
    if not getattr(author, "is_authenticated", False) or not author.is_active:
        raise PermissionDenied(_("Log in to object to a publication."))
    if is_oversight_only(author):
        raise PermissionDenied(
            _("Oversight reads the notice board and raises its concerns with the administrator; "
              "it does not object on the board (RULEBOOK §1: oversight changes nothing operational).")
        )
    text = _required_text(text, field="text", message=_("Write what you object to and why."))
    if len(text) > OBJECTION_MAX_LENGTH:
        raise DomainError(
            _("An objection is at most %(count)d characters long.")
            % {"count": OBJECTION_MAX_LENGTH},
            field="text",
        )
    publication = lock(publication)
    now = timezone.now()
    if now < publication.window_starts_at:
        raise DomainError(
            _("The publication window opens at %(start)s.")
            % {"start": format_moment(publication.window_starts_at)}
        )
    if not publication.is_window_open(now):
        if publication.status == PublicationStatus.WITHDRAWN:
            raise DomainError(
                _("This publication was withdrawn; objections are no longer accepted.")
            )
        raise DomainError(
            _("The publication window ended at %(end)s; objections are no longer accepted.")
            % {"end": format_moment(publication.window_ends_at)}
        )
    if publication.objections.filter(author=author).exists():
        raise ConflictError(_("You have already objected to this publication."), field="text")
    # RULEBOOK §10 (decisions added 2026-12): decided within N working days of filing (rule data).
    decide_due = workdays.deadline(
        now, rulebook.in_force(on=local_date(now)).deadlines.objection_decision_working_days
    )
    try:
        with acting_as(author, action="notices.objection_submit"), transaction.atomic():
            objection = Objection.objects.create(
                publication=publication, author=author, text=text,
                decide_due_at=decide_due.at, decide_due_provisional=decide_due.provisional,
            )
    except IntegrityError as error:  # the unique constraint, should the check above be raced
        raise ConflictError(
            _("You have already objected to this publication."), field="text"
        ) from error
    # RULEBOOK §10 (decisions added 2026-12): the administrator hears of an objection at once.
    notify(
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda: _("Objection to “%(title)s”") % {"title": publication.title},
        body=lambda: _("An objection was raised to the publication “%(title)s”; it must be decided before the "
               "publication can take effect, by %(due)s.")
        % {"title": publication.title, "due": format_moment(decide_due.at)},
        link=reverse("admin:notices_publication_change", args=[publication.pk]),
        kind="notices.objection_submitted",
        dedupe_key=f"notices:objection:{objection.pk}:submitted",
    )
    return objection


def _close(publication: Publication, *, now: datetime) -> Publication:
    """Close a locked publication whose window is over: decide the outcome and tell the owning app."""
    objections = publication.objections.all()
    if objections.filter(status=ObjectionStatus.PENDING).exists():
        if publication.status == PublicationStatus.AWAITING_DECISION:
            raise InvalidTransition(_("Objections to this publication still await a decision."))
        return _move(publication, PublicationStatus.AWAITING_DECISION)
    overturned = objections.filter(status=ObjectionStatus.UPHELD).exists()
    outcome = PublicationOutcome.OVERTURNED if overturned else PublicationOutcome.TAKES_EFFECT
    publication = _move(publication, PublicationStatus.CLOSED, outcome=outcome, closed_at=now)
    registry.notify_closed(publication, overturned=overturned)
    return publication


@transaction.atomic
def publication_close(*, publication: Publication, now: datetime) -> Publication:
    """End the window of a publication (RULEBOOK §10: "after the window the decision takes effect unless
    an objection or appeal is upheld").

    With objections still pending the publication waits for staff (awaiting decision);
    otherwise it is closed — overturned if any objection was upheld, else it takes effect —
    and the close handler of its kind is called inside this transaction.
    Returns the publication as it is now.
    """
    publication = lock(publication)
    if now < publication.window_over_at:
        raise DomainError(
            _("The publication window runs until %(end)s.")
            % {"end": format_moment(publication.window_ends_at)}
        )
    ensure_can_move(publication, PublicationStatus.CLOSED, transitions=ALLOWED_TRANSITIONS)
    # No acting_as here: the audit rows keep whoever runs this (a staff member's request
    # through the admin action, or nobody when the hourly job runs it).
    return _close(publication, now=now)


@transaction.atomic
def objection_decide(*, objection: Objection, upheld: bool, reason: str, actor: User) -> Objection:
    """Uphold (维持异议: the publication will not take effect) or dismiss (驳回) an objection.

    Decisions may be taken while the window is still open. Deciding the last pending
    objection of a publication that is awaiting decision closes it at once.
    """
    if not actor.has_perm("notices.change_objection"):
        raise PermissionDenied(_("Only operations staff decide objections."))
    ensure_not_own(
        actor,
        concerned_user=(objection.author_id, objection.publication.concerned_user_id),
        what=_("an objection you raised, or one to a publication about you"),
    )
    reason = _required_text(reason, field="reason", message=_("Give the reason for the decision."))
    publication = lock(objection.publication)
    objection = Objection.objects.select_for_update(no_key=True).get(pk=objection.pk)
    if publication.status not in (PublicationStatus.OPEN, PublicationStatus.AWAITING_DECISION):
        raise InvalidTransition(
            _("The publication is “%(status)s”; its objections can no longer be decided.")
            % {"status": publication.get_status_display()}
        )
    if objection.status != ObjectionStatus.PENDING:
        raise InvalidTransition(
            _("This objection was already decided (%(status)s).")
            % {"status": objection.get_status_display()}
        )
    now = timezone.now()
    new_status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    with acting_as(actor, action="notices.objection_decide"):
        Objection.objects.filter(pk=objection.pk, status=ObjectionStatus.PENDING).update(
            status=new_status,
            decided_by=actor,
            decided_at=now,
            decision_reason=reason,
            updated_at=now,
        )
        objection.refresh_from_db()
        if (
            publication.status == PublicationStatus.AWAITING_DECISION
            and not publication.objections.filter(status=ObjectionStatus.PENDING).exists()
        ):
            _close(publication, now=now)
    _tell_author(objection, publication)
    return objection


def _tell_author(objection: Objection, publication: Publication) -> None:
    """Tell the objector the decision and its reason (portal inbox now, email after commit)."""
    title = Truncator(publication.title).chars(60)
    headline = (
        gettext_lazy("Your objection to “%(title)s” was upheld")
        if objection.status == ObjectionStatus.UPHELD
        else gettext_lazy("Your objection to “%(title)s” was dismissed")
    )
    notify(
        recipients=[objection.author],
        title=lambda: headline % {"title": title},
        body=lambda: _("Reason: %(reason)s") % {"reason": objection.decision_reason},
        link=publication.get_absolute_url(),
        kind="notices.objection_decided",
        dedupe_key=f"notices:objection:{objection.pk}:decided",
    )


def objection_overdue_key(objection_id: int) -> str:
    """The key of an objection's "decision late" notice (withdrawn when a calendar change moves the date)."""
    return f"notices:objection:{objection_id}:decision_overdue"


def objections_overdue_flag(*, now: datetime | None = None) -> int:
    """Tell the administrator once of each objection not decided by its time (RULEBOOK §10, decisions added
    2026-12); returns how many were flagged this time (a second run flags none: the notice's dedupe key)."""
    now = now or timezone.now()
    return notify_overdue(
        selectors.late_objections(now=now).select_related("publication").order_by("decide_due_at", "pk"),
        recipients=members_of(Role.ADMINISTRATOR),
        title=lambda objection: _("Objection #%(id)s not decided in time") % {"id": objection.pk},
        body=lambda objection: _("The objection to the publication “%(title)s” was due to be decided by %(due)s "
                                 "(RULEBOOK §10): decide it.")
        % {"title": objection.publication.title, "due": format_moment(objection.decide_due_at)},
        link=lambda objection: reverse("admin:notices_objection_change", args=[objection.pk]),
        kind="notices.objection_overdue", dedupe_key=lambda objection: objection_overdue_key(objection.pk),
    )


def objections_recompute_provisional() -> Recomputed:
    """Provisional decide-by dates computed again from the filing after a calendar change (RULEBOOK §2;
    registered in notices/apps.py); the "late" notice of an objection whose date moved is withdrawn (the
    flag job raises it again if need be)."""
    rules_on = rulebook.in_force_by_day()
    moves, result = workdays_services.recompute_deadlines(
        selectors.provisional_objection_deadlines(), provisional="decide_due_provisional",
        fields=[workdays_services.DeadlineField(
            "decide_due_at", "created_at", lambda day: rules_on(day).deadlines.objection_decision_working_days,
        )],
    )
    withdrawn = notifications_withdraw(dedupe_keys=[objection_overdue_key(move.pk) for move in moves])
    return replace(result, flags_cleared=withdrawn)
