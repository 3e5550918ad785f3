"""Extension points of the residents app: where the apps above it plug in (docs/architecture.md).

The residents app is the lowest domain app: it never imports ``spaces``, ``resources``,
``scoring`` or ``discipline``. What it needs from them is registered here by those apps in
their ``AppConfig.ready()``, and read through the functions below:

- **archive sections** (第三章第五条; RULEBOOK §4.7) — :func:`register_archive_section`: a
  section of the resident's archive (violations, rewards, scores and progress reports,
  desks) with the function that lists its entries;
- **renewal conditions** (第三章第三条; RULEBOOK §4.3) — :func:`register_renewal_condition`:
  one condition of a renewal (no penalty this term, fees on time, no unresolved
  rectification notice, the project still fits) judged for a resident's term;
- **earlier record sections** (第三章第一条 re-entry review) — :func:`register_record_section`: what
  the reviewer of an application reads of a former resident with the same ID number (violations,
  quarterly scores), next to the exits and bans the residents app reads itself;
- **check-in steps** (第三章第二条 办理入驻) — :func:`register_check_in_step`: what check-in
  also does in another app (the desk assigned), with what blocks it and the staff form's field.

The other extension points of the app live next to the code that runs them:
exit handlers and exit steps (``residents.services.lifecycle.register_exit_handler``),
settlement handlers (``residents.services.ledger.register_settlement_handler``) and
action guards (``residents.guards.register_guard``).

Each registry is keyed by a name (``"<app>.<what>"``): registering again replaces, and
``unregister_*`` removes (tests use both).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django import forms

from opc_community.core.i18n import StoredText

if TYPE_CHECKING:
    from residents.models import Agreement, Resident
    from residents.selectors.archive import Entry


# --- Archive sections ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveSection:
    """A section of the archive filled by another app.

    ``entries(resident)`` lists the section's lines (:class:`residents.selectors.archive.Entry`,
    its ``section`` set to ``key``) in time order, in a fixed number of queries. Sections are
    shown in ``order``, after the timeline.
    """

    key: str
    label: Any  # a lazy translation
    order: int
    entries: Callable[["Resident"], list["Entry"]]


_ARCHIVE_SECTIONS: dict[str, ArchiveSection] = {}


def register_archive_section(section: ArchiveSection) -> None:
    _ARCHIVE_SECTIONS[section.key] = section


def unregister_archive_section(key: str) -> None:
    _ARCHIVE_SECTIONS.pop(key, None)


def archive_sections() -> list[ArchiveSection]:
    """The registered sections in their order."""
    return sorted(_ARCHIVE_SECTIONS.values(), key=lambda section: (section.order, section.key))


# --- Earlier record sections (re-application review) -------------------------------------------------


@dataclass(frozen=True)
class RecordSection:
    """A part of a former resident's record shown to the reviewer of a new application with the same
    ID number (the earlier violations, exits and scores are the core of a re-entry review).

    ``entries(resident)`` lists archive lines (:class:`residents.selectors.archive.Entry`) in time
    order, in a fixed number of queries; sections are shown in ``order``.
    """

    key: str
    label: Any  # a lazy translation
    order: int
    entries: Callable[["Resident"], list["Entry"]]


_RECORD_SECTIONS: dict[str, RecordSection] = {}


def register_record_section(section: RecordSection) -> None:
    _RECORD_SECTIONS[section.key] = section


def unregister_record_section(key: str) -> None:
    _RECORD_SECTIONS.pop(key, None)


def record_sections() -> list[RecordSection]:
    """The registered sections in their order."""
    return sorted(_RECORD_SECTIONS.values(), key=lambda section: (section.order, section.key))


# --- Renewal conditions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalContext:
    """What a condition is judged on: the resident, the agreement to renew (its term starts on
    ``agreement.starts_on``), the day, and the staff's answer on the project (None: not yet)."""

    resident: "Resident"
    agreement: "Agreement"
    today: date
    direction_confirmed: bool | None


@dataclass(frozen=True)
class Judgement:
    """A condition judged: met (True), failed (False) or waiting for staff (None), and why in Chinese."""

    met: bool | None
    explanation: str


@dataclass(frozen=True)
class RenewalCondition:
    """A condition of renewal: ``judge(context) -> Judgement``, titled ``title`` (a lazy translation),
    shown in ``order`` (the regulation's order)."""

    code: str
    order: int
    title: Any
    judge: Callable[[RenewalContext], Judgement]


_RENEWAL_CONDITIONS: dict[str, RenewalCondition] = {}


def register_renewal_condition(condition: RenewalCondition) -> None:
    _RENEWAL_CONDITIONS[condition.code] = condition


def unregister_renewal_condition(code: str) -> None:
    _RENEWAL_CONDITIONS.pop(code, None)


def renewal_conditions() -> list[RenewalCondition]:
    """The registered conditions in the regulation's order."""
    return sorted(_RENEWAL_CONDITIONS.values(), key=lambda condition: (condition.order, condition.code))


# --- Check-in steps --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something that still blocks check-in, in Chinese naming what is missing; ``field`` when one
    input of the check-in form is at fault."""

    code: str
    message: str
    field: str | None = None


@dataclass(frozen=True)
class CheckInStep:
    """What check-in also does in another app (第三章第二条 办理入驻), e.g. the spaces app's desk.

    - ``choice``: the keyword the check-in takes for this step (``desk``), passed on as ``choice``;
    - ``problems(resident, *, today, choice) -> list[Problem]``: what blocks it (checked, with
      the residents app's own conditions, before anything is written);
    - ``apply(resident, *, choice, actor) -> StoredText``: done inside the check-in's transaction;
      returns a sentence for the welcome notice ("您的工位是 A-101。"), unrendered (a lazy string or
      a callable, :mod:`opc_community.core.i18n`): the notice is stored in the community language;
    - ``form_field() -> forms.Field``: the staff check-in form's field for ``choice``;
    - ``summary(resident) -> str``: a line for the orientation page ("" when nothing to say).
    """

    name: str
    choice: str
    problems: Callable[..., list[Problem]]
    apply: Callable[..., StoredText]
    form_field: Callable[[], forms.Field]
    summary: Callable[["Resident"], str]


_CHECK_IN_STEPS: dict[str, CheckInStep] = {}


def register_check_in_step(step: CheckInStep) -> None:
    _CHECK_IN_STEPS[step.name] = step


def unregister_check_in_step(name: str) -> None:
    _CHECK_IN_STEPS.pop(name, None)


def check_in_steps() -> list[CheckInStep]:
    """The registered steps in name order."""
    return [step for _name, step in sorted(_CHECK_IN_STEPS.items())]


def check_in_summary(resident: "Resident") -> list[str]:
    """The lines the check-in steps show on the orientation page (empty lines left out)."""
    return [line for line in (step.summary(resident) for step in check_in_steps()) if line]


# --- The resident's summary on the admin page ------------------------------------------------------------


@dataclass(frozen=True)
class SummaryFact:
    """One line of the summary a resident's admin page opens with: ``label``, a plain ``text``, red when
    ``late`` (overdue bills, a warning, a suspension)."""

    label: Any
    text: str
    late: bool = False


@dataclass(frozen=True)
class SummarySection:
    """Facts filled by an app (scoring: the latest score; discipline: open cases, suspensions).
    ``facts(resident, now)`` runs ONE query; sections are shown in ``order``."""

    key: str
    order: int
    facts: Callable[["Resident", datetime], list[SummaryFact]]


_SUMMARY_SECTIONS: dict[str, SummarySection] = {}


def register_summary_section(section: SummarySection) -> None:
    _SUMMARY_SECTIONS[section.key] = section


def summary_sections() -> list[SummarySection]:
    return sorted(_SUMMARY_SECTIONS.values(), key=lambda section: (section.order, section.key))


__all__ = [
    "ArchiveSection", "CheckInStep", "Judgement", "Problem", "RenewalCondition", "RenewalContext",
    "SummaryFact", "SummarySection", "archive_sections", "check_in_steps", "check_in_summary",
    "register_archive_section", "register_check_in_step", "register_renewal_condition",
    "register_summary_section", "renewal_conditions", "summary_sections",
    "unregister_archive_section", "unregister_check_in_step", "unregister_renewal_condition",
]
