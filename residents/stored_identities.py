"""Stored ID card numbers and credit codes rewritten in their one spelling (a data migration's work).

Before ``normalise_identity`` folded them, numbers were stored as typed minus spaces: the
first 17 characters of an ID number passed ``str.isdigit`` in any script (``４``, ``٤``),
so a banned number written another way was not matched. :func:`normalise_stored` rewrites
applications and bans as ``normalise_identity`` writes them, reading those digits as the
old check did (what ``int()`` read them as). It is idempotent and reports, for the intake
team to resolve, numbers already held by more than one live application or resident (the
database refuses new duplicates from then on, old ones stay until a person decides). A stored
value it cannot read at all (only possible if written around the services) is reported too;
the migration then stops, since the check constraints that follow would refuse it.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db.models import Count, Model, Q

from opc_community.core.masking import mask_identity_number
from residents.models.intake import ID_NUMBER_SHAPE, LIVE_STATUSES, USCC_SHAPE
from residents.rules.identity import normalise_identity

_SHAPES = {"id_number": re.compile(ID_NUMBER_SHAPE), "uscc": re.compile(USCC_SHAPE)}
_FIELDS = tuple(_SHAPES)
_NOT_EXITED = ("onboarding", "active", "exiting")


@dataclass
class Report:
    changed: list[str] = field(default_factory=list)  # "application #3 id_number"
    unreadable: list[str] = field(default_factory=list)  # left as they are
    collisions: list[str] = field(default_factory=list)  # "id_number 1101**********002X: application #3, #9"

    def lines(self) -> list[str]:
        return [
            *(f"normalised: {row}" for row in self.changed),
            *(f"UNREADABLE, left as stored: {row}" for row in self.unreadable),
            *(f"HELD TWICE, resolve by hand: {row}" for row in self.collisions),
        ]


def stored_spelling(value: str) -> str:
    """``normalise_identity``, then digits of other scripts as ASCII digits (how they were read when stored)."""
    return "".join(
        str(unicodedata.decimal(c)) if not c.isascii() and unicodedata.decimal(c, None) is not None else c
        for c in normalise_identity(value)
    )


def _rewrite(model: type[Model], label: str, report: Report) -> None:
    for row in model._default_manager.only("pk", *_FIELDS).order_by("pk").iterator():
        changes = {}
        for name in _FIELDS:
            stored = getattr(row, name)
            spelled = stored_spelling(stored)
            if not _SHAPES[name].fullmatch(spelled):
                report.unreadable.append(f"{label} #{row.pk} {name}")
            elif spelled != stored:
                changes[name] = spelled
                report.changed.append(f"{label} #{row.pk} {name}")
        if changes:
            model._default_manager.filter(pk=row.pk).update(**changes)


def normalise_stored(application_model: type[Model], ban_model: type[Model]) -> Report:
    """Rewrite every application's and ban's numbers in their one spelling; report what needs a person."""
    report = Report()
    _rewrite(application_model, "application", report)
    _rewrite(ban_model, "ban", report)
    held = Q(status__in=LIVE_STATUSES) | Q(resident__status__in=_NOT_EXITED)
    for name in _FIELDS:
        shared = (
            application_model._default_manager.filter(held)
            .exclude(**{name: ""})
            .values(name)
            .annotate(holders=Count("pk"))
            .filter(holders__gt=1)
            .order_by(name)
        )
        for group in shared:
            pks = application_model._default_manager.filter(held, **{name: group[name]}).order_by("pk")
            numbers = ", ".join(f"#{pk}" for pk in pks.values_list("pk", flat=True))
            report.collisions.append(f"{name} {mask_identity_number(group[name])}: application {numbers}")
    return report
