"""Cleaning, disinfection and the evening closing round (第四章第一条 3 环境卫生管理, 4 空间安全管理).

- **Cleaning log**: the daily team logs each cleaning or disinfection of a public area on a phone;
  the areas and how often each is due are rule data (``rulebook.rounds``).
- **Closing round**: once a day, from ``closing_round_from``, the checklist (power off, windows and
  doors locked, no hazardous items) is confirmed item by item; an item not confirmed needs an
  exception (where, what was found), and further findings are exceptions of their own ("other").
- **Missed rounds** (``rounds_flag_missed``, the daily job): the day before is compared with its
  schedule; each round short is recorded once (``MissedRound``, unique per day, kind and area) and the
  daily management team is told once (``dedupe_key``), so a second run changes nothing.
- **An exception** may open a safety incident (``exception_open_incident``, through the safety
  service) or be referred for a violation case (2b 污染环境 / 6a 安全隐患) by the discipline app through
  ``spaces.extensions.register_exception_step``.
"""

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from opc_community import rulebook
from opc_community.accounts.actors import Actor
from opc_community.accounts.selectors import members_of
from opc_community.core.audit import acting_as
from opc_community.core.errors import DomainError
from opc_community.core.moments import format_day
from opc_community.portal.services import notify
from opc_community.workdays.rules import local_date
from spaces.models import (
    CleaningKind,
    CleaningRound,
    ClosingItem,
    ClosingRound,
    Incident,
    IncidentCategory,
    MissedRound,
    RoundException,
)
from spaces.rules import rounds as rules
from spaces.selectors import rounds as selectors
from spaces.services import safety

#: 第二章第二条: the daily management team keeps the community clean and safe; the administrator too.
ROUNDS_STAFF = safety.SAFETY_STAFF
NOTE_MAX_LENGTH = CleaningRound._meta.get_field("note").max_length
PLACE_MAX_LENGTH = RoundException._meta.get_field("place").max_length
FINDING_MAX_LENGTH = RoundException._meta.get_field("description").max_length
#: Checklist item → the ClosingRound field that confirms it.
CHECKLIST = {ClosingItem.POWER: "power_off", ClosingItem.LOCKS: "locked", ClosingItem.HAZARDS: "no_hazards"}


def is_rounds_staff(user: Any) -> bool:
    return safety.is_safety_staff(user)


def _ensure_staff(actor: Actor) -> None:
    if not is_rounds_staff(actor):
        raise DomainError(
            _("Only the daily management team or the administrator records rounds (Chapter 4, Article 1)."),
            code="not_allowed",
        )


def _moment(at: datetime | None) -> datetime:
    now = timezone.now()
    at = at or now
    if at > now + timedelta(minutes=5):
        raise DomainError(_("The time cannot be in the future."), field="done_at")
    return at


@transaction.atomic
def cleaning_round_record(
    *, area: str, kind: str, actor: Actor, done_at: datetime | None = None, note: str = ""
) -> CleaningRound:
    """Log one cleaning or disinfection of an area of the rulebook in force that day."""
    _ensure_staff(actor)
    done_at = _moment(done_at)
    day = local_date(done_at)
    if area not in rulebook.in_force(on=day).rounds.cleaning_areas:
        raise DomainError(_("Choose an area of the cleaning schedule (Chapter 4, Article 1)."), field="area")
    if kind not in CleaningKind.values:
        raise DomainError(_("Choose cleaning or disinfection."), field="kind")
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(_("At most %(limit)s characters, please.") % {"limit": NOTE_MAX_LENGTH}, field="note")
    with acting_as(actor, action="spaces.cleaning_round_record"):
        return CleaningRound.objects.create(area=area, kind=kind, day=day, done_at=done_at, done_by=actor, note=note)


@transaction.atomic
def closing_round_record(
    *, actor: Actor, power_off: bool, locked: bool, no_hazards: bool, exceptions: list[dict[str, str]],
    done_at: datetime | None = None,
) -> ClosingRound:
    """Record the day's closing round: each checklist item confirmed, or an exception for it.

    ``exceptions`` are ``{"item", "place", "description"}``; every item not confirmed needs one, an
    item confirmed cannot have one, and "other" findings may be added. One closing round a day.
    """
    _ensure_staff(actor)
    done_at = _moment(done_at)
    day = local_date(done_at)
    spec = rulebook.in_force(on=day).rounds
    if not rules.closing_round_open(at=timezone.localtime(done_at), rounds=spec):
        raise DomainError(
            _("The closing round is recorded from %(time)s (Chapter 4, Article 1).")
            % {"time": spec.closing_round_from.strftime("%H:%M")}, field="done_at")
    confirmed = {ClosingItem.POWER: power_off, ClosingItem.LOCKS: locked, ClosingItem.HAZARDS: no_hazards}
    rows = []
    for exception in exceptions:
        item = exception.get("item", "")
        if item not in ClosingItem.values:
            raise DomainError(_("Choose the checklist item of the exception."), field="exceptions")
        if confirmed.get(item):
            raise DomainError(_("An item confirmed as in order cannot also have an exception."), field="exceptions")
        place = safety._required(exception.get("place"), field="exceptions", max_length=PLACE_MAX_LENGTH)
        text = safety._required(exception.get("description"), field="exceptions", max_length=FINDING_MAX_LENGTH)
        rows.append(RoundException(item=item, place=place, description=text))
    unexplained = [item for item, ok in confirmed.items() if not ok and item not in {row.item for row in rows}]
    if unexplained:
        raise DomainError(
            _("Say what was found for every item not in order: %(items)s.")
            % {"items": "、".join(str(ClosingItem(item).label) for item in unexplained)}, field="exceptions")
    try:
        with transaction.atomic(), acting_as(actor, action="spaces.closing_round_record"):
            closing = ClosingRound.objects.create(day=day, done_at=done_at, done_by=actor, power_off=power_off,
                                                  locked=locked, no_hazards=no_hazards)
    except IntegrityError:
        raise DomainError(_("The closing round of %(day)s is already recorded.") % {"day": format_day(day)},
                          code="conflict") from None
    with acting_as(actor, action="spaces.closing_round_record"):
        for row in rows:
            row.closing_round = closing
        RoundException.objects.bulk_create(rows)
    return closing


@transaction.atomic
def rounds_flag_missed(*, today: date) -> list[MissedRound]:
    """The daily job: the rounds of the day before that were not logged are recorded (once each) and the
    daily management team is told once. Returns the rows recorded by this run (none on a second run)."""
    day = rules.day_to_check(today)
    short = rules.missed(selectors.schedule(day))
    if not short:
        return []
    existing = set(MissedRound.objects.filter(day=day).values_list("kind", "area"))
    rows = MissedRound.objects.bulk_create(
        [MissedRound(day=day, kind=line.kind, area=line.area, expected=line.expected, done=line.done)
         for line in short if (line.kind, line.area) not in existing],
        ignore_conflicts=True,
    )
    names = selectors.area_names(day)

    def body() -> str:
        lines = [
            _("%(area)s %(kind)s: %(done)s of %(expected)s")
            % {"area": names.get(line.area, line.area), "kind": CleaningKind(line.kind).label, "done": line.done,
               "expected": line.expected} if line.area else _("closing round not recorded")
            for line in short
        ]
        return _("Rounds missed on %(day)s (Chapter 4, Article 1): %(lines)s.") % {
            "day": format_day(day), "lines": "；".join(lines)}

    notify(
        recipients=members_of(*ROUNDS_STAFF),
        title=lambda: _("Rounds missed on %(day)s") % {"day": format_day(day)},
        body=body,
        link=reverse("admin:spaces_missedround_changelist")
        + f"?day__year={day.year}&day__month={day.month}&day__day={day.day}",
        kind="spaces.rounds_missed",
        dedupe_key=f"rounds:missed:{day.isoformat()}",
    )
    return rows


@transaction.atomic
def exception_open_incident(*, exception: RoundException, actor: Actor) -> Incident:
    """Open a safety incident (a hazard) from a closing round's exception, through the safety service;
    once per exception (a second call returns the same incident)."""
    _ensure_staff(actor)
    exception = (RoundException.objects.select_for_update(no_key=True, of=("self",))
                 .select_related("closing_round").get(pk=exception.pk))
    if exception.incident_id is not None:
        return exception.incident
    incident = safety.incident_report(
        actor=actor, category=IncidentCategory.HAZARD, place=exception.place,
        occurred_at=exception.closing_round.done_at,
        description=_("Closing round of %(day)s, %(item)s: %(text)s") % {
            "day": format_day(exception.closing_round.day), "item": exception.get_item_display(),
            "text": exception.description},
    )
    exception.incident = incident
    with acting_as(actor, action="spaces.round_exception_incident"):
        exception.save(update_fields=["incident"])
    return incident
