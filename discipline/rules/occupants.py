"""Cases against an *occupant*: a person who occupies the community without being a resident (第八章第二条
1a 擅自入驻 — someone squatting a desk, a resident's friend living in). Pure: no database, no clock.

Decisions (docs/discipline.md "Cases against an occupant"):

- Only kind 1a can be committed by someone who is no resident (``OCCUPANT_KINDS``): every other kind of the
  penalty table is a breach of the agreement or of the rules by a resident (5c's visitor is "warned and
  sent away" in a case against the host).
- An occupant is known by name and ID card number (required: the count and the ban follow it), written
  as intake writes it (``residents.rules.identity.normalise_identity``: full-width digits become ASCII);
  a phone number and a description are optional.
- Of the measures the rulebook prescribes, those that need something only a resident has do not apply
  (``RESIDENT_ONLY``): a suspension (no account), a forced exit (no agreement), the deposit forfeited (no
  deposit: "没收保证金（如有）"). "责令立即退出" is the clearing of the space; a fine is owed by the person and
  collected outside the residents ledger; and a ban on applying for ``bans.occupancy_years`` follows.
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from opc_community.rulebook.schema import Measure
from residents.rules.identity import IdCardProblem, id_card_problem, normalise_identity

#: The kinds a case against an occupant may have (the ``case_occupant_only_1a`` check constraint mirrors it).
OCCUPANT_KINDS = ("1a",)

#: Measure types that need a resident (an account, an agreement, a deposit): never applied to an occupant.
RESIDENT_ONLY = frozenset({"suspension", "forced_exit", "deposit_forfeiture"})

#: The measure type of the ban on applying that every decided occupant case carries (RULEBOOK §4.6).
APPLICATION_BAN = "application_ban"

NAME_MAX_LENGTH = 60
_PHONE = re.compile(r"\+?[0-9]{5,19}")


class OccupantProblem(StrEnum):
    NAME = "name"  # empty
    NAME_LENGTH = "name_length"
    PHONE = "phone"  # not digits (an optional leading +), 5–20 characters
    KIND = "kind"  # a kind no occupant can commit


@dataclass(frozen=True)
class Occupant:
    """Who a case against an occupant is against, as staff typed it."""

    name: str
    id_number: str
    phone: str = ""
    description: str = ""

    def normalised(self) -> "Occupant":
        """The spelling kept: name trimmed, ID number as intake keeps it, phone without spaces or dashes."""
        return replace(
            self,
            name=unicodedata.normalize("NFKC", self.name or "").strip(),
            id_number=normalise_identity(self.id_number),
            phone=normalise_identity(self.phone),
            description=(self.description or "").strip(),
        )


def occupant_problems(occupant: Occupant, *, kind: str, today: date) -> dict[str, OccupantProblem | IdCardProblem]:
    """Field → problem for an occupant typed by staff (normalise first); empty when it may be recorded."""
    problems: dict[str, OccupantProblem | IdCardProblem] = {}
    if kind not in OCCUPANT_KINDS:
        problems["kind"] = OccupantProblem.KIND
    if not occupant.name:
        problems["occupant_name"] = OccupantProblem.NAME
    elif len(occupant.name) > NAME_MAX_LENGTH:
        problems["occupant_name"] = OccupantProblem.NAME_LENGTH
    id_problem = id_card_problem(occupant.id_number, today=today)
    if id_problem is not None:
        problems["occupant_id_number"] = id_problem
    if occupant.phone and not _PHONE.fullmatch(occupant.phone):
        problems["occupant_phone"] = OccupantProblem.PHONE
    return problems


def applies_to_occupant(measure: Measure) -> bool:
    return measure.type not in RESIDENT_ONLY


def occupant_measures(measures: tuple[Measure, ...], alternatives: int = 0) -> tuple[tuple[Measure, ...], int, tuple[Measure, ...]]:
    """Split the measures the rulebook prescribes into those applied to an occupant and those that do not
    apply (``RESIDENT_ONLY``); returns (kept, kept alternatives, dropped), keeping the order."""
    kept = tuple(m for m in measures if applies_to_occupant(m))
    dropped = tuple(m for m in measures if not applies_to_occupant(m))
    kept_alternatives = sum(1 for m in measures[:alternatives] if applies_to_occupant(m))
    return kept, kept_alternatives, dropped
