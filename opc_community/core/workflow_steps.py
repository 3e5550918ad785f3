"""Where a record is in its workflow (UI.md: "a record's page opens with its workflow steps (done /
current / next)"): a pure function turning a status, the workflow's stages and its allowed-transitions
map (``<NAME>_TRANSITIONS``, :mod:`opc_community.core.transitions`) into the steps the page shows, and
the context of the admin include ``admin/workflow_steps.html`` (the steps, then the next action as the
primary button).

A *stage* is one step of the usual path, holding one status or several alternatives (已按期整改 /
未按期整改). A status on no stage is a turn off the path (退回补充材料, 不予认定, 撤销): it is shown
after the stage it came from (``came_from``, else the earliest stage whose status may move to it),
then, when the map lets it go on, the rest of the path; when it ends the workflow, nothing after it.
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

StepState = Literal["done", "current", "next", "ended"]


@dataclass(frozen=True)
class Stage:
    label: Any  # a (lazy) translated text
    statuses: frozenset[str]


@dataclass(frozen=True)
class Step:
    label: str
    state: StepState
    #: The current status's own name when it differs from the stage's (e.g. "未按期整改").
    detail: str = ""


def stage(label: Any, *statuses: str) -> Stage:
    return Stage(label, frozenset(statuses))


def workflow_steps(
    status: str,
    *,
    stages: Sequence[Stage],
    transitions: Mapping[str, Collection[str]],
    labels: Mapping[str, Any],
    came_from: str | None = None,
) -> list[Step]:
    """The steps of a record in ``status``: stages before it done, its own current (or "ended" when the map
    lets it go nowhere and it is off the path), the stages after it next."""
    index = _stage_index(status, stages)
    if index is not None:
        detail = str(labels.get(status, "")) if len(stages[index].statuses) > 1 else ""
        return [
            Step(
                str(s.label),
                "done" if i < index else "current" if i == index else "next",
                detail if i == index else "",
            )
            for i, s in enumerate(stages)
        ]
    left = _left_after(status, stages=stages, transitions=transitions, came_from=came_from)
    ends = not transitions.get(status)
    done = [Step(str(s.label), "done") for s in stages[: left + 1]]
    here = Step(str(labels.get(status, status)), "ended" if ends else "current")
    after = [] if ends else [Step(str(s.label), "next") for s in stages[left + 1 :]]
    return [*done, here, *after]


def _stage_index(status: str, stages: Sequence[Stage]) -> int | None:
    return next((i for i, s in enumerate(stages) if status in s.statuses), None)


def _left_after(
    status: str,
    *,
    stages: Sequence[Stage],
    transitions: Mapping[str, Collection[str]],
    came_from: str | None,
) -> int:
    """The index of the stage an off-path status turned off after (-1: before the first)."""
    if came_from is not None:
        known = _stage_index(came_from, stages)
        if known is not None:
            return known
    sources = [
        i
        for i, s in enumerate(stages)
        for source in s.statuses
        if status in transitions.get(source, ())
    ]
    return min(sources, default=-1)


def workflow_context(steps: list[Step], next_action: tuple[Any, str] | None) -> dict[str, Any]:
    """The context of ``admin/workflow_steps.html``: the steps and the next action (label, url) or None."""
    action = {"label": str(next_action[0]), "url": next_action[1]} if next_action else None
    return {"steps": steps, "next_action": action}
