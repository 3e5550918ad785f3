"""Extension points of the spaces app (docs/architecture.md): what a higher app adds to spaces' pages.

**Loan actions**: an action on the operations desk's equipment-loan list that a higher app provides —
the discipline app's "open a 3c case for the damage" (第八章第二条 3c 损坏公共资源). Registered from the
higher app's ``AppConfig.ready()``; the loan admin offers each action to users ``permitted(request)``
lets through. ``run(modeladmin, request, queryset)`` is a Django admin action; it receives loans and
may return a response (or None: back to the list).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LoanAction:
    name: str
    description: Any  # a lazy translation
    run: Callable[..., Any]
    permitted: Callable[[Any], bool]


_LOAN_ACTIONS: dict[str, LoanAction] = {}


def register_loan_action(action: LoanAction) -> None:
    _LOAN_ACTIONS[action.name] = action


def unregister_loan_action(name: str) -> None:
    _LOAN_ACTIONS.pop(name, None)


def loan_actions() -> list[LoanAction]:
    """The registered loan actions, by name."""
    return [_LOAN_ACTIONS[name] for name in sorted(_LOAN_ACTIONS)]


# --- Closing round exceptions (第四章第一条4) -------------------------------------------------------


@dataclass(frozen=True)
class ExceptionStep:
    """A step a higher app adds to a closing round exception's page: the discipline app's "refer for a
    violation case" (2b 污染环境 / 6a 安全隐患). Registered from its ``AppConfig.ready()``.
    ``view(modeladmin, request, exception)`` answers ``…/roundexception/<pk>/more/<key>/``;
    ``shown(request, exception)`` says whether the button appears (and guards the view)."""

    key: str
    label: Any  # a lazy translation
    view: Callable[..., Any]
    shown: Callable[[Any, Any], bool]


_EXCEPTION_STEPS: dict[str, ExceptionStep] = {}


def register_exception_step(step: ExceptionStep) -> None:
    _EXCEPTION_STEPS[step.key] = step


def unregister_exception_step(key: str) -> None:
    _EXCEPTION_STEPS.pop(key, None)


def exception_steps() -> list[ExceptionStep]:
    """The registered exception steps, by key."""
    return [_EXCEPTION_STEPS[key] for key in sorted(_EXCEPTION_STEPS)]
# --- Drills on the safety dashboard (第七章第四条) ------------------------------------------------------


@dataclass(frozen=True)
class DrillSummary:
    """The drills of a calendar year as the safety dashboard shows them: ``held`` (ended, not cancelled),
    ``planned`` (not yet held, not cancelled), and the next one to come (its start, title and a link)."""

    held: int = 0
    planned: int = 0
    next_at: Any = None
    next_title: str = ""
    next_url: str = ""


#: Who counts the drills: the resources app, where a drill is an activity (resources.SafetyDrill).
#: ``provider(year=..., now=...)`` → DrillSummary, in at most two queries, outside any transaction of ours.
_DRILL_SOURCES: dict[str, Callable[..., DrillSummary]] = {}


def register_drill_source(name: str, provider: Callable[..., DrillSummary]) -> None:
    _DRILL_SOURCES[name] = provider


def unregister_drill_source(name: str) -> None:
    _DRILL_SOURCES.pop(name, None)


def drill_summary(*, year: int, now: Any) -> DrillSummary:
    """The providers' answers added up (the next drill is the earliest of theirs); none registered: no drills."""
    held = planned = 0
    upcoming: list[DrillSummary] = []
    for name in sorted(_DRILL_SOURCES):
        summary = _DRILL_SOURCES[name](year=year, now=now)
        held, planned = held + summary.held, planned + summary.planned
        if summary.next_at is not None:
            upcoming.append(summary)
    first = min(upcoming, key=lambda s: s.next_at) if upcoming else DrillSummary()
    return DrillSummary(held=held, planned=planned, next_at=first.next_at, next_title=first.next_title,
                        next_url=first.next_url)
