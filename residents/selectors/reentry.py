"""The earlier record of an applicant who was a resident before (第三章第一条; RULEBOOK §4.6), read for
the staff review of the new application.

A former resident is found by the same normalised ID number (or, for a company, the same unified
social credit code) on the application it was admitted on. For each, the reviewer reads the exits and
re-application bans (this app) and the sections other apps register
(``residents.extensions.register_record_section``): violations (discipline), quarterly scores and
progress reports (scoring). Queries: the former residents (1), their exits (1) and bans (1), then
each registered section per former resident in its own fixed number.
"""

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from opc_community.core.moments import format_day
from residents import extensions
from residents.models import Application, Ban, Exit, Resident
from residents.rules.identity import normalise_identity
from residents.selectors.archive import Entry, _name, _on


@dataclass
class EarlierResidency:
    """One earlier residency of the applicant: the resident row, its exits and bans, and the sections."""

    resident: Resident
    exits: list[Entry] = field(default_factory=list)
    bans: list[Entry] = field(default_factory=list)
    #: (key, label, entries) of each registered section, in their order.
    sections: list[tuple[str, str, list[Entry]]] = field(default_factory=list)


def former_residents(application: Application) -> list[Resident]:
    """Residents admitted on another application with the same ID number or credit code (1 query)."""
    id_number, uscc = normalise_identity(application.id_number), normalise_identity(application.uscc)
    same = Q()
    if id_number:
        same |= Q(application__id_number=id_number)
    if uscc:
        same |= Q(application__uscc=uscc)
    if not same:
        return []
    return list(
        Resident.objects.filter(same).exclude(application=application)
        .select_related("application").order_by("created_at", "pk")
    )


def _exit_entry(exit: Exit) -> Entry:
    return Entry(
        at=_on(exit.exit_on), section="exit", date_only=True,
        title=_("%(kind)s: exit on %(date)s (%(status)s)") % {
            "kind": exit.get_kind_display(), "date": format_day(exit.exit_on), "status": exit.get_status_display()},
        detail=exit.reason, actor=_name(exit.created_by) if exit.created_by_id else str(_("system")),
    )


def _ban_entry(ban: Ban) -> Entry:
    return Entry(
        at=ban.created_at, section="ban",
        title=_("Re-application ban until %(date)s") % {"date": format_day(ban.ends_on)},
        detail=f"{ban.get_source_display()} · {ban.note}".strip(" ·"), actor=_name(ban.created_by),
    )


def earlier_residencies(application: Application) -> list[EarlierResidency]:
    """The applicant's earlier residencies, oldest first, each with its exits, bans and registered sections."""
    residents = former_residents(application)
    if not residents:
        return []
    exits: dict[int, list[Entry]] = {}
    for exit in Exit.objects.filter(resident__in=residents).select_related("created_by").order_by("exit_on", "pk"):
        exits.setdefault(exit.resident_id, []).append(_exit_entry(exit))
    bans: dict[int, list[Entry]] = {}
    for ban in Ban.objects.filter(resident__in=residents).select_related("created_by").order_by("created_at", "pk"):
        bans.setdefault(ban.resident_id, []).append(_ban_entry(ban))
    sections = extensions.record_sections()
    return [
        EarlierResidency(
            resident=resident, exits=exits.get(resident.pk, []), bans=bans.get(resident.pk, []),
            sections=[(section.key, str(section.label), section.entries(resident)) for section in sections],
        )
        for resident in residents
    ]
